"""Bayesian calibration: update a scenario's priors on measurements with PyMC, then propagate the
posterior exactly as ``run`` propagates prior draws.

The Python API (run as a doctest by tests/test_docs.py):

>>> from flopcast.analyze.calibrate import calibrate
>>> cal = calibrate("video-diffusion", "video-timings", draws=500, tune=500, seed=1)
>>> prior, post = cal.inputs["inference_utilization"].prior, cal.inputs["inference_utilization"].posterior
>>> post.p95 - post.p05 < prior.p95 - prior.p05
True

Evidence files
--------------
``[[observation]]`` tables (optionally after an ``[evidence]`` table with ``scenario`` and
``description``)::

    [[observation]]
    output = "gpu_seconds_per_video"   # a model output, or an input name to observe the input itself
    value = 81.8                        # > 0, in the output's unit
    sigma_log = 0.25                    # exactly one of sigma_log | sd | interval90
    set = { params = 4.756e9, layers = 42 }   # the configuration it was measured under
    source = "where the figure comes from"    # required
    note = "what was checked or corrected"
    label = "CogVideoX-5B"                    # optional short name for tables

The likelihood of each observation:

- ``sigma_log = s``: log(value) ~ Normal(log(output), s), i.e. a lognormal measurement error whose
  90% band is x/÷ exp(1.645 s);
- ``interval90 = [lo, hi]``: the same with s = ln(hi/lo) / (2 x 1.6449), centred on the geometric
  mean sqrt(lo hi) (``value``, the reported figure, must lie inside the interval);
- ``sd = d``: value ~ Normal(output, d), an additive error on the output's own scale.

``set`` fixes inputs to numbers for that observation only (architecture, resolution, steps...); the
inputs it leaves free are shared by every observation (e.g. one ``inference_utilization`` ties all
timings together), which is what lets several measurements inform one latent input.

The model
---------
One ``pm.Model``: every uncertain input on which some observation depends becomes a random variable
through its prior's ``to_pymc`` (constants stay numbers); the scenario's rank correlations among them
enter as a Gaussian-copula density (``pm.Potential``), so the PyMC prior is the prior ``run`` samples.
Uncertain inputs no observation depends on (directly or through a correlation) are independent of
the evidence a posteriori: they keep their exact priors and are not sampled. The model equations are
the ones ``run`` evaluates with numpy, here on PyTensor tensors.

Convergence (checked before anything is reported; failures raise ``CalibrationFailed``)
-----------------------------------------------------------------------------------------
- rank-normalized split R-hat (Vehtari et al. 2021) of every sampled variable <= 1.01 with at least
  1000 draws per chain, <= 1.05 with fewer (R-hat's own sampling noise is ~0.01 at a few hundred
  draws per chain, so 1.01 would reject well-mixed short runs);
- bulk and tail effective sample size >= 100 per chain (Vehtari et al.: 400 for 4 chains);
- no divergent transitions: a divergence means NUTS could not follow the posterior's geometry and
  the draws may be biased, so none is tolerated.
Tree-depth saturation and a low E-BFMI (< 0.3) are reported as warnings (inefficiency, not bias).
"""

from __future__ import annotations

import logging
import math
import re
import tempfile
import time
import tomllib
import warnings
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

import numpy as np

from flopcast import priors as _priors_package
from flopcast.priors.errors import InputError
from flopcast.priors.families._base import Z95
from flopcast.priors.scenario import Scenario, load_scenario
from flopcast import __version__
from flopcast.plan import Plan

EVIDENCE_DIR = Path(_priors_package.__file__).resolve().parent / "evidence"

_OBS_KEYS = {"output", "value", "sigma_log", "sd", "interval90", "set", "source", "note", "label"}
_SPREAD_KEYS = ("sigma_log", "sd", "interval90")
_EVIDENCE_KEYS = {"scenario", "description"}

RHAT_STRICT = 1.01  # with >= RHAT_STRICT_DRAWS draws per chain
RHAT_SHORT = 1.05  # with fewer
RHAT_STRICT_DRAWS = 1000
ESS_PER_CHAIN = 100  # bulk and tail
MAX_DIVERGENCES = 0
BFMI_WARN = 0.3
TREEDEPTH_WARN = 0.05  # share of draws that hit the maximum tree depth

# An input "moved" when its posterior median shifted by >= MOVED_SHIFT of its prior 90% width, or its
# 90% interval shrank to <= MOVED_WIDTH of the prior's (both on the log scale for positive inputs).
MOVED_SHIFT = 0.05
MOVED_WIDTH = 0.9


class CalibrationFailed(InputError):
    """The sampler did not converge; the posterior is not reported (the message says how to fix it)."""

    def __init__(self, where: str, reason: str, diagnostics: "Diagnostics | None" = None):
        super().__init__(where, reason)
        self.diagnostics = diagnostics


# --- evidence ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Observation:
    """One measurement of a model output (or input) under a configuration ``set``."""

    index: int
    output: str
    value: float
    source: str
    sigma_log: float | None = None
    sd: float | None = None
    interval90: tuple[float, float] | None = None
    set: Mapping[str, float] = field(default_factory=dict)
    note: str = ""
    label: str = ""
    file: str = "<evidence>"

    @property
    def kind(self) -> str:
        """``lognormal`` (sigma_log, interval90) or ``normal`` (sd)."""
        return "normal" if self.sd is not None else "lognormal"

    @property
    def log_sigma(self) -> float | None:
        """The lognormal likelihood's sigma (None for an ``sd`` observation)."""
        if self.sigma_log is not None:
            return self.sigma_log
        if self.interval90 is not None:
            lo, hi = self.interval90
            return math.log(hi / lo) / (2.0 * Z95)
        return None

    @property
    def center(self) -> float:
        """Where the likelihood is centred: ``value``, or the geometric mean of ``interval90``."""
        if self.interval90 is not None:
            return math.sqrt(self.interval90[0] * self.interval90[1])
        return self.value

    @property
    def name(self) -> str:
        return self.label or f"observation[{self.index}]"

    def where(self, key: str = "") -> str:
        return f"{self.file}: observation[{self.index}]" + (f".{key}" if key else "")

    def spread_text(self) -> str:
        if self.sigma_log is not None:
            return f"sigma_log {self.sigma_log:g}"
        if self.sd is not None:
            return f"sd {self.sd:g}"
        lo, hi = self.interval90
        return f"90% [{lo:g}, {hi:g}]"

    def as_json(self) -> dict:
        return {"label": self.label, "output": self.output, "value": self.value, "sigma_log": self.sigma_log,
                "sd": self.sd, "interval90": list(self.interval90) if self.interval90 else None,
                "set": dict(self.set), "source": self.source, "note": self.note}


class Evidence(list):
    """The observations of one evidence file (a ``list[Observation]``) plus the file's header."""

    def __init__(self, observations: Iterable[Observation] = (), path: Path | None = None,
                 scenario: str = "", description: str = ""):
        super().__init__(observations)
        self.path = path
        self.scenario = scenario
        self.description = description

    @property
    def file(self) -> str:
        return self.path.name if self.path is not None else "<evidence>"


def resolve_evidence_path(ref: str | Path) -> Path:
    """A path, or the stem of a bundled file in ``priors/evidence/`` (``video-timings``)."""
    path = Path(ref)
    if path.is_file():
        return path
    bundled = EVIDENCE_DIR / f"{ref}.toml"
    if not str(ref).endswith(".toml") and "/" not in str(ref) and bundled.is_file():
        return bundled
    raise InputError(f"--evidence {ref}", "no such evidence file")


def load_evidence(path: str | Path, plan: Plan | None = None) -> Evidence:
    """Read and validate an evidence file; with ``plan`` also check it against the scenario's model."""
    path = resolve_evidence_path(path)
    file = path.name
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise InputError(file, f"malformed TOML: {exc}") from None
    except UnicodeDecodeError:
        raise InputError(file, "not a UTF-8 text file") from None
    extra = sorted(set(data) - {"evidence", "observation"})
    if extra:
        raise InputError(f"{file}: {extra[0]}", "unknown key; an evidence file has [evidence] and [[observation]] tables")
    head = data.get("evidence", {})
    if not isinstance(head, dict):
        raise InputError(f"{file}: evidence", "must be a table")
    for key in sorted(set(head) - _EVIDENCE_KEYS):
        raise InputError(f"{file}: evidence.{key}", f"unknown key; allowed: {', '.join(sorted(_EVIDENCE_KEYS))}")
    for key in _EVIDENCE_KEYS:
        if key in head and not isinstance(head[key], str):
            raise InputError(f"{file}: evidence.{key}", "must be a string")
    items = data.get("observation")
    if not isinstance(items, list) or not items or not all(isinstance(i, dict) for i in items):
        raise InputError(f"{file}: observation", "no [[observation]] tables; every measurement is one [[observation]]")
    evidence = Evidence((_parse_observation(i, spec, file) for i, spec in enumerate(items)), path,
                        head.get("scenario", ""), head.get("description", ""))
    if plan is not None:
        check_evidence(evidence, plan)
    return evidence


def _is_num(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


def _positive(spec: dict, key: str, where: str) -> float:
    v = spec[key]
    if not _is_num(v) or not v > 0:
        raise InputError(f"{where}.{key}", f"must be a positive number, got {v!r}")
    return float(v)


def _parse_observation(i: int, spec: dict, file: str) -> Observation:
    where = f"{file}: observation[{i}]"
    for key in sorted(set(spec) - _OBS_KEYS):
        raise InputError(f"{where}.{key}", f"unknown key; allowed: {', '.join(sorted(_OBS_KEYS))}")
    if not isinstance(spec.get("output"), str) or not spec["output"]:
        raise InputError(f"{where}.output", "missing or not a string (a model output, or an input to observe directly)")
    if "value" not in spec:
        raise InputError(f"{where}.value", "missing: the measured figure, in the output's unit")
    value = _positive(spec, "value", where)
    given = [k for k in _SPREAD_KEYS if k in spec]
    if len(given) != 1:
        got = f"got {' and '.join(given)}" if given else "got none"
        raise InputError(where, f"give exactly one of sigma_log, sd, interval90 ({got})")
    sigma_log = sd = interval = None
    if given[0] == "sigma_log":
        sigma_log = _positive(spec, "sigma_log", where)
    elif given[0] == "sd":
        sd = _positive(spec, "sd", where)
    else:
        pair = spec["interval90"]
        if not (isinstance(pair, list) and len(pair) == 2 and all(_is_num(v) for v in pair)):
            raise InputError(f"{where}.interval90", "must be a pair of numbers [lo, hi]")
        lo, hi = float(pair[0]), float(pair[1])
        if not 0 < lo < hi:
            raise InputError(f"{where}.interval90", f"needs 0 < lo < hi, got [{lo:g}, {hi:g}]")
        if not lo <= value <= hi:
            raise InputError(f"{where}.value", f"{value:g} lies outside its interval90 [{lo:g}, {hi:g}]")
        interval = (lo, hi)
    sets = spec.get("set", {})
    if not isinstance(sets, dict):
        raise InputError(f"{where}.set", "must be a table of input = number")
    for name, v in sets.items():
        if not _is_num(v):
            raise InputError(f"{where}.set.{name}", f"must be a finite number, got {v!r}")
    source = spec.get("source")
    if not isinstance(source, str) or not source.strip():
        raise InputError(f"{where}.source", "missing: say where the figure comes from")
    for key in ("note", "label"):
        if key in spec and not isinstance(spec[key], str):
            raise InputError(f"{where}.{key}", "must be a string")
    return Observation(i, spec["output"], value, source.strip(), sigma_log, sd, interval,
                       {k: float(v) for k, v in sets.items()}, spec.get("note", ""), spec.get("label", ""), file)


def check_evidence(evidence: Sequence[Observation], plan: Plan) -> None:
    """Every observation names an output (or a non-constant input) of the plan's model, sets only
    known inputs, and is finite (and positive, for a lognormal likelihood) at the point values."""
    model = plan.model
    for obs in evidence:
        if obs.output not in model.outputs and obs.output not in model.inputs:
            raise InputError(
                obs.where("output"),
                f"unknown output or input {obs.output!r}; the {model.name} model's outputs are: "
                f"{', '.join(model.outputs)}; its inputs: {', '.join(model.inputs)}",
            )
        if obs.output in model.inputs:
            if obs.output not in plan.dists:
                by = "a --set fixes" if any(t.split("=", 1)[0].strip() == obs.output
                                            for t in plan.scenario.overrides) else "the scenario fixes"
                raise InputError(obs.where("output"),
                                 f"cannot calibrate {obs.output}: {by} it as a constant; give it a prior")
            if obs.output in obs.set:
                raise InputError(obs.where(f"set.{obs.output}"), f"fixes the observed input {obs.output} itself")
        for name in obs.set:
            if name not in model.inputs:
                raise InputError(obs.where(f"set.{name}"),
                                 f"unknown input {name!r}; the {model.name} model's inputs are: {', '.join(model.inputs)}")
        x = {n: np.float64(v) for n, v in plan.points.items()}
        x.update({n: np.float64(v) for n, v in obs.set.items()})
        problems = model.check(x)
        if problems:
            name, reason = problems[0]
            raise InputError(obs.where(f"set.{name}" if name in obs.set else "set"), f"{name}: {reason}")
        value = x[obs.output] if obs.output in model.inputs else _evaluate_numpy(plan, x)[obs.output]
        if not np.isfinite(value) or (obs.kind == "lognormal" and not value > 0):
            raise InputError(obs.where("output"),
                             f"{obs.output} is {float(value):g} at the scenario's point values with this set; "
                             "a lognormal likelihood needs a positive, finite output")


def _evaluate_numpy(plan: Plan, x: Mapping[str, Any]) -> dict[str, Any]:
    with np.errstate(all="ignore"):
        return plan.model.evaluate(x)


# --- results -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Band:
    median: float
    p05: float
    p95: float

    @classmethod
    def of(cls, values) -> "Band":
        q = np.quantile(np.asarray(values, dtype=float).ravel(), [0.5, 0.05, 0.95])
        return cls(float(q[0]), float(q[1]), float(q[2]))

    def as_json(self) -> dict:
        return {"median": self.median, "p05": self.p05, "p95": self.p95}


@dataclass(frozen=True)
class InputShift:
    name: str
    unit: str
    prior: Band
    posterior: Band
    shift: float  # posterior median - prior median, in prior 90% widths (log scale if positive)
    width_ratio: float  # posterior 90% width / prior 90% width (log scale if positive)

    @property
    def moved(self) -> bool:
        return abs(self.shift) >= MOVED_SHIFT or self.width_ratio <= MOVED_WIDTH

    def as_json(self) -> dict:
        return {"unit": self.unit, "prior": self.prior.as_json(), "posterior": self.posterior.as_json(),
                "shift": self.shift, "width_ratio": self.width_ratio, "moved": self.moved}


@dataclass(frozen=True)
class OutputShift:
    name: str
    unit: str
    prior: Band
    posterior: Band

    def as_json(self) -> dict:
        return {"unit": self.unit, "prior": self.prior.as_json(), "posterior": self.posterior.as_json()}


@dataclass(frozen=True)
class Fit:
    """An observation against the model's band for the observed quantity under its ``set``."""

    observation: Observation
    unit: str
    prior: Band
    posterior: Band

    @property
    def z(self) -> float | None:
        """(log value - log posterior median) / sigma_log: how far the posterior sits from the figure."""
        s = self.observation.log_sigma
        if s is None or not self.posterior.median > 0:
            return None
        return (math.log(self.observation.center) - math.log(self.posterior.median)) / s

    def as_json(self) -> dict:
        return {"observation": self.observation.name, "output": self.observation.output, "unit": self.unit,
                "value": self.observation.value, "prior": self.prior.as_json(),
                "posterior": self.posterior.as_json(), "z": self.z}


@dataclass(frozen=True)
class Diagnostics:
    r_hat: dict[str, float]
    ess_bulk: dict[str, float]
    ess_tail: dict[str, float]
    divergences: int
    samples: int  # post-warmup draws over all chains
    treedepth_hits: int
    bfmi: list[float]
    rhat_limit: float
    ess_limit: float
    seconds: float
    failures: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failures

    @property
    def max_r_hat(self) -> float:
        return max(self.r_hat.values(), default=float("nan"))

    @property
    def min_ess_bulk(self) -> float:
        return min(self.ess_bulk.values(), default=float("nan"))

    @property
    def min_ess_tail(self) -> float:
        return min(self.ess_tail.values(), default=float("nan"))

    def rows(self) -> list[list[str]]:
        from flopcast.fmt import num

        return [[n, f"{self.r_hat[n]:.4f}", num(self.ess_bulk[n]), num(self.ess_tail[n])] for n in self.r_hat]

    def as_json(self) -> dict:
        return {
            "ok": self.ok, "max_r_hat": _json_num(self.max_r_hat), "min_ess_bulk": _json_num(self.min_ess_bulk),
            "min_ess_tail": _json_num(self.min_ess_tail), "divergences": self.divergences, "samples": self.samples,
            "treedepth_hits": self.treedepth_hits, "bfmi": [_json_num(b) for b in self.bfmi],
            "thresholds": {"r_hat": self.rhat_limit, "ess_bulk": self.ess_limit, "ess_tail": self.ess_limit,
                           "divergences": MAX_DIVERGENCES},
            "r_hat": {k: _json_num(v) for k, v in self.r_hat.items()},
            "ess_bulk": {k: _json_num(v) for k, v in self.ess_bulk.items()},
            "ess_tail": {k: _json_num(v) for k, v in self.ess_tail.items()},
            "sampling_seconds": self.seconds, "warnings": list(self.warnings),
        }


def _json_num(x: float):
    return float(x) if x is not None and math.isfinite(x) else None


@dataclass
class Calibration:
    plan: Plan  # the original scenario (with any --set overrides)
    evidence: Evidence
    informed: tuple[str, ...]  # uncertain inputs the posterior replaces
    idata: Any  # arviz.InferenceData: posterior, sample_stats, observed_data
    draws: int
    tune: int
    chains: int
    seed: int
    target_accept: float
    diagnostics: Diagnostics
    posterior_name: str
    posterior_text: str  # the calibrated scenario's TOML (refers to posterior.nc beside it)
    prior_run: Any  # engine.RunResult of the original scenario
    posterior_run: Any  # engine.RunResult of the calibrated scenario (same seed and columns)
    inputs: dict[str, InputShift]
    outputs: dict[str, OutputShift]
    fits: list[Fit]
    warnings: list[str]
    seconds: float
    created: str

    NC_NAME = "posterior.nc"

    @property
    def scenario(self) -> Scenario:
        return self.plan.scenario

    @property
    def toml_name(self) -> str:
        return f"{self.posterior_name}.toml"

    @property
    def moved(self) -> list[str]:
        return [n for n, s in self.inputs.items() if s.moved]

    def posterior_draws(self, name: str) -> np.ndarray:
        return np.asarray(self.idata.posterior[name].values, dtype=float).reshape(-1)

    def write_posterior(self, path: Path) -> None:
        """The inference data as NetCDF: ``posterior`` (chain, draw) holds the informed inputs."""
        write_idata(self.idata, path)

    def as_json(self) -> dict:
        return {
            "scenario": self.scenario.name,
            "evidence": str(self.evidence.path) if self.evidence.path else self.evidence.file,
            "observations": len(self.evidence),
            "draws": self.draws,
            "tune": self.tune,
            "chains": self.chains,
            "seed": self.seed,
            "target_accept": self.target_accept,
            "diagnostics": self.diagnostics.as_json(),
            "inputs": {n: s.as_json() for n, s in self.inputs.items()},
            "outputs": {n: s.as_json() for n, s in self.outputs.items()},
            "fit": [f.as_json() for f in self.fits],
            "propagation_draws": self.posterior_run.draws,
            "overrides": list(self.scenario.overrides),
            "warnings": list(self.warnings),
            "version": __version__,
            "created": self.created,
        }


def write_idata(idata, path: Path) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        idata.to_netcdf(str(path), engine="h5netcdf")


# --- calibration -------------------------------------------------------------------------------


def calibrate(
    scenario_or_plan: str | Path | Scenario | Plan,
    evidence: str | Path | Sequence[Observation],
    draws: int = 1000,
    tune: int = 1000,
    chains: int = 2,
    seed: int | None = None,
    target_accept: float = 0.9,
    sets: Sequence[str] = (),
    propagate_draws: int | None = None,
) -> Calibration:
    """Condition the scenario's priors on the evidence with NUTS, check convergence, then propagate
    the posterior (and, with the same seed and unit-cube columns, the prior) through the model."""
    from flopcast import engine

    started = time.perf_counter()
    created = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    plan = engine.plan_for(scenario_or_plan, sets)
    draws = _count(draws, "--draws", minimum=1)
    tune = _count(tune, "--tune", minimum=0)
    chains = _count(chains, "--chains", minimum=1)
    if isinstance(target_accept, bool) or not isinstance(target_accept, (int, float)) or not 0 < target_accept < 1:
        raise InputError("target_accept", f"must lie in (0, 1), got {target_accept!r}")
    seed = engine.resolve_seed(seed)
    if plan.scenario.posterior is not None:
        raise InputError(plan.scenario.file, "is a calibrated scenario already (it has a [posterior] table); "
                                             "calibrate the original scenario on all the evidence instead")
    if plan.scenario.path is None:
        raise InputError(plan.scenario.file, "calibration needs a scenario file (the calibrated scenario is a copy of it)")
    if isinstance(evidence, (str, Path)):
        evidence = load_evidence(evidence, plan)
    else:
        evidence = evidence if isinstance(evidence, Evidence) else Evidence(evidence)
        if not evidence:
            raise InputError(evidence.file, "no observations")
        check_evidence(evidence, plan)
    warn: list[str] = []
    if evidence.scenario and evidence.scenario not in (plan.scenario.name,):
        warn.append(f"{evidence.file} was written for scenario {evidence.scenario!r}, not {plan.scenario.name!r}")
    if chains == 1:
        warn.append("one chain: R-hat cannot compare chains; use --chains 2 or more")

    informed = informed_inputs(plan, evidence)
    idata, model_vars, seconds = _sample(plan, evidence, informed, draws, tune, chains, seed, target_accept)
    diag = diagnose(idata, model_vars, draws, chains, seconds)
    where = f"{plan.scenario.file} + {evidence.file}"
    if not diag.ok:
        raise CalibrationFailed(where, _failure_message(diag, draws, tune, target_accept), diag)
    warn.extend(diag.warnings)

    name = f"{plan.scenario.name}-calibrated"
    note = posterior_note(evidence)
    text = posterior_scenario_text(plan, informed, Calibration.NC_NAME, note, evidence, seed, created)
    n_prop = propagate_draws or plan.scenario.default_draws or engine.DEFAULT_DRAWS
    prior_run, post_run = _propagate(plan, idata, text, name, n_prop, seed)

    inputs = {n: _input_shift(plan, n, prior_run.inputs[n], idata.posterior[n].values) for n in informed}
    outputs = {n: OutputShift(n, plan.unit(n), _band(prior_run.summary[n]), _band(post_run.summary[n]))
               for n in plan.model.outputs}
    fits = _fits(plan, evidence, prior_run, idata, informed)
    for f in fits:
        if f.z is not None and abs(f.z) > 2.5:
            warn.append(f"{f.observation.name}: the posterior median of {f.observation.output} is "
                        f"{abs(f.z):.1f} sigma_log from the measured value; the evidence and the priors disagree")
    return Calibration(plan, evidence, informed, idata, draws, tune, chains, seed, float(target_accept), diag,
                       name, text, prior_run, post_run, inputs, outputs, fits, warn,
                       time.perf_counter() - started, created)


def _count(value: object, flag: str, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        kind = "a positive" if minimum > 0 else "a non-negative"
        raise InputError(flag, f"must be {kind} integer, got {value!r}")
    return int(value)


def _band(summary) -> Band:
    return Band(summary.median, summary.p05, summary.p95)


def _base_inputs(plan: Plan) -> dict[str, Any]:
    x: dict[str, Any] = {n: np.float64(v) for n, v in plan.constants.items()}
    x.update({n: np.float64(plan.points[n]) for n in plan.uncertain})
    return x


def _observed(plan: Plan, obs: Observation, x: Mapping[str, Any]):
    """The quantity an observation measures, given inputs ``x`` (numpy or PyTensor)."""
    x = {**x, **{n: np.float64(v) for n, v in obs.set.items()}}
    if obs.output in plan.model.inputs:
        return x[obs.output]
    return plan.model.evaluate(x)[obs.output]


def informed_inputs(plan: Plan, evidence: Sequence[Observation]) -> tuple[str, ...]:
    """Uncertain inputs some observation depends on (graph ancestors of its PyTensor expression),
    closed under the scenario's correlations; in the plan's order."""
    import pytensor.tensor as pt
    try:
        from pytensor.graph.traversal import ancestors
    except ImportError:  # pytensor < 2.32
        from pytensor.graph.basic import ancestors

    symbols = {n: pt.scalar(n, dtype="float64") for n in plan.uncertain}
    x = {**_base_inputs(plan), **symbols}
    found: set[str] = set()
    for obs in evidence:
        y = pt.as_tensor_variable(_observed(plan, obs, x))
        deps = {v.name for v in ancestors([y]) if v.owner is None and v.name in symbols and v is symbols[v.name]}
        if not deps:
            raise InputError(obs.where("output"),
                             f"{obs.output} does not depend on any uncertain input of {plan.scenario.file}"
                             f"{' once its set is applied' if obs.set else ''}, so it cannot inform the calibration")
        found |= deps
    changed = True
    while changed:  # a correlated partner's posterior moves too
        changed = False
        for corr in plan.correlations:
            a, b = corr.inputs
            if (a in found) != (b in found):
                found |= {a, b}
                changed = True
    return tuple(n for n in plan.uncertain if n in found)


@contextmanager
def _quiet():
    """PyMC logs sampler progress on the root of its logger; the CLI prints only what it reports."""
    loggers = [logging.getLogger(n) for n in ("pymc", "pymc.sampling.mcmc", "pytensor")]
    levels = [lg.level for lg in loggers]
    for lg in loggers:
        lg.setLevel(logging.ERROR)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with np.errstate(all="ignore"):
                yield
    finally:
        for lg, level in zip(loggers, levels):
            lg.setLevel(level)


def build_model(plan: Plan, evidence: Sequence[Observation], informed: Sequence[str]):
    """The PyMC model: priors of the informed inputs (with their copula), one likelihood per observation."""
    import pymc as pm
    import pytensor.tensor as pt

    with pm.Model() as model:
        rvs = {}
        for n in informed:
            try:
                rvs[n] = plan.dists[n].to_pymc(n)
            except NotImplementedError:
                raise InputError(f"{plan.scenario.file}: priors.{n}",
                                 f"a {plan.dists[n].family} prior cannot be calibrated (no PyMC form)") from None
        _copula_potential(plan, informed, rvs)
        x = {**_base_inputs(plan), **rvs}
        for obs in evidence:
            y = _observed(plan, obs, x)
            label = f"obs{obs.index}_{obs.output}"
            if obs.kind == "normal":
                pm.Normal(label, mu=y, sigma=obs.sd, observed=obs.value)
            else:
                pm.Normal(label, mu=pt.log(y), sigma=obs.log_sigma, observed=math.log(obs.center))
    return model


def _normal_score(dist, x, where: str):
    """Phi^-1(F(x)) for a prior's marginal CDF F, as a PyTensor expression."""
    import pymc as pm
    import pytensor.tensor as pt

    fam = dist.family
    if fam == "lognormal":
        return (pt.log(x) - dist.mu) / dist.sigma
    if fam == "normal":
        return (x - dist.mu) / dist.sigma
    if fam == "uniform":
        u = (x - dist.low) / (dist.high - dist.low)
    elif fam == "loguniform":
        u = (pt.log(x) - math.log(dist.low)) / (math.log(dist.high) - math.log(dist.low))
    elif fam == "beta":
        u = pt.exp(pm.logcdf(pm.Beta.dist(alpha=dist.alpha, beta=dist.beta), x))
    elif fam == "pert":
        a, b = dist.shape
        u = pt.exp(pm.logcdf(pm.Beta.dist(alpha=a, beta=b), (x - dist.low) / (dist.high - dist.low)))
    elif fam == "triangular":
        span = dist.high - dist.low
        c = (dist.mode - dist.low) / span
        t = (x - dist.low) / span
        if c <= 0:
            u = 1.0 - (1.0 - t) ** 2
        elif c >= 1:
            u = t ** 2
        else:
            u = pt.switch(t <= c, t ** 2 / c, 1.0 - (1.0 - t) ** 2 / (1.0 - c))
    else:
        raise InputError(where, f"a correlated {fam} prior cannot be calibrated")
    u = pt.clip(u, 1e-12, 1.0 - 1e-12)
    return math.sqrt(2.0) * pt.erfinv(2.0 * u - 1.0)


def _copula_potential(plan: Plan, informed: Sequence[str], rvs: Mapping[str, Any]) -> None:
    """The scenario's Gaussian copula among the informed inputs: log c(z) = -1/2 log|R| - 1/2 z'(R^-1 - I)z
    with z = Phi^-1(F(x)) and R the Pearson matrix ``run`` uses (2 sin(pi rank / 6))."""
    corrs = [c for c in plan.correlations if c.inputs[0] in rvs and c.inputs[1] in rvs]
    if not corrs:
        return
    import pymc as pm

    from flopcast.sampling import rank_to_pearson

    names = [n for n in informed if any(n in c.inputs for c in corrs)]
    index = {n: i for i, n in enumerate(names)}
    r = np.eye(len(names))
    for c in corrs:
        i, j = index[c.inputs[0]], index[c.inputs[1]]
        r[i, j] = r[j, i] = rank_to_pearson(c.rank)
    eig = np.linalg.eigvalsh(r)
    if eig.min() < 1e-8:
        raise InputError(f"{plan.scenario.file}: correlations",
                         f"the correlation matrix is (nearly) singular (smallest eigenvalue {eig.min():.2g}); "
                         "calibration needs every |rank| clearly below 1")
    precision = np.linalg.inv(r) - np.eye(len(names))
    z = [_normal_score(plan.dists[n], rvs[n], f"{plan.scenario.file}: priors.{n}") for n in names]
    # the quadratic form written out (a few terms): no BLAS dot for a handful of scalars
    quad = sum(float(precision[i, j]) * z[i] * z[j] for i in range(len(names)) for j in range(len(names))
               if abs(precision[i, j]) > 1e-15)
    logdet = float(np.sum(np.log(eig)))
    pm.Potential("prior_copula", -0.5 * logdet - 0.5 * quad)


def _sample(plan, evidence, informed, draws, tune, chains, seed, target_accept):
    import pymc as pm

    model = build_model(plan, evidence, informed)
    sampled = [rv.name for rv in model.free_RVs]
    model_vars = list(dict.fromkeys(sampled + [n for n in informed if n not in sampled]))
    t0 = time.perf_counter()
    with _quiet(), model:
        idata = pm.sample(draws=draws, tune=tune, chains=chains, cores=1, random_seed=seed,
                          target_accept=target_accept, progressbar=False, compute_convergence_checks=False,
                          return_inferencedata=True, idata_kwargs={"log_likelihood": False})
    seconds = time.perf_counter() - t0
    idata.posterior.attrs.update({"flopcast_inputs": " ".join(informed), "seed": seed,
                                  "scenario": plan.scenario.name})
    for n in informed:
        idata.posterior[n].attrs["unit"] = plan.unit(n)
    return idata, model_vars, seconds


def diagnose(idata, variables: Sequence[str], draws: int, chains: int, seconds: float = 0.0) -> Diagnostics:
    """R-hat, bulk/tail ESS and divergences against the documented thresholds."""
    import arviz as az

    with _quiet():
        rhat = az.rhat(idata, var_names=list(variables))
        bulk = az.ess(idata, var_names=list(variables), method="bulk")
        tail = az.ess(idata, var_names=list(variables), method="tail")
        try:
            bfmi = [float(b) for b in np.atleast_1d(az.bfmi(idata))]
        except Exception:  # too few draws for an energy estimate
            bfmi = []
    as_float = lambda ds, n: float(np.max(np.asarray(ds[n].values, dtype=float)))  # noqa: E731
    as_min = lambda ds, n: float(np.min(np.asarray(ds[n].values, dtype=float)))  # noqa: E731
    r_hat = {n: as_float(rhat, n) for n in variables}
    ess_b = {n: as_min(bulk, n) for n in variables}
    ess_t = {n: as_min(tail, n) for n in variables}
    stats = idata.sample_stats
    divergences = int(stats["diverging"].values.sum()) if "diverging" in stats else 0
    hits = int(stats["reached_max_treedepth"].values.sum()) if "reached_max_treedepth" in stats else 0
    samples = draws * chains
    rhat_limit = RHAT_STRICT if draws >= RHAT_STRICT_DRAWS else RHAT_SHORT
    ess_limit = float(ESS_PER_CHAIN * chains)

    failures: list[str] = []
    bad_r = {n: v for n, v in r_hat.items() if not (v <= rhat_limit)}
    if bad_r:
        n, v = max(bad_r.items(), key=lambda kv: kv[1] if math.isfinite(kv[1]) else math.inf)
        failures.append(f"max r_hat {v:.3f} ({n}) > {rhat_limit}" if math.isfinite(v)
                        else f"r_hat of {n} could not be computed (too few draws)")
    for label, ess in (("bulk", ess_b), ("tail", ess_t)):
        bad = {n: v for n, v in ess.items() if not (v >= ess_limit)}
        if bad:
            n, v = min(bad.items(), key=lambda kv: kv[1] if math.isfinite(kv[1]) else -math.inf)
            failures.append(f"min {label} ESS {v:.0f} ({n}) < {ess_limit:.0f} (100 per chain)" if math.isfinite(v)
                            else f"{label} ESS of {n} could not be computed (too few draws)")
    if divergences > MAX_DIVERGENCES:
        failures.append(f"{divergences} divergent transitions of {samples} (none allowed)")
    warn: list[str] = []
    if samples and hits / samples > TREEDEPTH_WARN:
        warn.append(f"{hits} of {samples} draws hit the maximum tree depth: sampling is inefficient "
                    "(strongly correlated or badly scaled posterior)")
    low = [b for b in bfmi if b < BFMI_WARN]
    if low:
        warn.append(f"E-BFMI {min(low):.2f} < {BFMI_WARN} in {len(low)} chain(s): the tails may be under-explored")
    return Diagnostics(r_hat, ess_b, ess_t, divergences, samples, hits, bfmi, rhat_limit, ess_limit, seconds,
                       failures, warn)


def _failure_message(diag: Diagnostics, draws: int, tune: int, target_accept: float) -> str:
    fixes = []
    if any("r_hat" in f or "ESS" in f for f in diag.failures):
        fixes.append(f"run longer (e.g. --tune {max(2 * tune, 1000)} --draws {max(2 * draws, 1000)}) or with more --chains")
    if diag.divergences > MAX_DIVERGENCES:
        higher = 0.95 if target_accept < 0.95 else 0.99
        fixes.append(f"raise target_accept (e.g. {higher}) and --tune; divergences that persist mean the "
                     "evidence conflicts with the priors or a prior has a hard edge where the data push")
    return ("the posterior did not converge: " + "; ".join(diag.failures) + ". Nothing is reported or written. Fix: "
            + "; ".join(fixes))


# --- propagation -------------------------------------------------------------------------------


def posterior_note(evidence: Evidence) -> str:
    sources = list(dict.fromkeys(o.label or o.source for o in evidence))
    plural = "s" if len(evidence) != 1 else ""
    return f"after calibration on {len(evidence)} measurement{plural} ({evidence.file}): " + "; ".join(sources)


_HEADER = re.compile(r"^\s*(\[\[?)\s*([^\]]+?)\s*(\]\]?)\s*(#.*)?$")


def _tables(lines: list[str]) -> list[tuple[int, str, bool]]:
    """(line index, table name, is array) of every table header outside multi-line strings."""
    out, in_string = [], None
    for i, line in enumerate(lines):
        if in_string is None:
            m = _HEADER.match(line)
            if m and m.group(1) in ("[", "[[") and len(m.group(1)) == len(m.group(3)):
                out.append((i, m.group(2).strip(), m.group(1) == "[["))
        code = line.split("#", 1)[0] if in_string is None else line
        for quote in ('"""', "'''"):
            if in_string in (None, quote) and code.count(quote) % 2 == 1:
                in_string = None if in_string == quote else quote
    return out


def _comment_out(lines: list[str], start: int, tables: list[tuple[int, str, bool]], why: str) -> None:
    following = [i for i, _, _ in tables if i > start]
    end = following[0] if following else len(lines)
    lines[start] = f"# ({why}) " + lines[start]
    for k in range(start + 1, end):
        if lines[k].strip() and not lines[k].lstrip().startswith("#"):
            lines[k] = "# " + lines[k]


def _toml_value(v: float) -> str:
    return repr(float(v)) if math.isfinite(v) else "nan"


def _toml_string(s: str) -> str:
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ") + '"'


def posterior_scenario_text(plan: Plan, informed: Sequence[str], nc_name: str, note: str,
                            evidence: Evidence | None = None, seed: int | None = None, created: str = "") -> str:
    """The original scenario file with a ``[posterior]`` table appended, renamed ``<name>-calibrated``.

    Edits, all verified by re-parsing: ``--set`` overrides replace the tables they override (the old
    ones are commented out); correlations between informed inputs are commented out because the joint
    posterior draws carry them (and correlations a ``--set`` removed)."""
    sc = plan.scenario
    lines = sc.path.read_text(encoding="utf-8").splitlines()
    tables = _tables(lines)
    name = f"{sc.name}-calibrated"
    # 1. rename
    head = [i for i, t, arr in tables if t == "scenario" and not arr]
    renamed = False
    if head:
        following = [i for i, _, _ in tables if i > head[0]]
        for k in range(head[0] + 1, following[0] if following else len(lines)):
            if re.match(r"^\s*name\s*=", lines[k]):
                lines[k] = f"name = {_toml_string(name)}  # calibrated from {sc.name}"
                renamed = True
                break
    if not renamed:
        raise InputError(sc.file, "cannot find `name = ...` in its [scenario] table to rename the calibrated copy")
    # 2. overrides and correlations
    overridden = list(dict.fromkeys(t.split("=", 1)[0].strip() for t in sc.overrides))
    corr_index = 0
    kept = {tuple(c.inputs) for c in plan.correlations}
    for i, table, is_array in reversed(tables):  # reversed: commenting does not move line numbers
        if not is_array and table.startswith("priors.") and table[len("priors."):].strip('"') in overridden:
            _comment_out(lines, i, tables, "replaced by a --set override below")
    corr_lines = [i for i, t, arr in tables if arr and t == "correlations"]
    for i, corr in zip(corr_lines, sc.correlations):
        corr_index += 1
        pair = tuple(corr.inputs)
        if pair not in kept:
            _comment_out(lines, i, tables, "dropped: a --set override fixed one of its inputs")
        elif pair[0] in informed or pair[1] in informed:
            _comment_out(lines, i, tables, "carried by the joint posterior draws")
    stamp = [f"# Calibrated by flopcast calibrate {__version__} ({created or 'now'}, seed {seed}) from {sc.file}"]
    if evidence is not None:
        stamp.append(f"# on {evidence.file}: {len(evidence)} observation(s). The [posterior] table at the end replaces")
    else:
        stamp.append("# The [posterior] table at the end replaces")
    stamp.append(f"# the priors of {', '.join(informed)} by joint posterior draws ({nc_name}, beside this file);")
    stamp.append("# every other input keeps its prior. Run it: flopcast run path/to/this.toml")
    out = stamp + [""] + lines
    for n in overridden:
        prior = sc.priors[n]
        unit = plan.unit(n)
        out += ["", f"[priors.{n}]  # --set {n} (flopcast calibrate)"]
        if prior.is_constant:
            out += ['dist = "constant"', f"value = {_toml_value(prior.point)}"]
        else:
            d = prior.dist
            out += ['dist = "lognormal"', f"mu = {_toml_value(d.mu)}", f"sigma = {_toml_value(d.sigma)}"]
        if unit:
            out.append(f"unit = {_toml_string(unit)}")
        out.append(f"source = {_toml_string(prior.source)}")
    out += ["", "[posterior]", f"file = {_toml_string(nc_name)}",
            "inputs = [" + ", ".join(_toml_string(n) for n in informed) + "]",
            f"note = {_toml_string(note)}", ""]
    text = "\n".join(out)
    _verify_text(text, plan, informed, name)
    return text


def _verify_text(text: str, plan: Plan, informed: Sequence[str], name: str) -> None:
    from flopcast.priors.scenario import parse_prior

    data = tomllib.loads(text)  # a bug here is ours, not the user's: let it raise
    problems = []
    if data["scenario"]["name"] != name:
        problems.append("scenario name")
    if list(data["posterior"]["inputs"]) != list(informed):
        problems.append("posterior inputs")
    for n, prior in plan.scenario.priors.items():
        got = parse_prior(n, data["priors"][n], "check")
        if got.dist.is_constant != prior.is_constant or abs(got.point - prior.point) > 1e-9 * max(1, abs(prior.point)):
            problems.append(f"prior {n}")
    corrs = {tuple(c["inputs"]) for c in data.get("correlations", [])}
    want = {tuple(c.inputs) for c in plan.correlations if c.inputs[0] not in informed and c.inputs[1] not in informed}
    if corrs != want:
        problems.append("correlations")
    if problems:  # an internal error: the written scenario would not reproduce this one
        raise RuntimeError(f"calibrated scenario text differs from the original in: {', '.join(problems)}")


def propagation_columns(plan: Plan, informed: Sequence[str]) -> list[str]:
    """Unit-cube columns shared by the prior and posterior runs: the inputs the posterior leaves
    alone, the posterior draw index, then the informed inputs (ignored by the posterior run). Both
    runs draw the same uniforms for every input they share (common random numbers)."""
    from flopcast.engine import POSTERIOR_COLUMN

    return [n for n in plan.uncertain if n not in informed] + [POSTERIOR_COLUMN] + list(informed)


def _propagate(plan, idata, text, name, draws, seed):
    from flopcast import engine

    columns = propagation_columns(plan, [n for n in plan.uncertain if n in idata.posterior])
    with tempfile.TemporaryDirectory(prefix="flopcast-calibrate-") as tmp:
        nc = Path(tmp) / Calibration.NC_NAME
        write_idata(idata, nc)
        path = Path(tmp) / f"{name}.toml"
        path.write_text(text, encoding="utf-8")
        post_plan = engine.plan_for(load_scenario(path))
        post_run = engine.run(post_plan, draws=draws, seed=seed, columns=columns)
    prior_run = engine.run(plan, draws=draws, seed=seed, columns=columns)
    return prior_run, post_run


def _input_shift(plan: Plan, name: str, prior_draws, post_draws) -> InputShift:
    dist = plan.dists[name]
    q = [float(dist.quantile(p)) for p in (0.5, 0.05, 0.95)]
    prior = Band(*q)
    post = Band.of(post_draws)
    positive = prior.p05 > 0 and post.p05 > 0
    f = np.log if positive else (lambda v: v)
    width = f(prior.p95) - f(prior.p05)
    shift = float((f(post.median) - f(prior.median)) / width) if width > 0 else 0.0
    ratio = float((f(post.p95) - f(post.p05)) / width) if width > 0 else 1.0
    return InputShift(name, plan.unit(name), prior, post, shift, ratio)


def _fits(plan, evidence, prior_run, idata, informed) -> list[Fit]:
    base = _base_inputs(plan)
    prior_x = {**base, **prior_run.inputs}
    post_x = {**base, **{n: np.asarray(idata.posterior[n].values, dtype=float).reshape(-1) for n in informed}}
    fits = []
    for obs in evidence:
        with np.errstate(all="ignore"):
            pri = np.broadcast_to(_observed(plan, obs, prior_x), (prior_run.draws,))
            post = np.asarray(_observed(plan, obs, post_x), dtype=float)
        fits.append(Fit(obs, plan.unit(obs.output), Band.of(pri), Band.of(post)))
    return fits

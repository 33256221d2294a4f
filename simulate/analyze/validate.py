"""Validation: do the scenario's bands contain the measurements in an evidence file as often as they claim?

For every evidence case (an observation: its ``set`` fixes the architecture, its ``value`` is what was
measured) the scenario is run under the case's settings and the measured value is placed in the band of
the quantity it measures: its PIT (probability integral transform: the share of draws at or below the
measurement; uniform on [0, 1] when the bands are calibrated), whether it lies in the central 50% and 90%
bands, and median/measured. Over all cases: the coverage of both bands (0.5 and 0.9 when honest) and
the median absolute log error of the median.

``loo=True`` (leave-one-out) calibrates the scenario on every case but one (PyMC NUTS, through
``calibrate``) and predicts the one left out from that posterior, for every case: the evidence enters
only through calibration, and the coverage shows what calibration is worth on a case it has not seen.

Bands are *predictive*: what a measurement of the case would read, not only what the model computes.
Each case's model draws are widened by the observation's own measurement error, as its likelihood in a
calibration states it: x exp(sigma_log z) for a ``sigma_log`` or ``interval90`` observation, + sd z for an
``sd`` one (z ~ Normal(0, 1), one draw per model draw). A perfect model then puts 90% of measurements in
its 90% bands; without the widening (``measurement_error=False``, ``--no-measurement-error``: the
bands of the model alone) coverage falls below nominal even for a perfect model.

``discrepancy=S`` adds a multiplicative model error to every prediction: output x exp(sigma z) with
z ~ Normal(0, 1) and sigma ~ HalfNormal(S). With ``loo`` and a calibration that takes ``discrepancy=``
(``flopcast.analyze.calibration``), sigma's posterior draws (``discrepancy_draws``) are used instead of
its prior. Everything is vectorised over draws.

An evidence file may declare its cases exchangeable but not identical runs (``[evidence]
between_run_sigma_log``, ``flopcast.priors.evidence``): with ``loo`` and no ``discrepancy`` given, each
calibration then learns sigma ~ HalfNormal(scale) jointly with the shared inputs, and the left-out case
is predicted with its own draw exp(sigma z): a random-effects prediction for a new run, whose own
utilization and overheads the shared inputs' posterior (the runs' typical values) does not know. Without
``loo`` the term is not added: the priors are already the spread of one run (set from published studies
across runs), and adding it would count that spread twice. ``discrepancy=0`` switches it off.

>>> v = validate("video-diffusion", "video-timings", draws=2000, seed=1, measurement_error=False)
>>> len(v.cases), round(v.coverage90, 2), round(v.coverage50, 2)  # seeded; 8 of 9 in the 90% band
(9, 0.89, 0.33)
"""

from __future__ import annotations

import importlib
import inspect
import math
import time
from dataclasses import dataclass, field
from typing import Any, Sequence

import numpy as np

from flopcast import engine, seeds
from flopcast.analyze.calibration import calibrate, load_evidence
from flopcast.analyze.calibration.likelihood import observed
from flopcast.priors.errors import InputError
from flopcast.priors.hardware import REFERENCE, restated_unit
from flopcast.results import Result

BANDS = {"p05": 0.05, "p25": 0.25, "median": 0.5, "p75": 0.75, "p95": 0.95}
DEFAULT_DRAWS = 4000  # predictive draws per case without --loo; NUTS draws per chain with it
DEFAULT_LOO_DRAWS = 500
LOO_CHAINS = 2


def calibration_api():
    """``(calibrate, load_evidence, takes_discrepancy)``: the one place validation imports calibration."""

    return calibrate, load_evidence, "discrepancy" in inspect.signature(calibrate).parameters


@dataclass(frozen=True)
class Case:
    """One evidence case placed in its predictive band (values in the unit of ``output``)."""

    label: str
    output: str
    unit: str
    measured: float
    p05: float
    p25: float
    median: float
    p75: float
    p95: float
    pit: float  # share of predictive draws <= measured
    source: str = ""
    calibrated_on: int = 0  # cases the prediction was calibrated on (0: the priors alone)

    @property
    def in50(self) -> bool:
        return self.p25 <= self.measured <= self.p75

    @property
    def in90(self) -> bool:
        return self.p05 <= self.measured <= self.p95

    @property
    def ratio(self) -> float:
        """Predicted median / measured."""
        return self.median / self.measured

    def as_json(self) -> dict:
        return {
            "label": self.label,
            "output": self.output,
            "unit": self.unit,
            "measured": self.measured,
            "p05": self.p05,
            "p25": self.p25,
            "median": self.median,
            "p75": self.p75,
            "p95": self.p95,
            "pit": self.pit,
            "in50": self.in50,
            "in90": self.in90,
            "median_over_measured": self.ratio,
            "calibrated_on": self.calibrated_on,
            "source": self.source,
        }


@dataclass(frozen=True, repr=False)
class Validation(Result):
    scenario: str
    evidence: str
    loo: bool
    discrepancy: float | None
    discrepancy_source: str  # "none", "prior" or "posterior"
    draws: int
    seed: int
    cases: list[Case]
    seconds: float
    warnings: list[str] = field(default_factory=list)
    measurement_error: bool = True  # bands widened by each observation's own spread (predictive bands)
    between_run: Any = None  # the evidence file's BetweenRun when the discrepancy is the one it declares

    @property
    def coverage50(self) -> float:
        return float(np.mean([c.in50 for c in self.cases]))

    @property
    def coverage90(self) -> float:
        return float(np.mean([c.in90 for c in self.cases]))

    @property
    def median_abs_log_error(self) -> float:
        return float(np.median([abs(math.log(c.ratio)) for c in self.cases]))

    @property
    def mode(self) -> str:
        return "leave-one-out posterior" if self.loo else "prior"

    def __repr__(self) -> str:
        return (
            f"<Validation {self.scenario} on {len(self.cases)} cases ({self.mode}): coverage 50% "
            f"{self.coverage50:.2f}, 90% {self.coverage90:.2f}>"
        )

    def _rows(self) -> list[dict]:
        return [c.as_json() for c in self.cases]

    def to_json(self) -> dict:
        return {
            "scenario": self.scenario,
            "evidence": self.evidence,
            "loo": self.loo,
            "mode": self.mode,
            "measurement_error": self.measurement_error,
            "discrepancy": self.discrepancy,
            "discrepancy_source": self.discrepancy_source,
            "discrepancy_declared_by_evidence": self.between_run is not None,
            "draws": self.draws,
            "seed": self.seed,
            "cases": [c.as_json() for c in self.cases],
            "n": len(self.cases),
            "coverage50": self.coverage50,
            "coverage90": self.coverage90,
            "median_abs_log_error": self.median_abs_log_error,
            "seconds": self.seconds,
            "warnings": list(self.warnings),
        }


# --- the predictive draws of one case -----------------------------------------------------------


def _case(obs, unit: str, values: np.ndarray, calibrated_on: int) -> Case:
    values = np.asarray(values, dtype=float).reshape(-1)
    q = np.quantile(values, list(BANDS.values()))
    pit = float(np.mean(values <= obs.value))
    return Case(obs.name, obs.output, unit, float(obs.value), *map(float, q), pit, obs.source, calibrated_on)


def _observed(plan, obs, x: dict[str, Any], n: int) -> np.ndarray:

    with np.errstate(all="ignore"):
        return np.broadcast_to(np.asarray(observed(plan, obs, x), dtype=float), (n,)).copy()


def _base(plan) -> dict[str, Any]:
    x: dict[str, Any] = {n: np.float64(v) for n, v in plan.constants.items()}
    return x


def _with_discrepancy(values: np.ndarray, sigma: np.ndarray | None, rng: np.random.Generator) -> np.ndarray:
    if sigma is None:
        return values
    return values * np.exp(sigma * rng.standard_normal(values.shape))


def _with_measurement(values: np.ndarray, obs, rng: np.random.Generator) -> np.ndarray:
    """What a measurement of the case would read: the model's draws with the observation's own error,
    x exp(s z) on the log scale (sigma_log, interval90) or + sd z (sd), z ~ Normal(0, 1)."""
    z = rng.standard_normal(values.shape)
    if obs.kind == "normal":
        return values + obs.sd * z
    return values * np.exp(obs.log_sigma * z)


def _sigma_prior(scale: float | None, n: int, rng: np.random.Generator) -> np.ndarray | None:
    return None if scale is None else np.abs(rng.standard_normal(n)) * scale


def _check(discrepancy, draws, seed) -> None:
    if discrepancy is not None and (
        isinstance(discrepancy, bool) or not isinstance(discrepancy, (int, float)) or not 0 <= discrepancy < 10
    ):
        raise InputError(
            "discrepancy", f"must be a HalfNormal scale in (0, 10) (log units), or 0 for none; got {discrepancy!r}"
        )
    if draws is not None and (isinstance(draws, bool) or not isinstance(draws, (int, np.integer)) or draws < 10):
        raise InputError("draws", f"must be an integer >= 10, got {draws!r}")
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0):
        raise InputError("seed", f"must be a non-negative integer, got {seed!r}")


def validate(
    scenario,
    evidence,
    loo: bool = False,
    discrepancy: float | None = None,
    draws: int | None = None,
    seed: int | None = None,
    sets: Sequence[str] = (),
    target_accept: float = 0.9,
    measurement_error: bool = True,
) -> Validation:
    """Place every evidence case in the scenario's predictive band (the priors, or with ``loo`` the
    posterior calibrated on the other cases; widened by the case's own measurement error unless
    ``measurement_error=False``); see the module docstring. ``target_accept`` is NUTS's, for the
    leave-one-out calibrations (raise it, e.g. 0.99, when they report divergences)."""

    started = time.perf_counter()
    _check(discrepancy, draws, seed)
    if not isinstance(measurement_error, bool):
        raise InputError("measurement_error", f"must be True or False, got {measurement_error!r}")
    calibrate, load_evidence, takes_discrepancy = calibration_api()
    plan = engine.plan_for(scenario, sets)
    ev = load_evidence(evidence, plan)
    seed = engine.resolve_seed(seed)
    stream = seeds.stream(seed, "validate")  # the discrepancy draws and one child per left-out case
    rng = np.random.default_rng(stream)
    fits = stream.spawn(len(ev))
    # measurement draws on a child spawned after the cases' (its own stream): the model's, the fits' and
    # the discrepancy's draws are the same with and without them
    noise = np.random.default_rng(stream.spawn(1)[0])

    def predictive(values, obs):
        return _with_measurement(values, obs, noise) if measurement_error else values

    warn: list[str] = []
    if ev.scenario and ev.scenario != plan.scenario.name:
        warn.append(f"{ev.file} was written for scenario {ev.scenario!r}, not {plan.scenario.name!r}")
    cases: list[Case] = []
    declared = ev.between_run if (loo and discrepancy is None) else None  # the evidence file's term
    if declared is not None:
        discrepancy = declared.scale
    elif discrepancy == 0:
        discrepancy = None
    source = "none" if discrepancy is None else "prior"
    if not loo:
        n = draws or DEFAULT_DRAWS
        run = engine.run(plan, draws=n, seed=seed, summarize_outputs=False)
        x = {**_base(plan), **run.inputs}
        sigma = _sigma_prior(discrepancy, n, rng)
        for obs in ev:
            values = predictive(_with_discrepancy(_observed(plan, obs, x, n), sigma, rng), obs)
            cases.append(_case(obs, _unit(plan, obs), values, 0))
    else:
        if len(ev) < 2:
            raise InputError(ev.file, "leave-one-out needs at least 2 observations")
        per_chain = draws or DEFAULT_LOO_DRAWS
        n = per_chain * LOO_CHAINS
        prior = engine.run(plan, draws=n, seed=seed, summarize_outputs=False)
        if discrepancy is not None and not takes_discrepancy:
            warn.append(
                "this calibration takes no discrepancy= keyword: sigma is drawn from its HalfNormal prior, "
                "not calibrated"
            )
        for i, obs in enumerate(ev):
            rest = ev.like(o for j, o in enumerate(ev) if j != i)
            # 0: no term at all (the rest keeps the file's header, whose declared term is then not used)
            kw = {"discrepancy": discrepancy if discrepancy is not None else 0} if takes_discrepancy else {}
            cal = calibrate(
                plan,
                rest,
                draws=per_chain,
                tune=per_chain,
                chains=LOO_CHAINS,
                seed=int(fits[i].generate_state(1)[0]),
                target_accept=target_accept,
                propagate_draws=100,
                **kw,
            )
            post = {name: cal.posterior_draws(name)[:n] for name in cal.informed}
            x = {**_base(plan), **prior.inputs, **post}
            sigma = _sigma_prior(discrepancy, n, rng)
            if kw and getattr(cal, "discrepancy_draws", None) is not None:
                sigma = np.asarray(cal.discrepancy_draws, dtype=float).reshape(-1)[:n]
                source = "posterior"
            values = predictive(_with_discrepancy(_observed(plan, obs, x, n), sigma, rng), obs)
            cases.append(_case(obs, _unit(plan, obs), values, len(rest)))
            warn.extend(f"{obs.name}: {w}" for w in cal.warnings)
    n_draws = (draws or DEFAULT_DRAWS) if not loo else (draws or DEFAULT_LOO_DRAWS)
    return Validation(
        plan.scenario.name,
        str(ev.path) if ev.path else ev.file,
        bool(loo),
        discrepancy,
        source,
        n_draws,
        seed,
        cases,
        time.perf_counter() - started,
        warn,
        measurement_error,
        declared,
    )


def _unit(plan, obs) -> str:
    """The observed quantity's unit; counted on the observation's own accelerator when its set names one
    (``GPU-hours`` of an A100 case are ``A100-SXM-80GB-hours``, whatever the scenario's accelerator)."""
    unit = plan.unit(obs.output)
    if getattr(obs, "accelerator", None) is None or obs.output not in plan.model.outputs:
        return unit

    declared = _module_unit(plan, plan.model.own_name(obs.output)) or unit  # peak_fleet_gpu: peak_fleet_h100's
    if obs.accelerator == REFERENCE and unit == declared:  # the model's own H100 units, as a run on it says
        return unit
    return restated_unit(declared, obs.accelerator) or unit


def _module_unit(plan, output: str) -> str | None:
    """The unit the model module declares (before a scenario's accelerator restated it)."""

    try:
        module = importlib.import_module(f"flopcast.models.{plan.model.name}")
    except (ImportError, ValueError, TypeError):  # a model that is not a bundled module
        return None
    spec = getattr(module, "OUTPUTS", {}).get(output)
    return getattr(spec, "unit", None)

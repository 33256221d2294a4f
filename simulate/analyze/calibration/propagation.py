"""From the posterior to bands: the calibrated scenario, its propagated run beside the prior's (same
seed, same unit-cube columns), how far each informed input moved, and how each observation is fitted.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from flopcast import __version__, engine
from flopcast.analyze.calibration.diagnostics import Diagnostics
from flopcast.analyze.calibration.likelihood import base_inputs, observed
from flopcast.analyze.calibration.model import DISCREPANCY, DISCREPANCY_UNIT
from flopcast.engine import POSTERIOR_COLUMN
from flopcast.outdir import check_file_name, check_room, slug
from flopcast.plan import Plan
from flopcast.priors.evidence import Evidence, Observation
from flopcast.priors.posterior import Posterior
from flopcast.priors.scenario import Scenario, with_posterior
from flopcast.priors.scenario_text import posterior_scenario_text, scenario_from_text
from flopcast.protocol import Result, flat_record

# An input "moved" when its posterior median shifted by >= MOVED_SHIFT of its prior 90% width, or its
# 90% interval shrank to <= MOVED_WIDTH of the prior's (both on the log scale for positive inputs).
MOVED_SHIFT = 0.05
MOVED_WIDTH = 0.9


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

    def to_json(self) -> dict:
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

    def to_json(self) -> dict:
        return {
            "unit": self.unit,
            "prior": self.prior.to_json(),
            "posterior": self.posterior.to_json(),
            "shift": self.shift,
            "width_ratio": self.width_ratio,
            "moved": self.moved,
        }


@dataclass(frozen=True)
class OutputShift:
    name: str
    unit: str
    prior: Band
    posterior: Band

    def to_json(self) -> dict:
        return {"unit": self.unit, "prior": self.prior.to_json(), "posterior": self.posterior.to_json()}


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

    def to_json(self) -> dict:
        return {
            "observation": self.observation.name,
            "output": self.observation.output,
            "unit": self.unit,
            "value": self.observation.value,
            "prior": self.prior.to_json(),
            "posterior": self.posterior.to_json(),
            "z": self.z,
        }


@dataclass(frozen=True, repr=False)
class Calibration(Result):
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
    discrepancy: float | None = None  # the HalfNormal scale of the model discrepancy, if one was used
    between_run: Any = None  # the evidence file's BetweenRun when the discrepancy is the one it declares

    NC_NAME = "posterior.nc"

    @property
    def scenario(self) -> Scenario:
        return self.plan.scenario

    @property
    def toml_name(self) -> str:
        """The calibrated scenario's file name: the scenario's name made a plain file name (a name is
        data: ``/``, ``..`` and an absolute path never reach the file system)."""
        return toml_file_name(self.scenario.name)

    @property
    def moved(self) -> list[str]:
        return [n for n, s in self.inputs.items() if s.moved]

    def __repr__(self) -> str:
        return (
            f"<Calibration {self.scenario.name} on {len(self.evidence)} observations: {self.chains} chains x "
            f"{self.draws:,} draws, seed {self.seed}; moved: {', '.join(self.moved) or 'none'}>"
        )

    def to_xarray(self):
        """The posterior draws of the informed inputs (``xarray.Dataset``, dimensions chain and draw)."""
        return self.idata.posterior

    def _rows(self) -> list[dict]:
        return [{"input": n, **flat_record(s.to_json())} for n, s in self.inputs.items()]

    def posterior_draws(self, name: str) -> np.ndarray:
        return np.asarray(self.idata.posterior[name].values, dtype=float).reshape(-1)

    @property
    def discrepancy_draws(self) -> np.ndarray | None:
        """Posterior draws of ``discrepancy_sigma`` (all chains, 1-D), or None without a discrepancy term."""
        if self.discrepancy is None:
            return None
        return np.asarray(self.idata.posterior[DISCREPANCY].values, dtype=float).reshape(-1)

    @property
    def discrepancy_band(self) -> Band | None:
        """Posterior median and 90% interval of ``discrepancy_sigma`` (None without a discrepancy term)."""
        return Band.of(self.discrepancy_draws) if self.discrepancy is not None else None

    def write_posterior(self, path: Path) -> None:
        """The inference data as NetCDF: ``posterior`` (chain, draw) holds the informed inputs."""
        write_idata(self.idata, path)

    def to_json(self) -> dict:
        obj = {
            "scenario": self.scenario.name,
            "evidence": str(self.evidence.path) if self.evidence.path else self.evidence.file,
            "observations": len(self.evidence),
            "draws": self.draws,
            "tune": self.tune,
            "chains": self.chains,
            "seed": self.seed,
            "target_accept": self.target_accept,
            "diagnostics": self.diagnostics.to_json(),
            "inputs": {n: s.to_json() for n, s in self.inputs.items()},
            "outputs": {n: s.to_json() for n, s in self.outputs.items()},
            "fit": [f.to_json() for f in self.fits],
            "propagation_draws": self.posterior_run.draws,
            "overrides": list(self.scenario.overrides),
            "warnings": list(self.warnings),
            "version": __version__,
            "created": self.created,
        }
        if self.discrepancy is not None:
            obj["discrepancy"] = {
                "prior": f"HalfNormal({self.discrepancy:g})",
                "scale": self.discrepancy,
                "unit": DISCREPANCY_UNIT,
                "posterior": self.discrepancy_band.to_json(),
                "declared_by_evidence": self.between_run is not None,
                "source": self.between_run.source if self.between_run is not None else "--discrepancy",
            }
        return obj


def write_idata(idata, path: Path) -> None:

    # the draws plus HDF5's metadata (generously): a write that would fail is refused before HDF5 starts
    check_room(Path(path).parent, 1.1 * sum(idata[g].nbytes for g in idata.groups()) + 200_000)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        idata.to_netcdf(str(path), engine="h5netcdf")


def band(summary) -> Band:
    return Band(summary.median, summary.p05, summary.p95)


# --- propagation -------------------------------------------------------------------------------


def posterior_note(evidence: Evidence, discrepancy: float | None = None, declared: bool = False) -> str:
    sources = list(dict.fromkeys(o.label or o.source for o in evidence))
    plural = "s" if len(evidence) != 1 else ""
    kind = "the between-run term the evidence file declares" if declared else "a model discrepancy term"
    model_error = f" with {kind} (HalfNormal({discrepancy:g}))" if discrepancy is not None else ""
    return f"after calibration on {len(evidence)} measurement{plural} ({evidence.file}){model_error}: " + "; ".join(
        sources
    )


def calibrated_scenario_text(
    plan: Plan,
    informed: Sequence[str],
    nc_name: str,
    note: str,
    evidence: Evidence | None = None,
    seed: int | None = None,
    created: str = "",
) -> str:
    """The calibrated copy of the plan's scenario file (``flopcast.priors.scenario_text``), keeping the
    correlations and units of the bound plan."""
    overridden = {t.split("=", 1)[0].strip() for t in plan.scenario.overrides}
    return posterior_scenario_text(
        plan.scenario,
        informed,
        nc_name,
        note,
        kept=plan.correlations,
        units={n: plan.unit(n) for n in overridden},
        evidence=evidence,
        seed=seed,
        created=created,
        version=__version__,
    )


def propagation_columns(plan: Plan, informed: Sequence[str]) -> list[str]:
    """Unit-cube columns shared by the prior and posterior runs: the inputs the posterior leaves
    alone, the posterior draw index, then the informed inputs (ignored by the posterior run). Both
    runs draw the same uniforms for every input they share (common random numbers)."""

    return [n for n in plan.uncertain if n not in informed] + [POSTERIOR_COLUMN] + list(informed)


def propagate(plan: Plan, idata, text: str, draws: int, seed: int):
    """The prior run and the calibrated scenario's run (``text``, its posterior draws from ``idata``),
    with the same seed and unit-cube columns."""

    informed = [n for n in plan.uncertain if n in idata.posterior]
    columns = propagation_columns(plan, informed)
    if text:
        folder = plan.scenario.path.parent if plan.scenario.path is not None else Path(".")
        post_plan = engine.plan_for(
            scenario_from_text(
                text, folder, toml_file_name(plan.scenario.name), posterior=posterior_of(idata, informed)
            )
        )
    else:  # a notebook function: its posterior scenario lives in memory (no file to copy)
        post_plan = engine.plan_for(with_posterior(plan.scenario, posterior_of(idata, informed)))
    post_run = engine.run(post_plan, draws=draws, seed=seed, columns=columns)
    prior_run = engine.run(plan, draws=draws, seed=seed, columns=columns)
    return prior_run, post_run


def toml_file_name(scenario_name: str) -> str:
    """``<slug of the name>-calibrated.toml``, checked like every file name the writer takes."""

    return check_file_name(f"{slug(scenario_name)}-calibrated.toml")


def posterior_of(idata, informed: Sequence[str]) -> Posterior:
    """The posterior draws of ``informed`` in memory, as the calibrated scenario's ``[posterior]`` table
    reads them back from posterior.nc (chain after chain): nothing is written to read them."""
    post = idata.posterior
    draws = np.column_stack([np.asarray(post[n].values, dtype=float).reshape(-1) for n in informed])
    return Posterior(Path(Calibration.NC_NAME), tuple(informed), draws, "", int(post.sizes["chain"]))


def input_shift(plan: Plan, name: str, prior_draws, post_draws) -> InputShift:
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


def fits(plan, evidence, prior_run, idata, informed) -> list[Fit]:
    base = base_inputs(plan)
    prior_x = {**base, **prior_run.inputs}
    post_x = {**base, **{n: np.asarray(idata.posterior[n].values, dtype=float).reshape(-1) for n in informed}}
    fits = []
    for obs in evidence:
        with np.errstate(all="ignore"):
            pri = np.broadcast_to(observed(plan, obs, prior_x), (prior_run.draws,))
            post = np.asarray(observed(plan, obs, post_x), dtype=float)
        fits.append(Fit(obs, plan.unit(obs.output), Band.of(pri), Band.of(post)))
    return fits

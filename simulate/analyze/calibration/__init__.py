"""Bayesian calibration: update a scenario's priors on measurements with PyMC, then propagate the
posterior exactly as ``run`` propagates prior draws.

The Python API (run as a doctest by tests/test_docs.py):

>>> from flopcast.analyze.calibration import calibrate
>>> cal = calibrate("video-diffusion", "video-timings", draws=500, tune=500, seed=1)
>>> prior, post = cal.inputs["inference_utilization"].prior, cal.inputs["inference_utilization"].posterior
>>> post.p95 - post.p05 < prior.p95 - prior.p05
True

The parts, one concern each: ``flopcast.analyze.calibration.likelihood`` (the evidence against the
plan, each observation's likelihood and the inputs it informs), ``.model`` (the PyMC model and
NUTS), ``.diagnostics`` (convergence checks), ``.propagation`` (posterior -> calibrated scenario ->
propagated bands).
"""

from __future__ import annotations

import math
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Sequence

import numpy as np

from flopcast import engine
from flopcast.analyze.calibration.diagnostics import CalibrationFailed, Diagnostics, diagnose, failure_message
from flopcast.analyze.calibration.likelihood import (
    Evidence,
    Observation,
    check_evidence,
    informed_inputs,
    load_evidence,
    resolve_evidence_path,
)
from flopcast.analyze.calibration.model import DISCREPANCY, build_model, sample
from flopcast.analyze.calibration.propagation import (
    Band,
    Calibration,
    Fit,
    InputShift,
    OutputShift,
    band,
    calibrated_scenario_text,
    fits,
    input_shift,
    posterior_note,
    propagate,
    propagation_columns,
    write_idata,
)
from flopcast.plan import Plan
from flopcast.priors.errors import InputError
from flopcast.priors.scenario import Scenario

__all__ = [
    "Band",
    "Calibration",
    "CalibrationFailed",
    "Diagnostics",
    "Evidence",
    "Fit",
    "InputShift",
    "Observation",
    "OutputShift",
    "build_model",
    "calibrate",
    "calibrated_scenario_text",
    "check_evidence",
    "diagnose",
    "informed_inputs",
    "load_evidence",
    "propagation_columns",
    "resolve_evidence_path",
    "write_idata",
]


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
    discrepancy: float | None = None,
    progress: bool = False,
) -> Calibration:
    """Condition the scenario's priors on the evidence with NUTS, check convergence, then propagate
    the posterior (and, with the same seed and unit-cube columns, the prior) through the model.

    ``discrepancy``: a positive scale s_d adds a model-discrepancy term, ``discrepancy_sigma ~
    HalfNormal(s_d)`` on the log scale, to every sigma_log / interval90 likelihood (Kennedy & O'Hagan
    2001; see ``flopcast.analyze.calibration.likelihood``): use it when the equations may be off by a
    factor, so that evidence they cannot fit widens the posterior instead of pinning it. ``None`` (the
    default) takes the between-run term the evidence file declares (``[evidence]
    between_run_sigma_log``), if any; ``0`` calibrates without one."""

    started = time.perf_counter()
    created = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    plan = engine.plan_for(scenario_or_plan, sets)
    draws = _count(draws, "draws", minimum=1)
    tune = _count(tune, "tune", minimum=0)
    chains = _count(chains, "chains", minimum=1)
    if isinstance(target_accept, bool) or not isinstance(target_accept, (int, float)) or not 0 < target_accept < 1:
        raise InputError("target_accept", f"must lie in (0, 1), got {target_accept!r}")
    if discrepancy is not None and (
        isinstance(discrepancy, bool)
        or not isinstance(discrepancy, (int, float))
        or not math.isfinite(discrepancy)
        or not discrepancy >= 0
    ):
        raise InputError(
            "discrepancy", f"must be a positive number (a log-scale sd, e.g. 0.5) or 0 (none), got {discrepancy!r}"
        )
    discrepancy = float(discrepancy) if discrepancy is not None else None
    seed = engine.resolve_seed(seed)
    if plan.scenario.posterior is not None:
        raise InputError(
            plan.scenario.file,
            "is a calibrated scenario already (it has a [posterior] table); "
            "calibrate the original scenario on all the evidence instead",
        )
    if plan.scenario.path is None and plan.scenario.function is None:
        raise InputError(
            plan.scenario.file, "calibration needs a scenario file (the calibrated scenario is a copy of it)"
        )
    if isinstance(evidence, (str, Path)):
        evidence = load_evidence(evidence, plan)
    else:
        if isinstance(evidence, (dict, bytes)) or not all(isinstance(o, Observation) for o in evidence):
            raise InputError(
                "evidence",
                "give an evidence file (a path or a bundled name such as "
                "'video-timings') or a list of flopcast Observation objects; got "
                f"{type(evidence).__name__}",
            )
        evidence = evidence if isinstance(evidence, Evidence) else Evidence(evidence)
        if not evidence:
            raise InputError(evidence.file, "no observations")
        check_evidence(evidence, plan)
    declared = getattr(evidence, "between_run", None)
    if discrepancy is None and declared is not None:  # the evidence file's between-run term, on by default
        discrepancy, origin = declared.scale, "evidence"
    else:
        origin = "option" if discrepancy else ""
        discrepancy = discrepancy or None  # 0: no discrepancy term
    if discrepancy is not None and not any(o.kind == "lognormal" for o in evidence):
        raise InputError(
            f"{evidence.file}: evidence.between_run_sigma_log" if origin == "evidence" else "discrepancy",
            f"{evidence.file} has no sigma_log or interval90 observation for the "
            "discrepancy to widen; drop "
            + ("the between-run term" if origin == "evidence" else "--discrepancy")
            + " or give the spreads on the log scale",
        )
    warn: list[str] = []
    if evidence.scenario and evidence.scenario not in (plan.scenario.name,):
        warn.append(f"{evidence.file} was written for scenario {evidence.scenario!r}, not {plan.scenario.name!r}")
    if chains == 1:
        warn.append("one chain: R-hat cannot compare chains; use --chains 2 or more")

    informed = informed_inputs(plan, evidence)
    idata, model_vars, seconds = sample(
        plan, evidence, informed, draws, tune, chains, seed, target_accept, discrepancy, progress
    )
    diag = diagnose(idata, model_vars, draws, chains, seconds)
    where = f"{plan.scenario.file} + {evidence.file}"
    if not diag.ok:
        raise CalibrationFailed(where, failure_message(diag, draws, tune, target_accept), diag)
    warn.extend(diag.warnings)

    name = f"{plan.scenario.name}-calibrated"
    note = posterior_note(evidence, discrepancy, origin == "evidence")
    text = (
        ""
        if plan.scenario.function is not None
        # a notebook function: no file to copy
        else calibrated_scenario_text(plan, informed, Calibration.NC_NAME, note, evidence, seed, created)
    )
    n_prop = propagate_draws or plan.scenario.default_draws or engine.DEFAULT_DRAWS
    prior_run, post_run = propagate(plan, idata, text, n_prop, seed)

    inputs = {n: input_shift(plan, n, prior_run.inputs[n], idata.posterior[n].values) for n in informed}
    outputs = {
        n: OutputShift(n, plan.unit(n), band(prior_run.summary[n]), band(post_run.summary[n]))
        for n in plan.model.outputs
    }
    fitted = fits(plan, evidence, prior_run, idata, informed)
    # with a discrepancy term an observation's likelihood sd is sqrt(sigma_log^2 + discrepancy_sigma^2): a
    # residual is measured against that (at sigma's posterior median), not against sigma_log alone
    delta = float(np.median(idata.posterior[DISCREPANCY].values)) if discrepancy is not None else 0.0
    for f in fitted:
        if f.z is None:
            continue
        s = f.observation.log_sigma
        k = abs(f.z) * s / math.hypot(s, delta)
        if k > 2.5:
            unit = "sigma_log" if discrepancy is None else "sd (sigma_log and the discrepancy's posterior median)"
            warn.append(
                f"{f.observation.name}: the posterior median of {f.observation.output} is "
                f"{k:.1f} {unit} from the measured value; the evidence and the priors disagree"
            )
    return Calibration(
        plan,
        evidence,
        informed,
        idata,
        draws,
        tune,
        chains,
        seed,
        float(target_accept),
        diag,
        name,
        text,
        prior_run,
        post_run,
        inputs,
        outputs,
        fitted,
        warn,
        time.perf_counter() - started,
        created,
        discrepancy,
        declared if origin == "evidence" else None,
    )


def _count(value: object, flag: str, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        kind = "a positive" if minimum > 0 else "a non-negative"
        raise InputError(flag, f"must be {kind} integer, got {value!r}")
    return int(value)

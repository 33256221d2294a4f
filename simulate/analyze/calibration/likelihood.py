"""The evidence against the plan: each observation's likelihood and the inputs it informs.

An observation measures one model output (or one input) under its ``set``; its likelihood is

- ``sigma_log = s``: log(value) ~ Normal(log(output), s), i.e. a lognormal measurement error whose
  90% band is x/÷ exp(1.645 s);
- ``interval90 = [lo, hi]``: the same with s = ln(hi/lo) / (2 x 1.6449), centred on the geometric
  mean sqrt(lo hi) (``value``, the reported figure, must lie inside the interval);
- ``sd = d``: value ~ Normal(output, d), an additive error on the output's own scale.

``set`` fixes inputs to numbers for that observation only (architecture, resolution, steps...); the
inputs it leaves free are shared by every observation (e.g. one ``inference_utilization`` ties all
timings together), which is what lets several measurements inform one latent input.

Model discrepancy (optional, ``calibrate(..., discrepancy=s_d)``): the equations themselves may be
wrong by a factor, so each log-scale observation gets a model error on top of its measurement error,
log(value) = log(output) + delta_i + eps_i with delta_i ~ Normal(0, discrepancy_sigma) and
eps_i ~ Normal(0, s_i). Marginalising delta_i gives log(value) ~ Normal(log(output),
sqrt(s_i^2 + discrepancy_sigma^2)), and discrepancy_sigma ~ HalfNormal(s_d) is learnt from how badly
the observations disagree with one another through the model. This is the model-inadequacy term of
Kennedy & O'Hagan (2001), "Bayesian calibration of computer models", Journal of the Royal Statistical
Society B 63(3), 425-464 (section 4.3, eq. 5), in its simplest form: a multiplicative error that is
independent between observations (no Gaussian-process correlation across settings). Observations
with an additive ``sd`` keep their likelihood unchanged.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any, Mapping, Sequence

import numpy as np

from flopcast.plan import Plan
from flopcast.priors import evidence as _evidence_files
from flopcast.priors.domains import set_problems
from flopcast.priors.errors import InputError
from flopcast.priors.evidence import EVIDENCE_DIR, Evidence, Observation, resolve_evidence_path

__all__ = [
    "EVIDENCE_DIR",
    "Evidence",
    "Observation",
    "add_likelihood",
    "base_inputs",
    "check_evidence",
    "informed_inputs",
    "load_evidence",
    "observed",
    "resolve_evidence_path",
]


def load_evidence(ref: str | Path, plan: Plan | None = None) -> Evidence:
    """Read and validate an evidence file (``flopcast.priors.evidence``); with ``plan`` also check it
    against the scenario's model (``check_evidence``)."""
    evidence = _evidence_files.load_evidence(ref, plan.model.inputs if plan is not None else None)
    if plan is not None:
        check_evidence(evidence, plan)
    return evidence


def check_evidence(evidence: Sequence[Observation], plan: Plan) -> None:
    """Every observation names an output (or a non-constant input) of the plan's model, sets only
    known inputs, and is finite (and positive, for a lognormal likelihood) at the point values."""
    model = plan.model
    for obs in evidence:
        if getattr(obs, "accelerator", None) is not None and not obs.hardware_applied:
            raise InputError(
                obs.where("set.accelerator"),
                "not applied to the model's inputs: load the evidence with the model's inputs (with_hardware)",
            )
        if obs.output not in model.outputs and obs.output not in model.inputs:
            raise InputError(
                obs.where("output"),
                f"unknown output or input {obs.output!r}; the {model.name} model's outputs are: "
                f"{', '.join(model.outputs)}; its inputs: {', '.join(model.inputs)}",
            )
        if (problem := plan.case_problem(obs.output, getattr(obs, "accelerator", None))) is not None:
            raise InputError(obs.where("output"), problem)
        if obs.output in model.inputs:
            if obs.output not in plan.dists:
                by = (
                    "a --set fixes"
                    if any(t.split("=", 1)[0].strip() == obs.output for t in plan.scenario.overrides)
                    else "the scenario fixes"
                )
                raise InputError(
                    obs.where("output"), f"cannot calibrate {obs.output}: {by} it as a constant; give it a prior"
                )
            if obs.output in obs.set:
                raise InputError(obs.where(f"set.{obs.output}"), f"fixes the observed input {obs.output} itself")
        for name, reason in set_problems(obs.set, model.inputs):  # the domains --set and headlines use
            raise InputError(
                obs.where(f"set.{name}"),
                reason
                if name in model.inputs
                else f"unknown input {name!r}; the {model.name} model's inputs are: {', '.join(model.inputs)}",
            )
        x = {n: np.float64(v) for n, v in plan.points.items()}
        x.update({n: np.float64(v) for n, v in obs.set.items()})
        problems = model.check(x)
        if problems:
            name, reason = problems[0]
            raise InputError(obs.where(f"set.{name}" if name in obs.set else "set"), f"{name}: {reason}")
        value = x[obs.output] if obs.output in model.inputs else _evaluate_numpy(plan, x)[obs.output]
        if not np.isfinite(value) or (obs.kind == "lognormal" and not value > 0):
            raise InputError(
                obs.where("output"),
                f"{obs.output} is {float(value):g} at the scenario's point values with this set; "
                "a lognormal likelihood needs a positive, finite output",
            )


def _evaluate_numpy(plan: Plan, x: Mapping[str, Any]) -> dict[str, Any]:
    with np.errstate(all="ignore"):
        return plan.model.evaluate(x)


def base_inputs(plan: Plan) -> dict[str, Any]:
    x: dict[str, Any] = {n: np.float64(v) for n, v in plan.constants.items()}
    x.update({n: np.float64(plan.points[n]) for n in plan.uncertain})
    return x


def observed(plan: Plan, obs: Observation, x: Mapping[str, Any]):
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
    x = {**base_inputs(plan), **symbols}
    found: set[str] = set()
    for obs in evidence:
        y = pt.as_tensor_variable(observed(plan, obs, x))
        deps = {v.name for v in ancestors([y]) if v.owner is None and v.name in symbols and v is symbols[v.name]}
        if not deps:
            raise InputError(
                obs.where("output"),
                f"{obs.output} does not depend on any uncertain input of {plan.scenario.file}"
                f"{' once its set is applied' if obs.set else ''}, so it cannot inform the calibration",
            )
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


def add_likelihood(obs: Observation, y, discrepancy_sigma=None) -> None:
    """The observation's likelihood term in the enclosing ``pm.Model``, given the model's value ``y``
    of the observed quantity (a PyTensor expression) and, optionally, the model-discrepancy scale (a
    random variable) that widens a log-scale likelihood to sqrt(s^2 + discrepancy_sigma^2)."""
    import pymc as pm
    import pytensor.tensor as pt

    label = f"obs{obs.index}_{obs.output}"
    if obs.kind == "normal":
        pm.Normal(label, mu=y, sigma=obs.sd, observed=obs.value)
        return
    sigma = obs.log_sigma
    if discrepancy_sigma is not None:
        sigma = pt.sqrt(sigma**2 + discrepancy_sigma**2)
    pm.Normal(label, mu=pt.log(y), sigma=sigma, observed=math.log(obs.center))

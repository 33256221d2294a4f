"""Every draw checked against the domains the model declares (``models/spec.py``).

Binding already refuses a prior whose support leaves an input's domain; this catches what that
cannot: an output pushed out of its domain by a combination of inputs (a bubble fraction below 0 from
a pipeline depth under 1), a posterior's draws, or an inverse CDF that underflows.
"""

from __future__ import annotations

import math
from typing import Any, Mapping

import numpy as np

from flopcast.plan import Plan
from flopcast.priors.errors import InputError

_SHOWN = 8  # inputs listed in the example


def check_draws(plan: Plan, x: Mapping[str, Any], y: Mapping[str, Any]) -> None:
    """Raise InputError if any draw of an input (``x``) or output (``y``) leaves its declared domain:
    the first such quantity, how many draws, and the inputs of one offending draw. Vectorized: a
    min/max pass per quantity, a mask only for one that fails it or takes whole numbers."""
    for kind, specs, values in (("input", plan.model.inputs, x), ("output", plan.model.outputs, y)):
        for name, v in values.items():
            domain = getattr(specs.get(name), "domain", None)
            if domain is None or domain.name == "real":
                continue
            arr = np.asarray(v, dtype=float)
            if arr.size == 0 or (not domain.whole and _inside(arr, domain)):
                continue
            bad = ~np.asarray(domain.contains(arr))
            count = int(np.count_nonzero(bad))
            if count:
                raise InputError(plan.scenario.file, _message(plan, kind, name, domain, arr, bad, count, x))


def _inside(arr: np.ndarray, domain: Any) -> bool:
    low, high = float(arr.min()), float(arr.max())  # NaN fails both comparisons: falls through to the mask
    return bool(domain.contains(low)) and bool(domain.contains(high))


def _message(
    plan: Plan, kind: str, name: str, domain: Any, arr: np.ndarray, bad: np.ndarray, count: int, x: Mapping[str, Any]
) -> str:
    first = int(np.argmax(bad)) if bad.ndim else 0
    value = float(arr.reshape(-1)[first]) if arr.ndim else float(arr)
    n = bad.size
    drawn = {k: float(np.asarray(v).reshape(-1)[first]) for k, v in x.items() if np.ndim(v) and k in plan.dists}
    example = ", ".join(f"{k}={v:.4g}" for k, v in list(drawn.items())[:_SHOWN]) or "no uncertain inputs"
    fix = (
        "its prior must stay inside the domain"
        if kind == "input"
        else "narrow the priors of the inputs that drive it (see the example), or check the model's equations"
    )
    return (
        f"{kind} {name} leaves its domain ({domain}) in {count} of {n} draws "
        f"(first at draw {first}: {value:.4g}; inputs there: {example}); {fix}"
    )


def check_model_constraints(plan: Plan, x: Mapping[str, float]) -> None:
    problems = plan.model.check(x)
    if problems:
        name, reason = problems[0]
        where = f"{plan.scenario.file}: priors.{name}" if name in plan.scenario.priors else name
        raise InputError(where, reason)


def suspects(x: Mapping[str, np.ndarray | float], i: int) -> str:
    values = {name: float(np.asarray(v).reshape(-1)[i] if np.ndim(v) else v) for name, v in x.items()}
    odd = {n: v for n, v in values.items() if not math.isfinite(v) or v <= 0}
    shown = odd or values
    label = "; inputs there that are zero, negative or not finite" if odd else "; inputs there"
    return f"{label}: " + ", ".join(f"{n}={v:.4g}" for n, v in list(shown.items())[:8])


def check_finite(plan: Plan, inputs, outputs, constants) -> None:
    """Every output finite (scanned only when its sum is not: NaN and infinities propagate), and the
    domains of the draws whose inputs are kept (``run`` checks the others block by block)."""
    for name, values in outputs.items():
        with np.errstate(all="ignore"):
            if math.isfinite(float(values.sum())):
                continue
        bad = ~np.isfinite(values)
        count = int(bad.sum())
        if count:
            first = int(np.argmax(bad))
            x = {**constants, **{k: v for k, v in inputs.items() if v.size > first}}
            raise InputError(
                plan.scenario.file,
                f"output {name} is NaN or infinite in {count} of {values.size} draws "
                f"(first at draw {first}{suspects(x, first)})",
            )
    kept = min((v.size for v in inputs.values()), default=None)
    check_draws(plan, {**constants, **inputs}, {n: v[:kept] for n, v in outputs.items()})

"""Parameters that parse but build no usable distribution (a beta with alpha = 1e300, a ci90 a
millionth wide) are refused when a scenario is loaded, with a fix, instead of failing in scipy or
UNURAN at sampling time."""

from __future__ import annotations

import math
import warnings
from typing import Any, Mapping

from flopcast.priors.errors import InputError
from flopcast.priors.families import Distribution


def _is_num(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


def check_ci90_width(params: Mapping[str, Any], where: str) -> None:
    """A ci90 narrower than a millionth of its value has no distribution to fit: a constant."""
    ci90 = params.get("ci90")
    if (
        isinstance(ci90, list)
        and len(ci90) == 2
        and all(_is_num(v) for v in ci90)
        and ci90[0] < ci90[1]
        and ci90[1] - ci90[0] <= 1e-6 * max(abs(ci90[0]), abs(ci90[1]))
    ):
        raise InputError(
            f"{where}.ci90",
            f"[{ci90[0]!r}, {ci90[1]!r}] is too narrow to fit a distribution (width "
            'under a millionth of the value); use dist = "constant" with that value',
        )


def check_usable(dist: Distribution, family: str, params: Mapping[str, Any], where: str) -> None:
    """Refuse parameters that build no usable distribution (a beta with alpha = 1e300, a ci90 too
    narrow to fit): its 5/50/95% quantiles, exact and as the engine draws them, must be finite,
    strictly inside an open support, and spread (the 5% below the 95%)."""
    if dist.is_constant:
        return

    import numpy as np

    u = np.array([0.05, 0.5, 0.95])
    try:
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            q = np.concatenate([np.ravel(dist.ppf(u)), np.ravel(dist.sample_ppf(u))]).astype(float)
    except Exception as exc:  # scipy's or UNURAN's refusal of the parameters, as one line below
        detail = type(exc).__name__
    else:
        lo, hi = dist.support
        open_lo, open_hi = getattr(dist, "support_open", (False, False))
        inside = (
            np.all(np.isfinite(q)) and np.all(q > lo if open_lo else q >= lo) and np.all(q < hi if open_hi else q <= hi)
        )
        spread = inside and q[0] < q[2] and q[3] < q[5]  # no spread: a constant in disguise
        if spread:
            return
        detail = "its quantiles are " + ", ".join(f"{v:.3g}" for v in q[:3]) + ("" if not inside else ": no spread")
    given = ", ".join(f"{k} = {v!r}" for k, v in params.items())
    raise InputError(
        where,
        f"dist = {family!r} with {given} gives no usable distribution ({detail}); give a "
        "ci90 = [p05, p95] of moderate width, shape parameters between about 1e-3 and 1e6, or "
        'dist = "constant" for a value without spread',
    )

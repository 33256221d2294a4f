"""Convergence of the sampler, checked before anything is reported (failures raise ``CalibrationFailed``).

- rank-normalized split R-hat (Vehtari et al. 2021, "Rank-normalization, folding, and localization:
  an improved R-hat for assessing convergence of MCMC", Bayesian Analysis 16(2)) of every sampled
  variable <= 1.01 with at least 1000 draws per chain, <= 1.05 with fewer (R-hat's own sampling
  noise is ~0.01 at a few hundred draws per chain, so 1.01 would reject well-mixed short runs);
- bulk and tail effective sample size >= 100 per chain (Vehtari et al.: 400 for 4 chains);
- no divergent transitions: a divergence means NUTS could not follow the posterior's geometry and
  the draws may be biased, so none is tolerated.
Tree-depth saturation and a low E-BFMI (< 0.3) are reported as warnings (inefficiency, not bias).
"""

from __future__ import annotations

import logging
import math
import warnings
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Sequence

import numpy as np

from flopcast.fmt import num
from flopcast.priors.errors import ConvergenceError

RHAT_STRICT = 1.01  # with >= RHAT_STRICT_DRAWS draws per chain
RHAT_SHORT = 1.05  # with fewer
RHAT_STRICT_DRAWS = 1000
ESS_PER_CHAIN = 100  # bulk and tail
MAX_DIVERGENCES = 0
BFMI_WARN = 0.3
TREEDEPTH_WARN = 0.05  # share of draws that hit the maximum tree depth


class CalibrationFailed(ConvergenceError):
    """The sampler did not converge; the posterior is not reported (the message says how to fix it)."""

    def __init__(self, where: str, reason: str, diagnostics: "Diagnostics | None" = None):
        super().__init__(where, reason)
        self.diagnostics = diagnostics


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

        return [[n, f"{self.r_hat[n]:.4f}", num(self.ess_bulk[n]), num(self.ess_tail[n])] for n in self.r_hat]

    def to_json(self) -> dict:
        return {
            "ok": self.ok,
            "max_r_hat": _json_num(self.max_r_hat),
            "min_ess_bulk": _json_num(self.min_ess_bulk),
            "min_ess_tail": _json_num(self.min_ess_tail),
            "divergences": self.divergences,
            "samples": self.samples,
            "treedepth_hits": self.treedepth_hits,
            "bfmi": [_json_num(b) for b in self.bfmi],
            "thresholds": {
                "r_hat": self.rhat_limit,
                "ess_bulk": self.ess_limit,
                "ess_tail": self.ess_limit,
                "divergences": MAX_DIVERGENCES,
            },
            "r_hat": {k: _json_num(v) for k, v in self.r_hat.items()},
            "ess_bulk": {k: _json_num(v) for k, v in self.ess_bulk.items()},
            "ess_tail": {k: _json_num(v) for k, v in self.ess_tail.items()},
            "sampling_seconds": self.seconds,
            "warnings": list(self.warnings),
        }


def _json_num(x: float):
    return float(x) if x is not None and math.isfinite(x) else None


@contextmanager
def quiet():
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


def diagnose(idata, variables: Sequence[str], draws: int, chains: int, seconds: float = 0.0) -> Diagnostics:
    """R-hat, bulk/tail ESS and divergences against the documented thresholds."""
    import arviz as az

    with quiet():
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
        failures.append(
            f"max r_hat {v:.3f} ({n}) > {rhat_limit}"
            if math.isfinite(v)
            else f"r_hat of {n} could not be computed (too few draws)"
        )
    for label, ess in (("bulk", ess_b), ("tail", ess_t)):
        bad = {n: v for n, v in ess.items() if not (v >= ess_limit)}
        if bad:
            n, v = min(bad.items(), key=lambda kv: kv[1] if math.isfinite(kv[1]) else -math.inf)
            failures.append(
                f"min {label} ESS {v:.0f} ({n}) < {ess_limit:.0f} (100 per chain)"
                if math.isfinite(v)
                else f"{label} ESS of {n} could not be computed (too few draws)"
            )
    if divergences > MAX_DIVERGENCES:
        failures.append(f"{divergences} divergent transitions of {samples} (none allowed)")
    warn: list[str] = []
    if samples and hits / samples > TREEDEPTH_WARN:
        warn.append(
            f"{hits} of {samples} draws hit the maximum tree depth: sampling is inefficient "
            "(strongly correlated or badly scaled posterior)"
        )
    low = [b for b in bfmi if b < BFMI_WARN]
    if low:
        warn.append(f"E-BFMI {min(low):.2f} < {BFMI_WARN} in {len(low)} chain(s): the tails may be under-explored")
    return Diagnostics(
        r_hat, ess_b, ess_t, divergences, samples, hits, bfmi, rhat_limit, ess_limit, seconds, failures, warn
    )


def failure_message(diag: Diagnostics, draws: int, tune: int, target_accept: float) -> str:
    fixes = []
    if any("r_hat" in f or "ESS" in f for f in diag.failures):
        fixes.append(
            f"run longer (e.g. --tune {max(2 * tune, 1000)} --draws {max(2 * draws, 1000)}) or with more --chains"
        )
    if diag.divergences > MAX_DIVERGENCES:
        higher = 0.95 if target_accept < 0.95 else 0.99
        fixes.append(
            f"raise target_accept (e.g. {higher}) and --tune; divergences that persist mean the "
            "evidence conflicts with the priors or a prior has a hard edge where the data push"
        )
    return (
        "the posterior did not converge: "
        + "; ".join(diag.failures)
        + ". Nothing is reported or written. Fix: "
        + "; ".join(fixes)
    )

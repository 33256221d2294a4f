"""Shapley effects: variance shares that stay valid when inputs are dependent.

The Shapley effect of input i (Owen, "Sobol' indices and Shapley value", SIAM/ASA J. Uncertainty
Quantification 2(1), 2014; Song, Nelson & Staum, "Shapley effects for global sensitivity analysis:
theory and computation", SIAM/ASA JUQ 4(1), 2016) is the Shapley value of the cost
c(J) = E[Var(Y | X_-J)] divided by Var(Y):

    Sh_i = 1/d * sum over J not containing i of  C(d-1, |J|)^-1 [c(J + i) - c(J)] / Var(Y).

The effects are >= 0 (a negative estimate, noise around a small effect, is clipped at 0 with its
interval and named in the result), sum to 1 whatever the dependence, and lie between the first-order and total
Sobol indices when inputs are independent (Song et al. 2016, Theorem 4; equal to both for an additive
model). Here they are estimated by Song, Nelson & Staum's random-permutation algorithm (their
Algorithm 1 with N_o = 1 outer and N_i = 3 inner samples, the allocation they recommend), with the
conditional draws X_J | X_-J taken exactly under the scenario's Gaussian copula (the conditional
normal of the copula's normal scores, as in Iooss & Prieur, "Shapley effects for sensitivity analysis
with correlated inputs: comparisons with Sobol' indices, numerical estimation and applications",
Int. J. Uncertainty Quantification 9(5), 2019, section 4). Var(Y) comes from the scenario's own draws.
A calibrated posterior enters as its empirical marginals joined by a Gaussian copula fitted to the
normal scores of its draws (an approximation of its dependence, stated in the result's note).
Intervals: percentile bootstrap over permutations and over the draws that give Var(Y).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Sequence

import numpy as np
from scipy import special

from flopcast.plan import Plan
from flopcast.priors.errors import InputError
from flopcast.sampling import rank_to_pearson

INNER = 3  # N_i of Song, Nelson & Staum (2016), section 5
ROW_BUDGET = 300_000  # model evaluations for the conditional variances (permutations x (d-1) x INNER)
BOOTSTRAP = 200


@dataclass
class ShapleyEffects:
    names: list[str]
    effects: np.ndarray  # (d,) fractions of Var(Y); they sum to 1
    ci: np.ndarray  # (d, 2) percentile bootstrap 95% interval
    variance: float  # Var(Y) of the analysed quantity (log output with --log)
    permutations: int
    inner: int
    note: str = ""
    null: list[str] = field(default_factory=list)  # inputs the output ignores, independent of the rest: 0
    clipped: dict[str, float] = field(default_factory=dict)  # negative estimates set to 0: {name: estimate}

    def clip_note(self) -> str:
        """What clipping negative estimates did, or ''."""
        if not self.clipped:
            return ""
        items = ", ".join(f"{n} ({v:+.3f})" for n, v in self.clipped.items())
        return (
            f"negative Shapley estimates clipped at 0: {items}; a Shapley effect is >= 0 (Song, Nelson & Staum "
            "2016), so a negative estimate is the Monte Carlo noise of a small effect (its 95% CI reaches 0)"
        )


def permutations_for(d: int, budget: int = ROW_BUDGET, inner: int = INNER) -> int:
    """Random permutations that fit the evaluation budget (at least 100)."""
    return max(100, budget // (max(d - 1, 1) * inner))


def _factor(r: np.ndarray) -> np.ndarray:
    """F with F F^T = r for a positive semi-definite r (eigen-decomposition, clipped at 0)."""
    w, v = np.linalg.eigh(r)
    return v * np.sqrt(np.clip(w, 0.0, None))


def conditional_normals(corr: np.ndarray, moved: np.ndarray, outer: np.ndarray, eps: np.ndarray) -> np.ndarray:
    """Normal scores with the ``moved`` columns redrawn from their law given the others.

    corr: (d, d) correlation of the normal scores; moved: (r, d) bool; outer: (r, d) joint draws
    whose unmoved columns are kept; eps: (r, n, d) independent standard normals. Returns (r, n, d):
    for each row, n draws of Z_J | Z_K = outer_K (the conditional normal: mean R_JK R_KK^+ z_K,
    covariance R_JJ - R_JK R_KK^+ R_KJ). Columns correlated with no other are done in one step;
    the dependent ones per distinct pattern of moved columns (a loop over patterns, not draws).
    """
    r, n, d = eps.shape
    z = np.where(moved[:, None, :], eps, outer[:, None, :])
    dep = np.flatnonzero(np.any(np.abs(corr - np.eye(d)) > 0, axis=0))
    if dep.size == 0:
        return z
    patterns, inverse = np.unique(moved[:, dep], axis=0, return_inverse=True)
    for p, pattern in enumerate(patterns):
        jj, kk = dep[pattern], dep[~pattern]
        if jj.size == 0:
            continue
        rows = np.flatnonzero(inverse.ravel() == p)
        if kk.size:
            a = corr[np.ix_(jj, kk)] @ np.linalg.pinv(corr[np.ix_(kk, kk)])
            mean = outer[np.ix_(rows, kk)] @ a.T  # (rows, |J|)
            cov = corr[np.ix_(jj, jj)] - a @ corr[np.ix_(kk, jj)]
        else:
            mean = np.zeros((rows.size, jj.size))
            cov = corr[np.ix_(jj, jj)]
        z[np.ix_(rows, np.arange(n), jj)] = mean[:, None, :] + eps[np.ix_(rows, np.arange(n), jj)] @ _factor(cov).T
    return z


def shapley_effects(
    f: Callable[[np.ndarray], np.ndarray],
    ppfs: Sequence[Callable],
    corr: np.ndarray,
    y: np.ndarray,
    seed: np.random.SeedSequence,
    names: Sequence[str] | None = None,
    permutations: int | None = None,
    inner: int = INNER,
    bootstrap: int = BOOTSTRAP,
) -> ShapleyEffects:
    """Shapley effects of ``f`` (a vectorized map of an (r, d) input array to r outputs) for inputs
    with marginal inverse CDFs ``ppfs`` joined by a Gaussian copula of correlation ``corr``;
    ``y`` are outputs of draws from that joint law (they give Var(Y)). Song, Nelson & Staum (2016),
    Algorithm 1, random permutations, N_o = 1; see the module docstring."""
    d = len(ppfs)
    names = list(names) if names is not None else [f"x{i}" for i in range(d)]
    m = permutations or permutations_for(d, inner=inner)
    gen_perm, gen_boot = (np.random.default_rng(s) for s in seed.spawn(2))
    y = np.asarray(y, dtype=float)
    variance = float(np.var(y, ddof=1))
    if d == 1 or variance == 0:
        ones = np.full(d, 1.0 / d) if variance > 0 else np.zeros(d)
        return ShapleyEffects(names, ones, np.stack([ones, ones], axis=1), variance, 0, inner)
    perms = np.argsort(gen_perm.random((m, d)), axis=1)  # (m, d): the order inputs join
    rank = np.argsort(perms, axis=1)  # rank[p, i]: position of input i in permutation p
    # moved[p, j, i]: input i is among the first j + 1 of permutation p (j = 0 .. d - 2)
    moved = rank[:, None, :] < np.arange(1, d)[None, :, None]
    chol = _factor(corr)
    outer = gen_perm.standard_normal((m * (d - 1), d)) @ chol.T
    eps = gen_perm.standard_normal((m * (d - 1), inner, d))
    z = conditional_normals(corr, moved.reshape(-1, d), outer, eps).reshape(-1, d)
    u = np.clip(special.ndtr(z), 2.0**-53, 1.0 - 2.0**-53)
    x = np.column_stack([ppf(np.ascontiguousarray(u[:, i])) for i, ppf in enumerate(ppfs)])
    fx = np.asarray(f(x), dtype=float).reshape(m, d - 1, inner)
    cost = np.var(fx, axis=2, ddof=1)  # (m, d - 1): c(first j + 1 inputs), one outer sample each
    steps = np.diff(np.concatenate([np.zeros((m, 1)), cost, np.zeros((m, 1))], axis=1), axis=1)  # (m, d)
    # the last step is Var(Y) - c(first d - 1); Var(Y) is added separately so the bootstrap can vary it
    delta0 = np.zeros((m, d))
    np.put_along_axis(delta0, perms, steps, axis=1)
    last = np.zeros((m, d))
    np.put_along_axis(last, perms[:, -1:], 1.0, axis=1)
    effects = (delta0.mean(axis=0) + variance * last.mean(axis=0)) / variance
    # bootstrap: resample permutations and the Var(Y) draws, with multinomial counts (vectorized)
    w = _counts(gen_boot, m, bootstrap) / m  # (B, m)
    n = y.size
    wy = _counts(gen_boot, n, bootstrap) / n  # (B, n)
    mean = wy @ y
    var_b = (wy @ (y - y.mean()) ** 2 - (mean - y.mean()) ** 2) * n / (n - 1)
    boot = (w @ delta0 + var_b[:, None] * (w @ last)) / var_b[:, None]
    ci = np.percentile(boot, [2.5, 97.5], axis=0).T
    # Shapley effects are >= 0: a negative estimate is noise around a small effect; clip it and its interval
    neg = effects < 0
    clipped = {str(names[i]): float(effects[i]) for i in np.flatnonzero(neg)}
    effects = np.where(neg, 0.0, effects)
    ci = np.clip(ci, 0.0, None)
    return ShapleyEffects(names, effects, ci, variance, m, inner, clipped=clipped)


def _counts(gen: np.random.Generator, n: int, b: int) -> np.ndarray:
    """(b, n) bootstrap counts: how often each of n items is drawn in each of b resamples."""
    idx = gen.integers(n, size=(b, n)) + (np.arange(b) * n)[:, None]
    return np.bincount(idx.ravel(), minlength=b * n).reshape(b, n).astype(float)


def plan_copula(plan: Plan) -> tuple[list[Callable], np.ndarray, str]:
    """The plan's uncertain inputs as marginal inverse CDFs and one Gaussian-copula correlation
    matrix: the scenario's rank correlations (Spearman -> Pearson, 2 sin(pi rho / 6)) and, for a
    calibrated posterior, its empirical marginals with the correlation of its draws' normal scores."""
    from scipy import stats

    names = plan.uncertain
    index = {n: i for i, n in enumerate(names)}
    corr = np.eye(len(names))
    for c in plan.correlations:
        i, j = index[c.inputs[0]], index[c.inputs[1]]
        corr[i, j] = corr[j, i] = rank_to_pearson(c.rank)
    ppfs: list[Callable] = [plan.dists[n].sample_ppf for n in names]
    note = ""
    if plan.joint:
        draws = np.asarray(plan.joint_draws, dtype=float)
        n_post = draws.shape[0]
        grid = (np.arange(n_post) + 0.5) / n_post
        cols = [index[n] for n in plan.joint]
        for k, i in enumerate(cols):
            ppfs[i] = (lambda s: lambda u: np.interp(u, grid, s))(np.sort(draws[:, k]))
        if len(cols) > 1:
            scores = special.ndtri(stats.rankdata(draws, axis=0) / (n_post + 1))
            block = np.corrcoef(scores, rowvar=False)
            corr[np.ix_(cols, cols)] = np.nan_to_num(block, nan=0.0)
            corr[cols, cols] = 1.0
        note = (
            f"the calibrated posterior of {', '.join(plan.joint)} enters as its empirical marginals joined by a "
            "Gaussian copula fitted to its draws (an approximation of its dependence)"
        )
    return ppfs, corr, note


def null_inputs(f: Callable, x: np.ndarray, corr: np.ndarray) -> np.ndarray:
    """Inputs that are null players: the output ignores them (the same on every one of the draws
    ``x`` with that column shuffled) and they are independent of every other input. Their Shapley
    effect is exactly 0 and dropping them leaves the others' unchanged (the null-player and
    dummy axioms, Shapley 1953), so the estimate spends no noise on them."""
    d = x.shape[1]
    base = f(x)
    independent = ~np.any(np.abs(corr - np.eye(d)) > 0, axis=0)
    rows = np.roll(np.arange(x.shape[0]), 1)
    out = np.zeros(d, dtype=bool)
    for i in np.flatnonzero(independent):  # one vectorized evaluation per input
        moved = x.copy()
        moved[:, i] = x[rows, i]
        out[i] = np.array_equal(f(moved), base, equal_nan=True)
    return out


def plan_shapley(
    plan: Plan,
    output: str,
    y: np.ndarray,
    seed: np.random.SeedSequence,
    log: bool,
    inputs: dict[str, np.ndarray] | None = None,
    permutations: int | None = None,
) -> ShapleyEffects:
    """Shapley effects of ``output`` (its log with ``log``) for a bound plan; ``y`` are the analysed
    values of the scenario's own joint draws and ``inputs`` their inputs (used to find null inputs)."""

    names = plan.uncertain
    ppfs, corr, note = plan_copula(plan)
    const = {n: np.float64(v) for n, v in plan.constants.items()}

    def f_all(x: np.ndarray, cols: Sequence[str] = names, fill: dict | None = None) -> np.ndarray:
        with np.errstate(all="ignore"):
            out = plan.model.evaluate(
                {**const, **(fill or {}), **{n: np.ascontiguousarray(x[:, i]) for i, n in enumerate(cols)}}
            )
        v = np.broadcast_to(out[output], (x.shape[0],)).astype(float)
        with np.errstate(all="ignore"):
            return np.log(v) if log else v

    null = np.zeros(len(names), dtype=bool)
    if inputs is not None:
        x = np.column_stack([inputs[n][:2000] for n in names])
        null = null_inputs(f_all, x, corr)
    keep = np.flatnonzero(~null)
    kept = [names[i] for i in keep]
    medians = {names[i]: np.float64(plan.dists[names[i]].median) for i in np.flatnonzero(null)}

    def f(x: np.ndarray) -> np.ndarray:
        v = f_all(x, kept, medians)
        if not np.all(np.isfinite(v)):
            raise InputError(
                f"output {output}",
                "is NaN, infinite or (with --log) <= 0 for some conditional "
                "draws; Shapley effects need a finite output",
            )
        return v

    res = shapley_effects(f, [ppfs[i] for i in keep], corr[np.ix_(keep, keep)], y, seed, kept, permutations)
    effects, ci = np.zeros(len(names)), np.zeros((len(names), 2))
    effects[keep], ci[keep] = res.effects, res.ci
    return ShapleyEffects(
        names,
        effects,
        ci,
        res.variance,
        res.permutations,
        res.inner,
        note,
        [names[i] for i in np.flatnonzero(null)],
        res.clipped,
    )

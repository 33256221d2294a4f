"""Value of information: which assumption is worth researching.

For each uncertain input (and each named group of inputs) X_u, from the scenario's own joint draws:

- the expected reduction in the variance of log(output) if X_u were learned exactly,
  Var(E[log Y | X_u]) (the share of the band that pinning X_u down removes, on average);
- for a yes/no decision "output >= T" (or <=, >, <) under 0-1 loss, the expected value of partial
  perfect information EVPPI_u = E[max(p(X_u), 1 - p(X_u))] - max(p, 1 - p) with p(x) = P(yes | X_u = x),
  and the chance that learning X_u flips the decision taken now.

Both conditional expectations are estimated by nonparametric regression on the existing draws
(Strong, Oakley & Brennan, "Estimating multiparameter partial expected value of perfect information
from probabilistic sensitivity analysis samples: a nonparametric regression approach", Medical
Decision Making 34(3):311-326, 2014): no inner simulation, valid for dependent and posterior inputs
because the regression is on the joint draws. Single inputs: sqrt(draws) equal-count bins of the input's
rank (64 to 1,024, so the resolution grows with the draws); the variance removed is the between-bin
variance less its Monte Carlo part (Plischke, Borgonovo & Smith 2013); P(yes | input) is the bin means
smoothed by a penalized cubic spline on the normal scores of the ranks (``scipy.interpolate.
make_smoothing_spline``, lambda by GCV), read on 4,096 equal-mass points of the input, so EVPPI and
P(flip) move in no steps of 1 / bins. Groups:
k-nearest-neighbour regression on the inputs' ranks, with the variance reduction from the neighbours'
local variances (the given-data estimator of E[Var(Y | X_u)] of Broto, Bachoc & Depecker, "Variance
reduction for estimation of Shapley effects and adaptation to unknown input distribution", SIAM/ASA JUQ
8(2), 2020). Every figure carries a Monte Carlo standard error from a Poisson bootstrap over the draws
(``voi_from_draws``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np

from flopcast.analyze.sensitivity import check_output
from flopcast.engine import check_draws, plan_for, run
from flopcast.priors.errors import InputError
from flopcast.priors.numbers import to_number
from flopcast.protocol import Result
from flopcast.seeds import resolve_seed
from flopcast.seeds import rng as seeded

BINS = 64  # fewest bins of an input's rank (below 4,096 draws)
MAX_BINS = 1024
GRID = 4096  # equal-mass points of an input where P(yes | input) is read
REPLICATES = 100  # Poisson-bootstrap replicates behind each figure's Monte Carlo standard error
NEIGHBOURS = 64
DEFAULT_DRAWS = 20_000
_OPS = {">=": np.greater_equal, ">": np.greater, "<=": np.less_equal, "<": np.less}


@dataclass(frozen=True)
class Decision:
    op: str
    threshold: float

    def text(self, output: str) -> str:
        return f"{output} {self.op} {self.threshold:g}"

    def holds(self, y: np.ndarray) -> np.ndarray:
        return _OPS[self.op](y, self.threshold)


def parse_decision(text: str | None) -> Decision | None:
    """``">= 720000"`` -> Decision(">=", 720000.0); None stays None."""
    if text is None:
        return None

    m = re.fullmatch(r"\s*(>=|<=|>|<)\s*(\S+)\s*", str(text))
    try:
        value = to_number(m.group(2)) if m else None
    except ValueError:
        value = None
    if m is None or value is None or not np.isfinite(value):
        raise InputError(
            "decision", f'must be an operator (>=, >, <=, <) and a number, e.g. ">= 720000" or ">= 720k"; got {text!r}'
        )
    return Decision(m.group(1), value)


def parse_groups(items, inputs: list[str]) -> dict[str, tuple[str, ...]]:
    """``["compute=a,b", ...]`` or ``{"compute": ["a", "b"]}`` -> {name: inputs}, checked."""
    out: dict[str, tuple[str, ...]] = {}
    pairs = items.items() if isinstance(items, dict) else [_split_group(s) for s in (items or [])]
    for name, members in pairs:
        members = tuple(members)
        bad = [m for m in members if m not in inputs]
        if not name or len(members) < 2 or bad or len(set(members)) != len(members):
            raise InputError(
                f"groups {name}",
                (f"unknown or fixed input(s) {', '.join(bad)}; uncertain inputs are: {', '.join(inputs)}")
                if bad
                else "needs a name and at least two different inputs: NAME=a,b",
            )
        if name in inputs or name in out:
            raise InputError(f"groups {name}", "the name is already an input or another group")
        out[name] = members
    return out


def _split_group(text: str) -> tuple[str, list[str]]:
    name, sep, rest = str(text).partition("=")
    if not sep:
        raise InputError("groups", f"must be NAME=input1,input2, got {text!r}")
    return name.strip(), [m.strip() for m in rest.split(",") if m.strip()]


def _ranks(x: np.ndarray) -> np.ndarray:
    """Mid-ranks scaled to (0, 1) (ties share their rank: discrete and posterior inputs)."""
    from scipy.stats import rankdata

    return rankdata(x) / (x.size + 1)


def bin_count(draws: int) -> int:
    """Equal-count bins of an input's rank: sqrt(draws), at least BINS and at most MAX_BINS, so a bin's
    width in probability (1 / bins) shrinks as the draws grow while each bin's mean keeps sqrt(draws)
    draws behind it."""
    return int(np.clip(round(np.sqrt(draws)), BINS, MAX_BINS))


def _smoother(centers: np.ndarray, weights: np.ndarray, means: np.ndarray, grid: np.ndarray) -> np.ndarray:
    """The (len(grid), len(centers)) linear operator of the penalized cubic spline through the bin means
    (``scipy.interpolate.make_smoothing_spline`` at a fixed lambda is linear in the data), its lambda
    chosen by generalized cross-validation (Craven & Wahba 1979) over a log grid. Returned as a matrix so
    that bootstrap replicates of the bin means are smoothed by one product."""
    from scipy.interpolate import make_smoothing_spline

    k = centers.size
    eye = np.eye(k)

    def gcv(log_lam: float) -> float:
        hat = make_smoothing_spline(centers, eye, w=weights, lam=10.0**log_lam)(centers)  # column j: S e_j
        dof = float(np.trace(hat))
        resid = means - hat @ means
        return k * float(np.sum(weights * resid**2)) / (k - dof) ** 2 if dof < k - 0.5 else np.inf

    coarse = np.arange(-12.0, 1.5, 1.0)  # decades, then quarter decades around the best
    best = coarse[int(np.argmin([gcv(v) for v in coarse]))]
    fine = best + np.array([-0.75, -0.5, -0.25, 0.0, 0.25, 0.5, 0.75])
    best = fine[int(np.argmin([gcv(v) for v in fine]))]
    return make_smoothing_spline(centers, eye, w=weights, lam=10.0**best)(grid)


@dataclass
class _Binned:
    """One input's draws in equal-count bins of its rank, and the grid the conditional mean is read on."""

    bins: np.ndarray  # bin index per draw
    k: int
    centers: np.ndarray
    smoother: np.ndarray | None  # (GRID, k) operator for the decision's P(yes | x); None without a decision


def _bin(x: np.ndarray, yes: np.ndarray | None) -> _Binned:
    r = _ranks(x)
    edges = np.unique(np.quantile(r, np.linspace(0, 1, bin_count(x.size) + 1)[1:-1]))
    b = np.searchsorted(edges, r, side="right")
    k = edges.size + 1
    counts = np.bincount(b, minlength=k).astype(float)
    used = counts > 0
    b = np.cumsum(used)[b] - 1  # drop empty bins (ties): every bin holds draws
    k = int(used.sum())
    counts = counts[used]
    # Smoothed on the normal-score scale of the rank (Phi^-1(rank)): a conditional probability that moves
    # steeply in the last percent of an input's mass is smooth there, where on the rank scale its slope
    # diverges at 0 and 1 and the spline would spread a small flip region over its neighbours.
    from scipy.special import ndtri

    score = ndtri(r)
    centers = np.bincount(b, score, minlength=k) / counts
    smoother = None
    if yes is not None:
        grid = ndtri(np.quantile(r, (np.arange(GRID) + 0.5) / GRID))  # equal-mass points of the input
        if k >= 5:
            smoother = _smoother(centers, counts / counts.mean(), np.bincount(b, yes, minlength=k) / counts, grid)
        else:  # too few distinct values to smooth: each grid point takes its bin's mean
            smoother = (np.searchsorted(centers, grid).clip(0, k - 1)[:, None] == np.arange(k)).astype(float)
    return _Binned(b, k, centers, smoother)


def _bin_sums(binned: _Binned, log_y: np.ndarray, yes: np.ndarray | None) -> np.ndarray:
    """Per-bin sums of (1, log y, log y^2, yes): shape (k, 4) (yes = 0 without a decision)."""
    b, k = binned.bins, binned.k
    y = np.zeros_like(log_y) if yes is None else yes
    return np.stack(
        [
            np.bincount(b, minlength=k).astype(float),
            np.bincount(b, log_y, minlength=k),
            np.bincount(b, log_y**2, minlength=k),
            np.bincount(b, y, minlength=k),
        ],
        axis=-1,
    )


def _bootstrap_sums(
    binned: _Binned, log_y: np.ndarray, yes: np.ndarray | None, replicates: int, rng: np.random.Generator
) -> np.ndarray:
    """(replicates, k, 4) Poisson-bootstrap replicates of the per-bin sums. With every draw weighted by an
    independent Poisson(1) count, a bin's sums of T = (1, l, l^2, y) have mean sum(T) and covariance
    sum(T T'), and the bins are independent; the replicates are drawn from that normal (the bins hold
    sqrt(draws) >= 32 draws each)."""
    b, k = binned.bins, binned.k
    y = np.zeros_like(log_y) if yes is None else yes
    t = [np.ones_like(log_y), log_y, log_y**2, y]
    cov = np.empty((k, 4, 4))
    for i in range(4):
        for j in range(i, 4):
            cov[:, i, j] = cov[:, j, i] = np.bincount(b, t[i] * t[j], minlength=k)
    vals, vecs = np.linalg.eigh(cov)
    root = vecs * np.sqrt(np.clip(vals, 0.0, None))[:, None, :]  # cov = root root'
    z = rng.standard_normal((replicates, k, 4))
    return _bin_sums(binned, log_y, yes)[None] + np.einsum("kij,rkj->rki", root, z)


def _single(binned: _Binned, sums: np.ndarray, decision: bool):
    """(Var[log Y], Var(E[log Y | X]), EVPPI, P(flip)) from per-bin sums (..., k, 4), vectorized over any
    leading replicate axes.

    Var(E[log Y | X]) is the between-bin variance of the bin means less its Monte Carlo part, (k - 1) / N
    x the pooled within-bin variance (the given-data correlation ratio with its small-sample correction;
    Plischke, Borgonovo & Smith, "Global sensitivity measures from given data", EJOR 226(3):536-550, 2013):
    unbiased for bin-constant conditional means, and the bins narrow as the draws grow. P(yes | X) is the
    smoothed bin means read on GRID equal-mass points of X (no steps of 1 / bins)."""
    k = binned.k
    n, s1, s2, sy = (sums[..., i] for i in range(4))
    total_n = n.sum(axis=-1)
    n_safe = np.where(n > 0, n, 1.0)
    mean = s1.sum(axis=-1) / total_n
    total = s2.sum(axis=-1) / total_n - mean**2
    m = np.where(n > 0, s1 / n_safe, mean[..., None])
    between = np.sum(n * (m - mean[..., None]) ** 2, axis=-1) / total_n
    within = np.sum(s2 - n * m**2, axis=-1) / np.maximum(total_n - k, 1.0)
    reduction = np.maximum(0.0, between - (k - 1) / total_n * within)
    if not decision:
        return total, reduction, None, None
    p = sy.sum(axis=-1) / total_n
    q = np.clip(np.where(n > 0, sy / n_safe, p[..., None]) @ binned.smoother.T, 0.0, 1.0)
    best = np.maximum(p, 1.0 - p)
    evppi = np.maximum(0.0, np.mean(np.maximum(q, 1.0 - q), axis=-1) - best)
    flip = np.mean((q >= 0.5) != (p[..., None] >= 0.5), axis=-1)
    return total, reduction, evppi, flip


def knn_fit(x: np.ndarray, targets: list[np.ndarray]) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """(E[t | x], Var[t | x]) at every draw from its NEIGHBOURS nearest draws in rank space."""
    from scipy.spatial import cKDTree

    z = np.column_stack([_ranks(c) for c in x.T])
    _, idx = cKDTree(z).query(z, k=NEIGHBOURS)
    return [t[idx].mean(axis=1) for t in targets], [t[idx].var(axis=1, ddof=1) for t in targets]


def _group(fits, local, log_y: np.ndarray, yes: np.ndarray | None, w: np.ndarray | None = None):
    """(Var[log Y], Var(E[log Y | X_u]), EVPPI, P(flip)) of a group from its k-NN fits, on (Poisson-weighted)
    draws."""
    wsum = log_y.size if w is None else float(w.sum())
    avg = (lambda a: float(np.sum(a) / wsum)) if w is None else (lambda a: float(np.sum(w * a) / wsum))
    mean = avg(log_y)
    total = avg((log_y - mean) ** 2)
    reduction = max(0.0, total - avg(local[0]))
    if yes is None:
        return total, reduction, None, None
    p = avg(yes)
    q = np.clip(fits[1], 0.0, 1.0)
    return total, reduction, max(0.0, avg(np.maximum(q, 1.0 - q)) - max(p, 1.0 - p)), avg((q >= 0.5) != (p >= 0.5))


@dataclass
class VoiRow:
    name: str
    inputs: tuple[str, ...]
    variance_reduction: float  # Var(E[log Y | X_u]), in (log units)^2
    share: float  # of Var[log Y]
    evppi: float | None = None  # probability of a right answer gained (0-1 loss)
    p_flip: float | None = None  # chance that learning X_u reverses the decision taken now
    share_mcse: float | None = None  # Monte Carlo standard errors (Poisson bootstrap over the draws)
    evppi_mcse: float | None = None
    p_flip_mcse: float | None = None


@dataclass(frozen=True, repr=False)
class ValueOfInformation(Result):
    _row_name = "input"  # to_dataframe: one row per input

    scenario: str
    output: str
    unit: str
    draws: int
    seed: int
    variance: float  # Var[log output]
    decision: Decision | None
    p_yes: float | None
    rows: list[VoiRow]
    warnings: list[str] = field(default_factory=list)
    overrides: tuple[str, ...] = ()  # the plan's --set / set= overrides (accelerator=... included)

    @property
    def choice(self) -> str | None:
        """The decision taken now (the more probable answer)."""
        if self.decision is None:
            return None
        return "yes" if self.p_yes >= 0.5 else "no"

    def headline(self) -> str:
        top = self.rows[0]
        what = f"the group {top.name} ({', '.join(top.inputs)})" if len(top.inputs) > 1 else top.name
        s = (
            f"The cheapest way to narrow this band is to pin down {what}: learning it exactly removes "
            f"{100 * top.share:.0f}% of the variance of log({self.output}) on average."
        )
        if self.decision is not None:
            best = max(self.rows, key=lambda r: r.evppi)
            pm = lambda v, e: f"{v:.3f}" if not e else f"{v:.{_digits(e)}f} ± {e:.{_digits(e)}f}"
            s += (
                f" For '{self.decision.text(self.output)}' (now P = {self.p_yes:.3f}, answer {self.choice}), "
                f"{best.name} matters most: learning it flips the answer with probability "
                f"{pm(best.p_flip, best.p_flip_mcse)} (EVPPI {pm(best.evppi, best.evppi_mcse)} under 0-1 loss)."
            )
        return s

    def to_json(self) -> dict:
        return {
            "scenario": self.scenario,
            "overrides": list(self.overrides),
            "output": self.output,
            "unit": self.unit,
            "draws": self.draws,
            "seed": self.seed,
            "variance_log_output": self.variance,
            "decision": None
            if self.decision is None
            else {
                "op": self.decision.op,
                "threshold": self.decision.threshold,
                "p_yes": self.p_yes,
                "choice": self.choice,
            },
            "ranking": [
                {
                    "name": r.name,
                    "inputs": list(r.inputs),
                    "variance_reduction": r.variance_reduction,
                    "share": r.share,
                    "evppi": r.evppi,
                    "p_flip": r.p_flip,
                    "mcse": {"share": r.share_mcse, "evppi": r.evppi_mcse, "p_flip": r.p_flip_mcse},
                }
                for r in self.rows
            ],
            "headline": self.headline(),
            "warnings": self.warnings,
        }


def _digits(mcse: float) -> int:
    """Decimals that show a standard error's first two significant digits (at least 3)."""
    return max(3, 1 - int(np.floor(np.log10(mcse))))


def voi_from_draws(
    inputs: dict[str, np.ndarray],
    log_y: np.ndarray,
    yes: np.ndarray | None = None,
    groups: dict[str, tuple[str, ...]] | None = None,
    replicates: int = REPLICATES,
    rng: np.random.Generator | None = None,
) -> tuple[float, float | None, list[VoiRow]]:
    """(Var[log Y], P(yes), ranked rows) from joint draws of the inputs, log(output) and the decision's
    yes/no per draw. See the module docstring for the estimators.

    Each figure's Monte Carlo standard error is the standard deviation of ``replicates`` Poisson-bootstrap
    replicates (every draw weighted by an independent Poisson(1) count; Hanley & MacGibbon, "Creating
    non-parametric bootstrap samples using Poisson frequencies", Comput. Methods Programs Biomed. 83(1),
    2006): bins, neighbours and the smoother stay as fitted, the data in them are resampled.
    ``replicates=0`` skips them."""
    total = float(np.var(log_y))
    yes_f = yes.astype(float) if yes is not None else None
    p = float(np.mean(yes)) if yes is not None else None
    units = [(n, (n,)) for n in inputs] + list((groups or {}).items())
    rng = rng if rng is not None else np.random.default_rng(0)
    decision = yes_f is not None
    rows = []
    for name, members in units:
        if len(members) == 1:
            binned = _bin(np.asarray(inputs[name], dtype=float), yes_f)
            point = _single(binned, _bin_sums(binned, log_y, yes_f), decision)[1:]
            reps = (
                np.column_stack(
                    [
                        v
                        for v in _single(binned, _bootstrap_sums(binned, log_y, yes_f, replicates, rng), decision)
                        if v is not None
                    ]
                )
                if replicates > 1
                else None
            )
        else:
            targets = [log_y] + ([yes_f] if decision else [])
            fits, local = knn_fit(np.column_stack([inputs[m] for m in members]), targets)
            point = _group(fits, local, log_y, yes_f)[1:]
            reps = (
                np.array(
                    [
                        [
                            v
                            for v in _group(fits, local, log_y, yes_f, rng.poisson(1.0, log_y.size).astype(float))
                            if v is not None
                        ]
                        for _ in range(replicates)
                    ]
                )
                if replicates > 1
                else None
            )
        reduction, evppi, flip = point
        row = VoiRow(
            name,
            members,
            float(reduction),
            float(reduction) / total if total > 0 else 0.0,
            None if evppi is None else float(evppi),
            None if flip is None else float(flip),
        )
        if reps is not None:
            shares = np.where(reps[:, 0] > 0, reps[:, 1] / np.where(reps[:, 0] > 0, reps[:, 0], 1.0), 0.0)
            row.share_mcse = float(np.std(shares, ddof=1))
            if decision:
                row.evppi_mcse, row.p_flip_mcse = (float(v) for v in np.std(reps[:, 2:4], axis=0, ddof=1))
        rows.append(row)
    rows.sort(key=lambda r: -r.share)
    return total, p, rows


def voi(
    scenario,
    output: str,
    decision: str | Decision | None = None,
    groups=None,
    draws: int = DEFAULT_DRAWS,
    seed: int | None = None,
    sets=(),
) -> ValueOfInformation:
    """Rank the scenario's uncertain inputs (and named groups) by the value of learning them exactly."""

    plan = plan_for(scenario, sets)
    check_output(plan, output)
    if not plan.uncertain:
        raise InputError(plan.scenario.file, "has no uncertain inputs; nothing to learn")
    draws = check_draws(draws)
    if draws < 1000:
        raise InputError("draws", f"the regressions need at least 1,000 draws, got {draws:,}")
    dec = decision if isinstance(decision, Decision) or decision is None else parse_decision(decision)
    group_map = parse_groups(groups, plan.uncertain)
    seed = resolve_seed(seed)
    r = run(plan, draws=draws, seed=seed, summarize_outputs=False)
    y = np.asarray(r.outputs[output], dtype=float)
    if np.any(y <= 0):
        raise InputError(f"output {output}", "has values <= 0; value of information is measured on log(output)")
    yes = dec.holds(y) if dec is not None else None

    total, p, rows = voi_from_draws(r.inputs, np.log(y), yes, group_map, rng=seeded(seed, "bootstrap"))
    warn = []
    if total == 0:
        warn.append(f"log({output}) does not vary; nothing to learn")
    if p is not None and min(p, 1 - p) * draws < 100:
        warn.append(
            f"fewer than 100 of {draws:,} draws fall on the minority side of the decision; EVPPI is "
            "imprecise: raise --draws"
        )
    return ValueOfInformation(
        plan.scenario.name,
        output,
        plan.unit(output),
        draws,
        seed,
        total,
        dec,
        p,
        rows,
        warn,
        tuple(plan.scenario.overrides),
    )

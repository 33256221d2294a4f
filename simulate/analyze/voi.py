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
because the regression is on the joint draws. Single inputs: conditional means in 64 equal-count
bins of the input, smoothed across bins by a penalized cubic spline with GCV (``scipy.interpolate.
make_smoothing_spline``, a one-term GAM fitted on the bins). Groups: k-nearest-neighbour regression
on the inputs' ranks, with the variance reduction from the neighbours' local variances (the given-data
estimator of E[Var(Y | X_u)] of Broto, Bachoc & Depecker, "Variance reduction for estimation of Shapley
effects and adaptation to unknown input distribution", SIAM/ASA JUQ 8(2), 2020).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np

from flopcast.priors.errors import InputError
from flopcast.results import Rendered

BINS = 64
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
    m = re.fullmatch(r"\s*(>=|<=|>|<)\s*([-+0-9.eE_]+)\s*", str(text))
    try:
        value = float(m.group(2).replace("_", "")) if m else None
    except ValueError:
        value = None
    if m is None or value is None or not np.isfinite(value):
        raise InputError("--decision", f"must be an operator (>=, >, <=, <) and a number, e.g. \">= 720000\"; "
                         f"got {text!r}")
    return Decision(m.group(1), value)


def parse_groups(items, inputs: list[str]) -> dict[str, tuple[str, ...]]:
    """``["compute=a,b", ...]`` or ``{"compute": ["a", "b"]}`` -> {name: inputs}, checked."""
    out: dict[str, tuple[str, ...]] = {}
    pairs = items.items() if isinstance(items, dict) else [_split_group(s) for s in (items or [])]
    for name, members in pairs:
        members = tuple(members)
        bad = [m for m in members if m not in inputs]
        if not name or len(members) < 2 or bad or len(set(members)) != len(members):
            raise InputError(f"--group {name}", (f"unknown or fixed input(s) {', '.join(bad)}; uncertain inputs are: "
                                                 f"{', '.join(inputs)}") if bad else
                             "needs a name and at least two different inputs: NAME=a,b")
        if name in inputs or name in out:
            raise InputError(f"--group {name}", "the name is already an input or another group")
        out[name] = members
    return out


def _split_group(text: str) -> tuple[str, list[str]]:
    name, sep, rest = str(text).partition("=")
    if not sep:
        raise InputError("--group", f"must be NAME=input1,input2, got {text!r}")
    return name.strip(), [m.strip() for m in rest.split(",") if m.strip()]


def _ranks(x: np.ndarray) -> np.ndarray:
    """Mid-ranks scaled to (0, 1) (ties share their rank: discrete and posterior inputs)."""
    from scipy.stats import rankdata

    return rankdata(x) / (x.size + 1)


def smooth_fit(x: np.ndarray, targets: list[np.ndarray]) -> list[np.ndarray]:
    """E[t | x] at every draw for each target t: bin means on equal-count bins of x's rank,
    smoothed by a GCV penalized spline over the bins (weights = bin counts)."""
    from scipy.interpolate import make_smoothing_spline

    r = _ranks(x)
    edges = np.unique(np.quantile(r, np.linspace(0, 1, BINS + 1)[1:-1]))
    b = np.searchsorted(edges, r, side="right")
    k = edges.size + 1
    counts = np.bincount(b, minlength=k)
    used = counts > 0
    centers = np.bincount(b, r, minlength=k)[used] / counts[used]
    out = []
    for t in targets:
        means = np.bincount(b, t, minlength=k)[used] / counts[used]
        fitted = means
        if centers.size >= 5:
            try:
                fitted = make_smoothing_spline(centers, means, w=counts[used] / counts[used].mean())(centers)
            except (ValueError, np.linalg.LinAlgError):  # ill-posed GCV: keep the raw bin means
                fitted = means
        full = np.zeros(k)
        full[used] = fitted
        out.append(full[b])
    return out


def knn_fit(x: np.ndarray, targets: list[np.ndarray]) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """(E[t | x], Var[t | x]) at every draw from its NEIGHBOURS nearest draws in rank space."""
    from scipy.spatial import cKDTree

    z = np.column_stack([_ranks(c) for c in x.T])
    _, idx = cKDTree(z).query(z, k=NEIGHBOURS)
    return [t[idx].mean(axis=1) for t in targets], [t[idx].var(axis=1, ddof=1) for t in targets]


@dataclass
class VoiRow:
    name: str
    inputs: tuple[str, ...]
    variance_reduction: float  # Var(E[log Y | X_u]), in (log units)^2
    share: float  # of Var[log Y]
    evppi: float | None = None  # probability of a right answer gained (0-1 loss)
    p_flip: float | None = None  # chance that learning X_u reverses the decision taken now


@dataclass(frozen=True, repr=False)
class ValueOfInformation(Rendered):
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

    @property
    def choice(self) -> str | None:
        """The decision taken now (the more probable answer)."""
        if self.decision is None:
            return None
        return "yes" if self.p_yes >= 0.5 else "no"

    def headline(self) -> str:
        top = self.rows[0]
        what = f"the group {top.name} ({', '.join(top.inputs)})" if len(top.inputs) > 1 else top.name
        s = (f"The cheapest way to narrow this band is to pin down {what}: learning it exactly removes "
             f"{100 * top.share:.0f}% of the variance of log({self.output}) on average.")
        if self.decision is not None:
            best = max(self.rows, key=lambda r: r.evppi)
            s += (f" For '{self.decision.text(self.output)}' (now P = {self.p_yes:.3f}, answer {self.choice}), "
                  f"{best.name} matters most: learning it flips the answer with probability {best.p_flip:.3f} "
                  f"(EVPPI {best.evppi:.3f} under 0-1 loss).")
        return s

    def to_json(self) -> dict:
        return {
            "scenario": self.scenario, "output": self.output, "unit": self.unit, "draws": self.draws,
            "seed": self.seed, "variance_log_output": self.variance,
            "decision": None if self.decision is None else {"op": self.decision.op,
                                                            "threshold": self.decision.threshold,
                                                            "p_yes": self.p_yes, "choice": self.choice},
            "ranking": [{"name": r.name, "inputs": list(r.inputs), "variance_reduction": r.variance_reduction,
                         "share": r.share, "evppi": r.evppi, "p_flip": r.p_flip} for r in self.rows],
            "headline": self.headline(),
            "warnings": self.warnings,
        }


def voi_from_draws(inputs: dict[str, np.ndarray], log_y: np.ndarray, yes: np.ndarray | None = None,
                   groups: dict[str, tuple[str, ...]] | None = None) -> tuple[float, float | None, list[VoiRow]]:
    """(Var[log Y], P(yes), ranked rows) from joint draws of the inputs, log(output) and the decision's
    yes/no per draw. See the module docstring for the estimators."""
    total = float(np.var(log_y))
    targets = [log_y] + ([yes.astype(float)] if yes is not None else [])
    p = float(np.mean(yes)) if yes is not None else None
    rows = []
    units = [(n, (n,)) for n in inputs] + list((groups or {}).items())
    for name, members in units:
        if len(members) == 1:
            fits = smooth_fit(inputs[name], targets)
            reduction = float(np.var(fits[0]))
        else:
            fits, local = knn_fit(np.column_stack([inputs[m] for m in members]), targets)
            reduction = max(0.0, total - float(np.mean(local[0])))
        row = VoiRow(name, members, reduction, reduction / total if total > 0 else 0.0)
        if yes is not None:
            q = np.clip(fits[1], 0.0, 1.0)
            row.evppi = max(0.0, float(np.mean(np.maximum(q, 1.0 - q))) - max(p, 1.0 - p))
            row.p_flip = float(np.mean((q >= 0.5) != (p >= 0.5)))
        rows.append(row)
    rows.sort(key=lambda r: -r.share)
    return total, p, rows


def voi(scenario, output: str, decision: str | Decision | None = None, groups=None, draws: int = DEFAULT_DRAWS,
        seed: int | None = None, sets=()) -> ValueOfInformation:
    """Rank the scenario's uncertain inputs (and named groups) by the value of learning them exactly."""
    from flopcast.analyze.sensitivity import check_output
    from flopcast.engine import check_draws, plan_for, run
    from flopcast.seeds import resolve_seed

    plan = plan_for(scenario, sets)
    check_output(plan, output)
    if not plan.uncertain:
        raise InputError(plan.scenario.file, "has no uncertain inputs; nothing to learn")
    draws = check_draws(draws)
    if draws < 1000:
        raise InputError("--draws", f"the regressions need at least 1,000 draws, got {draws:,}")
    dec = decision if isinstance(decision, Decision) or decision is None else parse_decision(decision)
    group_map = parse_groups(groups, plan.uncertain)
    seed = resolve_seed(seed)
    r = run(plan, draws=draws, seed=seed, summarize_outputs=False)
    y = np.asarray(r.outputs[output], dtype=float)
    if np.any(y <= 0):
        raise InputError(f"--output {output}", "has values <= 0; value of information is measured on log(output)")
    yes = dec.holds(y) if dec is not None else None
    total, p, rows = voi_from_draws(r.inputs, np.log(y), yes, group_map)
    warn = []
    if total == 0:
        warn.append(f"log({output}) does not vary; nothing to learn")
    if p is not None and min(p, 1 - p) * draws < 100:
        warn.append(f"fewer than 100 of {draws:,} draws fall on the minority side of the decision; EVPPI is "
                    "imprecise: raise --draws")
    return ValueOfInformation(plan.scenario.name, output, plan.unit(output), draws, seed, total, dec, p, rows, warn)

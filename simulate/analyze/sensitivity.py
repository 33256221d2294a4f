"""Which assumption matters: one-way swings (tornado), Sobol variance shares (SALib), rank correlations,
and for dependent inputs (rank correlations, a calibrated posterior) Shapley effects
(``analyze.shapley``) with SALib's given-data PAWN index beside them.

Model-agnostic: everything works on a bound plan's uncertain inputs and one named output.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np

from flopcast.analyze.shapley import plan_shapley
from flopcast.engine import plan_for, run
from flopcast.plan import Plan
from flopcast.priors.errors import InputError
from flopcast.results import Result
from flopcast.seeds import int_seed, resolve_seed, stream

DEFAULT_SOBOL_N = 2**13  # base samples; SALib evaluates N (k + 2) points
_EPS = 2.0**-40


@dataclass
class InputSensitivity:
    input: str
    unit: str
    input_p05: float
    input_p95: float
    low: float  # output with this input at its p05, others at their medians
    high: float  # ... at its p95
    swing: float
    s1: float | None = None
    s1_ci: tuple[float, float] | None = None
    st: float | None = None
    st_ci: tuple[float, float] | None = None
    spearman: float | None = None
    shapley: float | None = None  # share of Var[output] (or Var[log output]); valid under dependence
    shapley_ci: tuple[float, float] | None = None
    pawn: float | None = None  # PAWN (Pianosi & Wagener 2015): median KS distance, 0 = no influence


@dataclass(frozen=True, repr=False)
class Sensitivity(Result):
    _row_name = "input"  # to_dataframe: one row per input

    scenario: str
    output: str
    unit: str
    baseline: float
    log: bool
    n: int
    seed: int
    inputs: dict[str, InputSensitivity]
    warnings: list[str] = field(default_factory=list)
    correlated: list[tuple[str, str, float]] = field(default_factory=list)
    shapley: dict | None = None  # {"permutations", "inner", "note"} when Shapley effects were computed
    overrides: tuple[str, ...] = ()  # the plan's --set / set= overrides (accelerator=... included)

    def to_json(self) -> dict:
        return {
            "scenario": self.scenario,
            "overrides": list(self.overrides),
            "output": self.output,
            "unit": self.unit,
            "log": self.log,
            "baseline": self.baseline,
            "sobol_n": self.n,
            "seed": self.seed,
            "inputs": {
                name: {
                    "low": s.low,
                    "high": s.high,
                    "swing": s.swing,
                    "input_p05": s.input_p05,
                    "input_p95": s.input_p95,
                    "s1": s.s1,
                    "s1_ci": list(s.s1_ci) if s.s1_ci else None,
                    "st": s.st,
                    "st_ci": list(s.st_ci) if s.st_ci else None,
                    "spearman": s.spearman,
                    "shapley": s.shapley,
                    "shapley_ci": list(s.shapley_ci) if s.shapley_ci else None,
                    "pawn": s.pawn,
                }
                for name, s in self.inputs.items()
            },
            "warnings": self.warnings,
            "correlations": [{"inputs": [a, b], "rank": r} for a, b, r in self.correlated],
            "shapley": self.shapley,
        }


def check_output(plan: Plan, output: str) -> None:
    plan.check_output(output)


def _evaluate(plan: Plan, x: dict) -> dict:
    with np.errstate(all="ignore"):
        return plan.model.evaluate({**{n: np.float64(v) for n, v in plan.constants.items()}, **x})


def tornado(plan: Plan, output: str) -> tuple[float, dict[str, tuple[float, float, float, float]]]:
    """Baseline at every uncertain input's median; each input alone at its p05 and p95.
    Returns (baseline, {input: (input_p05, input_p95, output_low, output_high)}); one vectorized call."""
    names = plan.uncertain
    k = len(names)
    medians = np.array([plan.dists[n].median for n in names])
    # rows: baseline, then (p05, p95) per input
    grid = np.tile(medians, (2 * k + 1, 1))
    for j, n in enumerate(names):
        grid[1 + 2 * j, j] = plan.dists[n].quantile(0.05)
        grid[2 + 2 * j, j] = plan.dists[n].quantile(0.95)
    y = np.broadcast_to(_evaluate(plan, {n: grid[:, j] for j, n in enumerate(names)})[output], (2 * k + 1,))
    out = {
        n: (grid[1 + 2 * j, j], grid[2 + 2 * j, j], float(y[1 + 2 * j]), float(y[2 + 2 * j]))
        for j, n in enumerate(names)
    }
    return float(y[0]), out


def sobol_indices(plan: Plan, output: str, n: int, seed: int, log: bool):
    """First-order and total Sobol indices with bootstrap 95% CIs, via SALib's Saltelli scheme
    on the unit cube mapped through each prior's inverse CDF."""
    from SALib.analyze import sobol as analyze

    names = plan.uncertain
    problem = {"num_vars": len(names), "names": names, "bounds": [[0.0, 1.0]] * len(names)}
    u = np.clip(saltelli_design(len(names), n, int_seed(seed, "sobol")), _EPS, 1.0 - _EPS)
    x = {name: plan.dists[name].sample_ppf(np.ascontiguousarray(u[:, j])) for j, name in enumerate(names)}
    y = np.broadcast_to(_evaluate(plan, x)[output], (u.shape[0],)).astype(float)
    if log:
        y = _log_or_fail(y, output)
    if not np.all(np.isfinite(y)):
        raise InputError(f"output {output}", "is NaN or infinite for some draws; see 'flopcast run'")
    if np.var(y) == 0:
        return {name: (0.0, (0.0, 0.0), 0.0, (0.0, 0.0)) for name in names}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = analyze.analyze(problem, y, calc_second_order=False, num_resamples=100, seed=int_seed(seed, "bootstrap"))
    return {
        name: (
            float(res["S1"][j]),
            (float(res["S1"][j] - res["S1_conf"][j]), float(res["S1"][j] + res["S1_conf"][j])),
            float(res["ST"][j]),
            (float(res["ST"][j] - res["ST_conf"][j]), float(res["ST"][j] + res["ST_conf"][j])),
        )
        for j, name in enumerate(names)
    }


def saltelli_design(k: int, n: int, seed: int) -> np.ndarray:
    """SALib's ``sample.sobol.sample`` design (no groups, first and total order), vectorized:
    the same scrambled 2k-dimensional Sobol base sequence, rows [A, AB_1 .. AB_k, B] per base point.
    SALib builds it with Python loops (0.7 s at N = 2^14); a test checks the two are identical."""
    from scipy.stats import qmc

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        base = qmc.Sobol(d=2 * k, scramble=True, seed=seed).random(n)
    a, b = base[:, :k], base[:, k:]
    out = np.repeat(a[:, None, :], k + 2, axis=1)  # (n, k + 2, k)
    idx = np.arange(k)
    out[:, 1 + idx, idx] = b[:, idx]
    out[:, k + 1, :] = b
    return out.reshape(n * (k + 2), k)


def _log_or_fail(y: np.ndarray, output: str) -> np.ndarray:
    if np.any(y <= 0):
        raise InputError(f"output {output}", "has values <= 0; its log is undefined (drop --log)")
    return np.log(y)


def rank_correlations(r, output: str) -> dict[str, float]:
    """Spearman correlation of each input with the output, over the scenario's own (copula) draws."""
    from scipy import stats  # heavy: loaded only by the analysis

    ranks_y = stats.rankdata(r.outputs[output])
    out = {}
    for name, values in r.inputs.items():
        rho = np.corrcoef(stats.rankdata(values), ranks_y)[0, 1]
        out[name] = float(rho) if np.isfinite(rho) else 0.0
    return out


def pawn_indices(r, names: list[str], y: np.ndarray, seed: int) -> dict[str, float]:
    """SALib's given-data PAWN index (Pianosi & Wagener, "Distribution-based sensitivity analysis from
    a generic input-output sample", Environmental Modelling & Software 108, 2018): the median over 10
    slices of each input of the Kolmogorov-Smirnov distance between the conditional and unconditional
    output CDFs. Moment-free and computed on the joint draws, so valid for dependent inputs. (SALib's
    ``delta`` given-data index is left out: it took 244 s on 2,000 draws of sora-2026's 28 inputs.)"""
    from SALib.analyze import pawn

    x = np.column_stack([r.inputs[name] for name in names])
    problem = {"num_vars": len(names), "names": names, "bounds": [[float(c.min()), float(c.max())] for c in x.T]}
    res = pawn.analyze(problem, x, y, S=10, seed=int_seed(seed, "pawn"))
    return {name: float(res["median"][j]) for j, name in enumerate(names)}


def analyze(
    scenario,
    output: str,
    sets=(),
    n: int = DEFAULT_SOBOL_N,
    seed: int | None = None,
    log: bool = False,
    spearman_draws: int = 20_000,
    shapley: bool | None = None,
) -> Sensitivity:
    """Tornado, rank correlations, and variance shares: Sobol indices for independent inputs,
    Shapley effects (with PAWN) for dependent ones; ``shapley=True`` computes them for independent
    inputs too (``False`` never)."""
    plan = plan_for(scenario, sets)
    check_output(plan, output)
    if not plan.uncertain:
        raise InputError(plan.scenario.file, "has no uncertain inputs; nothing to analyse")
    if isinstance(n, bool) or not isinstance(n, int) or n < 64:
        raise InputError("n", f"must be an integer >= 64, got {n!r}")
    seed = resolve_seed(seed)
    baseline, swings = tornado(plan, output)

    draws = run(plan, draws=spearman_draws, seed=seed, summarize_outputs=False)
    constant = np.asarray(draws.outputs[output], dtype=float)
    if constant.size and np.all(constant == constant[0]):  # variance shares would be 0/0, not 0
        raise InputError(
            f"output {output}",
            f"is {constant[0]:.4g} on every draw of {plan.scenario.file}: no "
            "uncertain input moves it, so no input has a share of its variance",
        )
    correlated = [(c.inputs[0], c.inputs[1], c.rank) for c in plan.correlations]
    warn: list[str] = []
    sobol = None
    if not plan.independent:
        why = "inputs are correlated" if correlated else "posterior inputs are drawn jointly (dependent)"
        warn.append(
            f"{why}: Sobol indices assume independent inputs and are not computed; "
            "Shapley effects (which stay valid under dependence) and PAWN are given instead"
            if shapley is not False
            else f"{why}: Sobol indices assume independent inputs and are not computed"
        )
    else:
        sobol = sobol_indices(plan, output, n, seed, log)
    rho = rank_correlations(draws, output)
    shap = pawn_of = None
    if shapley or (shapley is None and not plan.independent):
        y = np.asarray(draws.outputs[output], dtype=float)
        y = _log_or_fail(y, output) if log else y
        shap = plan_shapley(plan, output, y, stream(seed, "shapley"), log, inputs=draws.inputs)
        pawn_of = pawn_indices(draws, plan.uncertain, y, seed)
        warn += [text for text in (shap.note, shap.clip_note()) if text]
    inputs = {}
    for name in plan.uncertain:
        p05, p95, lo, hi = swings[name]
        s = InputSensitivity(name, plan.unit(name), float(p05), float(p95), lo, hi, abs(hi - lo), spearman=rho[name])
        if sobol is not None:
            s.s1, s.s1_ci, s.st, s.st_ci = sobol[name]
        if shap is not None:
            j = shap.names.index(name)
            s.shapley, s.shapley_ci = float(shap.effects[j]), (float(shap.ci[j, 0]), float(shap.ci[j, 1]))
            s.pawn = pawn_of[name]
        inputs[name] = s
    inputs = dict(sorted(inputs.items(), key=lambda kv: -kv[1].swing))
    if sobol is not None:
        unstable = [
            name
            for name, s in inputs.items()
            if (s.s1 < 0 and s.s1_ci[1] < 0) or (s.s1 > 0.01 and s.s1_ci[1] - s.s1_ci[0] > s.s1)
        ]
        if unstable:
            warn.append(
                f"N = {n} is too small for stable indices of {', '.join(unstable)} "
                f"(negative first-order index or CI wider than the index); raise --n"
            )
    meta = (
        None
        if shap is None
        else {
            "permutations": shap.permutations,
            "inner": shap.inner,
            "note": shap.note,
            "null_inputs": shap.null,
            "clipped": shap.clipped,
        }
    )
    return Sensitivity(
        plan.scenario.name,
        output,
        plan.unit(output),
        baseline,
        log,
        n,
        seed,
        inputs,
        warn,
        correlated,
        meta,
        overrides=tuple(plan.scenario.overrides),
    )


# -- figures -------------------------------------------------------------------------------------

"""Propagate prior draws through a model: sample on the unit cube, map through inverse CDFs,
evaluate the equations chunk by chunk, and collect labelled results.

The Python API a notebook user calls::

    from simulate import engine
    result = engine.run("plappert-2024", draws=100_000, seed=1)
    result.samples            # xarray.Dataset, dimension "draw"
    result.summary["peak_fleet_h100"].median
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Callable, Mapping, Sequence

import numpy as np

from priors.errors import InputError
from priors.scenario import Scenario, load_scenario
from simulate import __version__
from simulate.model import Plan, bind
from simulate.sampling import apply_copula, copula_factor, unit_cube_chunks
from simulate.summary import Summary, summarize

DEFAULT_DRAWS = 200_000  # p05/p95 MCSE < 1% for every plappert-2024 output (see README)
DEFAULT_CHUNK = 1 << 18


@dataclass
class RunResult:
    plan: Plan
    seed: int
    sampler: str
    draws: int
    inputs: dict[str, np.ndarray]  # uncertain inputs, shape (draws,)
    outputs: dict[str, np.ndarray]  # every output, shape (draws,)
    summary: dict[str, Summary] = field(default_factory=dict)
    created: str = ""

    @property
    def scenario(self) -> Scenario:
        return self.plan.scenario

    @property
    def samples(self):
        """The draws as an ``xarray.Dataset`` with dimension ``draw``, units and provenance in attrs."""
        from simulate.results import to_dataset

        return to_dataset(self)

    def provenance(self) -> dict:
        sc = self.plan.scenario
        return {
            "scenario": sc.name,
            "scenario_file": str(sc.path) if sc.path else "",
            "model": self.plan.model.name,
            "seed": self.seed,
            "sampler": self.sampler,
            "draws": self.draws,
            "overrides": list(sc.overrides),
            "version": __version__,
            "created": self.created,
        }


POSTERIOR_COLUMN = "posterior_draw"  # the unit-cube column that picks a joint posterior draw


def sampled_columns(plan: Plan) -> list[str]:
    """Unit-cube columns a plan needs: one per independent uncertain input, one for a posterior."""
    cols = [n for n in plan.uncertain if n not in plan.joint]
    return cols + ([POSTERIOR_COLUMN] if plan.joint else [])


def resolve_seed(seed: int | None) -> int:
    """An explicit seed is used as is; none draws a fresh 32-bit one from OS entropy, which is then
    recorded so the run can be repeated."""
    if seed is not None:
        if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
            raise InputError("--seed", f"must be a non-negative integer, got {seed!r}")
        return int(seed)
    return int(np.random.SeedSequence().generate_state(1)[0])


def plan_for(scenario: str | Scenario | Plan, sets: Sequence[str] = ()) -> Plan:
    if isinstance(scenario, Plan):
        return bind(scenario.scenario, sets) if sets else scenario
    if not isinstance(scenario, Scenario):
        scenario = load_scenario(scenario)
    return bind(scenario, tuple(sets))


def check_draws(draws: object) -> int:
    if isinstance(draws, bool) or not isinstance(draws, (int, np.integer)) or draws <= 0:
        raise InputError("--draws", f"must be a positive integer, got {draws!r}")
    return int(draws)


def evaluate_point(scenario: str | Scenario | Plan, sets: Sequence[str] = (), at: Mapping[str, float] | None = None) -> dict[str, float]:
    """Evaluate the model once at every prior's ``point`` (``at`` overrides single inputs)."""
    plan = plan_for(scenario, sets)
    x = {name: np.float64(v) for name, v in plan.points.items()}
    for name, value in (at or {}).items():
        if name not in x:
            raise InputError(name, f"unknown input of the {plan.model.name} model")
        x[name] = np.float64(value)
    _check_model_constraints(plan, x)
    with np.errstate(all="ignore"):
        y = plan.model.evaluate(x)
    bad = [name for name, v in y.items() if not np.isfinite(v)]
    if bad:
        suspects = _suspects(x, 0)
        raise InputError(
            plan.scenario.file,
            f"output {bad[0]} is {float(y[bad[0]])} at the point values{suspects}",
        )
    return {name: float(v) for name, v in y.items()}


def run(
    scenario: str | Scenario | Plan,
    draws: int | None = None,
    seed: int | None = None,
    sampler: str = "mc",
    sets: Sequence[str] = (),
    chunk_size: int = DEFAULT_CHUNK,
    progress: Callable[[int], None] | None = None,
    summarize_outputs: bool = True,
    columns: Sequence[str] | None = None,
) -> RunResult:
    """Sample every uncertain input, push the draws through the model, summarize every output.

    ``columns`` names the unit-cube columns (default: the plan's uncertain inputs). Two runs given
    the same columns, seed and sampler see the same uniforms for every input they share: common
    random numbers for comparing scenarios.
    """
    plan = plan_for(scenario, sets)
    draws = check_draws(draws if draws is not None else (plan.scenario.default_draws or DEFAULT_DRAWS))
    seed = resolve_seed(seed)
    created = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    rng = np.random.default_rng(seed)
    names = list(columns) if columns is not None else sampled_columns(plan)
    missing = [n for n in sampled_columns(plan) if n not in names]
    if missing:
        raise InputError("columns", f"no unit-cube column for uncertain input {missing[0]!r}")
    factor = copula_factor(plan.correlations, names, f"{plan.scenario.file}: correlations")

    inputs = {name: np.empty(draws) for name in plan.uncertain}
    outputs = {name: np.empty(draws) for name in plan.model.outputs}
    constants = {name: np.float64(v) for name, v in plan.constants.items()}
    _check_model_constraints(plan, {**constants, **{n: plan.points[n] for n in plan.uncertain}})

    start = 0
    for u in unit_cube_chunks(sampler, draws, len(names), rng, chunk_size):
        u = apply_copula(u, factor)
        m = u.shape[0]
        x = dict(constants)
        for j, name in enumerate(names):
            if name == POSTERIOR_COLUMN and plan.joint:
                n_post = plan.joint_draws.shape[0]
                index = np.minimum((u[:, j] * n_post).astype(np.int64), n_post - 1)
                for k, joint_name in enumerate(plan.joint):
                    col = plan.joint_draws[index, k]
                    inputs[joint_name][start : start + m] = col
                    x[joint_name] = col
                continue
            if name not in plan.dists or name in plan.joint:
                continue
            col = plan.dists[name].sample_ppf(u[:, j])
            inputs[name][start : start + m] = col
            x[name] = col
        with np.errstate(all="ignore"):
            y = plan.model.evaluate(x)
        for name, arr in outputs.items():
            arr[start : start + m] = y[name]
        start += m
        if progress is not None:
            progress(m)

    _check_finite(plan, inputs, outputs, constants)
    result = RunResult(plan, seed, sampler, draws, inputs, outputs, created=created)
    if summarize_outputs:
        result.summary = {
            name: summarize(values, plan.unit(name)) for name, values in outputs.items()
        }
    return result


def _check_model_constraints(plan: Plan, x: Mapping[str, float]) -> None:
    problems = plan.model.check(x)
    if problems:
        name, reason = problems[0]
        where = f"{plan.scenario.file}: priors.{name}" if name in plan.scenario.priors else name
        raise InputError(where, reason)


def _suspects(x: Mapping[str, np.ndarray | float], i: int) -> str:
    values = {name: float(np.asarray(v).reshape(-1)[i] if np.ndim(v) else v) for name, v in x.items()}
    odd = {n: v for n, v in values.items() if not math.isfinite(v) or v <= 0}
    shown = odd or values
    label = "; inputs there that are zero, negative or not finite" if odd else "; inputs there"
    return f"{label}: " + ", ".join(f"{n}={v:.4g}" for n, v in list(shown.items())[:8])


def _check_finite(plan: Plan, inputs, outputs, constants) -> None:
    for name, values in outputs.items():
        bad = ~np.isfinite(values)
        count = int(bad.sum())
        if count:
            first = int(np.argmax(bad))
            x = {**constants, **inputs}
            raise InputError(
                plan.scenario.file,
                f"output {name} is NaN or infinite in {count} of {values.size} draws "
                f"(first at draw {first}{_suspects(x, first)})",
            )

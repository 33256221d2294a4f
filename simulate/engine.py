"""Propagate prior draws through a model: sample on the unit cube, map through inverse CDFs,
evaluate the equations chunk by chunk, and collect labelled results.

The Python API a notebook user calls (run as a doctest by tests/test_docs.py):

>>> from flopcast import engine
>>> round(engine.evaluate_point("plappert-2024")["training_h100_months"])
4211
>>> result = engine.run("plappert-2024", draws=20_000, seed=1)
>>> result.samples.sizes["draw"], result.samples["peak_fleet_h100"].attrs["unit"]
(20000, 'H100s')
>>> round(result.summary["peak_fleet_h100"].median / 1e6, 2)  # seeded: H100s at peak, millions
2.28
"""

from __future__ import annotations

import math
import os
import time
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from functools import partial
from pathlib import PurePath
from typing import Any, Callable, Iterator, Mapping, Sequence

import numpy as np

from flopcast import streaming as S
from flopcast.domains import check_draws as check_domains
from flopcast.domains import check_finite, check_model_constraints, suspects
from flopcast.executors import _blocks, _thread_map, default_workers, thread_mapper
from flopcast.plan import Plan, bind, check_repeats, override_items
from flopcast.priors.conventions import check_flop_convention
from flopcast.priors.errors import InputError
from flopcast.priors.scenario import Scenario, function_scenario, load_scenario
from flopcast.results import PointResult, RunResult, Summaries
from flopcast.sampling import Design, apply_copula, copula_factor
from flopcast.seeds import resolve_seed
from flopcast.summary import PROBS, summarize_output

DEFAULT_DRAWS = 200_000  # p05/p95 MCSE < 1% for every plappert-2024 output (see README)
DEFAULT_CHUNK = 1 << 18


POSTERIOR_COLUMN = "posterior_draw"  # the unit-cube column that picks a joint posterior draw


def sampled_columns(plan: Plan) -> list[str]:
    """Unit-cube columns a plan needs: one per independent uncertain input, one for a posterior."""
    cols = [n for n in plan.uncertain if n not in plan.joint]
    return cols + ([POSTERIOR_COLUMN] if plan.joint else [])


def plan_for(
    scenario: Any,
    sets: Sequence[Any] | Mapping[str, Any] = (),
    *,
    gpu: str | None = None,
    flop_convention: str | None = None,
    priors: Mapping[str, Any] | None = None,
) -> Plan:
    """A model bound to its priors, with overrides. ``scenario``: a bundled name, a path, a ``Scenario``,
    a ``Plan``, or a Python function of named inputs returning a dict of outputs (its inputs' priors in
    ``priors``). ``sets``: ``--set`` strings or a mapping ``{name: value}`` in the prior vocabulary
    (``priors/vocabulary.py``); ``priors`` on a scenario adds or replaces priors the same way.
    ``gpu``: an accelerator of the library (``flopcast hardware``), the same as the override
    ``accelerator=NAME``; ``flop_convention`` (``"as_published"`` or ``"corrected"``) replaces the
    scenario's own."""

    if callable(scenario) and not isinstance(scenario, (str, PurePath, Scenario, Plan)):
        scenario, priors = function_scenario(scenario, priors), None
    elif priors is not None and not isinstance(priors, Mapping):
        raise InputError("priors", "must be a dict {input name: prior}")
    sets = override_items(priors) + override_items(sets) + ((f"accelerator={gpu}",) if gpu is not None else ())
    check_repeats(sets)  # set={"accelerator": ...} and gpu= together: one would silently win
    if isinstance(scenario, Plan):
        if not sets and flop_convention in (None, scenario.scenario.flop_convention):
            return scenario
        scenario = scenario.published or scenario.scenario
    elif not isinstance(scenario, Scenario):
        if not isinstance(scenario, (str, PurePath)):
            raise InputError(
                "model",
                f"must be a scenario name, a path, a Scenario, a Plan or a function; got {type(scenario).__name__}",
            )
        scenario = load_scenario(scenario)
    if flop_convention is not None:
        scenario = replace(scenario, flop_convention=check_flop_convention(flop_convention, "flop_convention"))
    return bind(scenario, tuple(sets))


def check_draws(draws: object) -> int:
    if isinstance(draws, bool) or not isinstance(draws, (int, np.integer)) or draws <= 0:
        raise InputError("draws", f"must be a positive integer, got {draws!r}")
    return int(draws)


def evaluate_point(
    scenario: str | Scenario | Plan,
    sets: Sequence[str] = (),
    at: Mapping[str, float] | None = None,
    gpu: str | None = None,
) -> dict[str, float]:
    """Evaluate the model once at every prior's ``point`` (``at`` overrides single inputs)."""
    plan = plan_for(scenario, sets, gpu=gpu)
    x = {name: np.float64(v) for name, v in plan.points.items()}
    for name, value in (at or {}).items():
        if name not in x:
            raise InputError(name, f"unknown input of the {plan.model.name} model")
        x[name] = np.float64(value)
    check_model_constraints(plan, x)
    with np.errstate(all="ignore"):
        y = plan.model.evaluate(x)
    bad = [name for name, v in y.items() if not np.isfinite(v)]
    if bad:
        raise InputError(
            plan.scenario.file,
            f"output {bad[0]} is {float(y[bad[0]])} at the point values{suspects(x, 0)}",
        )
    return {name: float(v) for name, v in y.items()}


def point(
    scenario: str | Scenario | Plan,
    sets: Sequence[str] = (),
    gpu: str | None = None,
    set: Mapping[str, Any] | None = None,
) -> PointResult:  # noqa: A002 - the API's name for --set, as in run
    """``evaluate_point`` as a typed result (``to_json``), for the CLI and notebooks; ``set`` as in ``run``."""
    plan = plan_for(scenario, sets if set is None else set, gpu=gpu)
    return PointResult(plan, evaluate_point(plan))


STREAM_ABOVE = 4_000_000  # above this many draws, summaries stream (bounded memory, and faster: one pass)
LHS_STREAM_ABOVE = 20_000_000  # a Latin hypercube cannot stream: in memory up to here, refused above
KEEP_DRAWS = 16 * 65_536  # a streamed run keeps this prefix of its draws (samples.nc, figures); a
# multiple of streaming.SUM_BLOCK, so the prefix counts in pass 1 without being evaluated again


@dataclass
class BlockContext:
    """Everything needed to compute any block of draws, on any thread or dask worker."""

    plan: Plan
    names: list[str]  # unit-cube columns
    factor: np.ndarray | None  # Gaussian-copula factor
    design: Design

    def evaluate(self, start: int, m: int) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
        u = apply_copula(self.design.block(start, m), self.factor)  # (m, columns); read column views
        return evaluate_uniforms(self.plan, self.names, u)


def evaluate_uniforms(
    plan: Plan, names: Sequence[str], u: np.ndarray
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """The drawn inputs and the outputs at an (m, columns) block of uniforms, already correlated by
    the copula: column j is ``names[j]`` (``sampled_columns``), mapped by its prior's inverse CDF (or
    picking a joint posterior draw); fixed inputs stay fixed."""
    m = u.shape[0]
    x = {name: np.float64(v) for name, v in plan.constants.items()}
    drawn: dict[str, np.ndarray] = {}
    for j, name in enumerate(names):
        if name == POSTERIOR_COLUMN and plan.joint:
            n_post = plan.joint_draws.shape[0]
            index = np.minimum((u[:, j] * n_post).astype(np.int64), n_post - 1)
            for k, joint_name in enumerate(plan.joint):
                drawn[joint_name] = plan.joint_draws[index, k]
        elif name in plan.dists and name not in plan.joint:
            drawn[name] = plan.dists[name].sample_ppf(u[:, j])
    x.update(drawn)
    with np.errstate(all="ignore"):
        y = plan.model.evaluate(x)
    return drawn, {name: np.broadcast_to(y[name], (m,)) for name in plan.model.outputs}


PILOT_ABOVE = 100_000_000  # a timing pilot only for runs that might take long
BUDGET_SECONDS = 3600.0  # refuse a run estimated to take longer than this, unless asked to stream
_PILOT = 1 << 15


_ALLOW_LONG: ContextVar[bool] = ContextVar("flopcast_allow_long", default=False)


@contextmanager
def long_runs_allowed(allowed: bool = True) -> Iterator[None]:
    """Within the block, ``run`` (and every analysis built on it) accepts draw counts estimated to take
    longer than ``BUDGET_SECONDS`` (``--allow-long`` on the command line)."""
    token = _ALLOW_LONG.set(bool(allowed))
    try:
        yield
    finally:
        _ALLOW_LONG.reset(token)


def check_budget(
    plan: Plan, draws: int | None, *, allow_long: bool | None = None, in_memory: bool | None = None
) -> None:
    """Refuse, with an estimate, a draw count that would exceed memory or take hours. ``run`` and
    ``stream_setup`` call it once the draws are decided (``None``: the scenario's, else the default),
    whatever decided them. Memory: an in-memory run (``in_memory``; default: up to ``STREAM_ABOVE``)
    holds every input and output as float64. Time: above ``PILOT_ABOVE`` draws a one-thread pilot
    gives the cost per draw here, scaled by the threads (a dask cluster is estimated as this machine);
    over ``BUDGET_SECONDS`` is refused unless ``allow_long`` (or ``long_runs_allowed()``)."""

    draws = check_draws(draws if draws is not None else (plan.scenario.default_draws or DEFAULT_DRAWS))
    allow_long = _ALLOW_LONG.get() if allow_long is None else bool(allow_long)
    if in_memory if in_memory is not None else draws <= STREAM_ABOVE:
        columns = len(plan.uncertain) + len(plan.model.outputs) + 2
        need = draws * 8 * columns
        try:
            avail = os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
        except (ValueError, OSError):
            avail = None
        if avail and need > 0.8 * avail:
            raise InputError(
                "draws",
                f"{draws:,} draws need about {need / 1e9:.1f} GB in memory, more than the "
                f"{avail / 1e9:.1f} GB free; use fewer draws (above {STREAM_ABOVE:,} `flopcast run` "
                "summaries stream)",
            )
    if draws <= PILOT_ABOVE or allow_long:
        return
    per_draw = _per_draw_seconds(plan)
    seconds = draws * per_draw * 2.2 / min(default_workers(), 4)  # two streaming passes, the threads
    if seconds > BUDGET_SECONDS:
        raise InputError(
            "draws",
            f"{draws:,} draws would take about {_duration(seconds)} here "
            f"({per_draw * 1e6:.2f} us per draw measured); ask for fewer draws, spread them over "
            "machines with --engine dask --scheduler ADDRESS, or accept the wait with --allow-long "
            "(allow_long=True in Python)",
        )


def _per_draw_seconds(plan: Plan) -> float:
    """Seconds per draw of ``plan`` on one thread here: a timed pilot of 32,768 draws."""

    run(plan, draws=1024, seed=0, summarize_outputs=False, workers=1)  # one-off set-up (fast inverses) not timed
    t0 = time.perf_counter()
    run(plan, draws=_PILOT, seed=0, summarize_outputs=False, workers=1)
    return (time.perf_counter() - t0) / _PILOT


def _duration(seconds: float) -> str:
    if seconds < 5400:
        return f"{seconds / 60:.0f} minutes"
    if seconds < 2 * 86400:
        return f"{seconds / 3600:.1f} hours"
    return f"{seconds / 86400:.0f} days"


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
    workers: int | None = None,
    stream: bool | None = None,
    mapper: Callable | None = None,
    set: Mapping[str, Any] | None = None,  # noqa: A002 - the notebook API's name for --set
    keep_inputs: int | None = None,
    flop_convention: str | None = None,
    gpu: str | None = None,
    allow_long: bool | None = None,
) -> RunResult:
    """Sample every uncertain input, push the draws through the model, summarize every output.

    ``columns`` names the unit-cube columns (default: the plan's uncertain inputs). Two runs given
    the same columns, seed and sampler see the same uniforms for every input they share: common
    random numbers for comparing scenarios.

    Chunks of draws are computed on ``workers`` threads (default: the cores, at most 4); the numbers
    do not depend on the chunk size or the number of workers. Above ``STREAM_ABOVE`` draws (or with
    ``stream=True``) the summaries stream (``simulate.streaming``): memory stays bounded and the
    result keeps only the first ``KEEP_DRAWS`` draws. A caller that wants the draws themselves
    (``summarize_outputs=False``) gets all of them in memory unless it asks for ``stream=True``.
    ``mapper(fn, items)`` replaces the thread pool (the dask engine passes one); it implies streaming. ``set`` (or ``sets``) overrides inputs:
    ``{"dataset_multiplier": 10, "sora_params": (5e9, 60e9)}`` fixes one and gives the other a
    90% interval, as ``--set`` does. ``keep_inputs``: an in-memory run keeps the sampled inputs of
    only its first draws (the CLI keeps what samples.nc saves); every draw is still checked.
    ``gpu="B200"`` runs on another accelerator of the library (``flopcast hardware``);
    ``flop_convention="corrected"`` converts MAC counts and sparse peaks first (``priors/conventions.py``).
    ``allow_long=True`` accepts a draw count estimated to take more than an hour (``check_budget``).
    """
    plan = plan_for(scenario, sets if set is None else set, gpu=gpu, flop_convention=flop_convention)
    draws = check_draws(draws if draws is not None else (plan.scenario.default_draws or DEFAULT_DRAWS))
    if isinstance(chunk_size, bool) or not isinstance(chunk_size, (int, np.integer)) or chunk_size <= 0:
        raise InputError("chunk_size", f"must be a positive integer, got {chunk_size!r}")
    seed = resolve_seed(seed)
    created = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    names = list(columns) if columns is not None else sampled_columns(plan)
    missing = [n for n in sampled_columns(plan) if n not in names]
    if missing:
        raise InputError("columns", f"no unit-cube column for uncertain input {missing[0]!r}")
    factor = copula_factor(plan.correlations, names, f"{plan.scenario.file}: correlations")
    check_model_constraints(plan, {**plan.constants, **{n: plan.points[n] for n in plan.uncertain}})
    ctx = BlockContext(plan, names, factor, Design(sampler, draws, len(names), seed))
    workers = default_workers() if workers is None else max(1, int(workers))
    above = STREAM_ABOVE if ctx.design.random_access else LHS_STREAM_ABOVE
    streaming = stream if stream is not None else (mapper is not None or (summarize_outputs and draws > above))
    check_budget(plan, draws, allow_long=allow_long, in_memory=not streaming)  # whatever decided the draws
    if streaming:
        if not ctx.design.random_access:
            raise InputError(
                "sampler lhs",
                "a Latin hypercube needs its whole design in memory; use mc or "
                f"sobol above {LHS_STREAM_ABOVE:,} draws or with --engine dask",
            )
        return _run_streaming(ctx, draws, seed, created, chunk_size, workers, progress, mapper)

    kept = draws if keep_inputs is None else max(0, min(draws, int(keep_inputs)))
    inputs = {name: np.empty(kept) for name in plan.uncertain}
    _, probe = ctx.evaluate(0, min(draws, 2))  # an output of the fixed inputs only: one value broadcast
    fixed = {
        n: np.broadcast_to(np.float64(v[0]), (draws,)) for n, v in probe.items() if v.size == 2 and v.strides == (0,)
    }
    outputs = {name: fixed.get(name) if name in fixed else np.empty(draws) for name in plan.model.outputs}
    failed: list[tuple[int, InputError]] = []

    def fill(start: int, m: int) -> None:
        drawn, y = ctx.evaluate(start, m)
        if start < kept:
            for name, col in drawn.items():
                inputs[name][start : min(start + m, kept)] = col[: kept - start]
        if start + m > kept:  # the domains of draws whose inputs are not kept: checked here
            try:
                check_domains(plan, drawn, y)
            except InputError as exc:
                failed.append((start, exc))
        for name, arr in outputs.items():
            if name not in fixed:
                arr[start : start + m] = y[name]
        if progress is not None:
            progress(m)

    _thread_map(fill, _blocks(draws, chunk_size), workers)
    constants = {name: np.float64(v) for name, v in plan.constants.items()}
    check_finite(plan, inputs, outputs, constants)
    if failed:
        start, exc = min(failed, key=lambda f: f[0])
        raise InputError(exc.where, f"{exc.reason} (in the block of draws starting at draw {start})")
    if not summarize_outputs:
        return RunResult(plan, seed, sampler, draws, inputs, outputs, created=created)
    each = _thread_map(
        lambda name: summarize_output(
            outputs[name],
            plan.unit(name),  # ess: a posterior's
            ess=plan.mcse_ess(draws, PROBS, name),
        ),
        [(name,) for name in outputs],
        workers,
    )
    return RunResult(
        plan,
        seed,
        sampler,
        draws,
        inputs,
        outputs,
        Summaries(zip(outputs, (e.summary for e in each))),
        created=created,
        float32_summary=dict(zip(outputs, (e.float32 for e in each))),
        log_hdi90=dict(zip(outputs, (e.log_hdi90 for e in each))),
    )


def _stream_outputs(ctx: BlockContext, start: int, m: int) -> dict[str, np.ndarray]:
    """The outputs of draws [start, start + m), their inputs and outputs checked against the domains."""
    x, y = ctx.evaluate(start, m)
    check_domains(ctx.plan, x, y)  # every draw, not only the kept prefix
    return y


def stream_setup(
    plan: Plan,
    draws: int,
    seed: int,
    sampler: str = "mc",
    columns: Sequence[str] | None = None,
    chunk_size: int = DEFAULT_CHUNK,
) -> tuple[BlockContext, int, int]:
    """The block evaluator of a streamed pass over ``draws`` draws (the same draws ``run`` makes for
    this seed, sampler and columns), the draws of its in-memory prefix and the chunk size."""

    check_budget(plan, draws, in_memory=False)  # stress, audit, compare: the draws are decided here too
    names = list(columns) if columns is not None else sampled_columns(plan)
    factor = copula_factor(plan.correlations, names, f"{plan.scenario.file}: correlations")
    ctx = BlockContext(plan, names, factor, Design(sampler, draws, len(names), seed))
    if not ctx.design.random_access:
        raise InputError(
            "sampler lhs",
            "a Latin hypercube needs its whole design in memory; use mc or "
            f"sobol above {STREAM_ABOVE:,} draws or with --engine dask",
        )
    chunk = max(S.SUM_BLOCK, (chunk_size // S.SUM_BLOCK) * S.SUM_BLOCK)
    return ctx, min(KEEP_DRAWS, draws), chunk


def stream_reductions(
    derive,
    draws: int,
    keep: int,
    first: dict[str, np.ndarray],
    workers: int | None = None,
    chunk: int = DEFAULT_CHUNK,
    pilots: dict[str, np.ndarray] | None = None,
    units: Mapping[str, str] | None = None,
    mapper=None,
    progress=None,
    below: Mapping[str, Sequence[float]] | None = None,
    log_hdi: bool = False,
    ess: Mapping[str, Any] | None = None,
):
    """``streaming.reduce_blocks`` on this engine's thread pool (or ``mapper``): per quantity, its
    summary (MCSE with ``ess[name]``, a posterior's), extent, log-scale HDI and draws below each of
    ``below[name]``, over all ``draws``."""

    task = chunk if mapper is None else max(chunk, -(-draws // (8 * chunk)) * chunk)  # dask: ~8 tasks
    mapper = mapper or thread_mapper(default_workers() if workers is None else workers)
    return S.reduce_blocks(
        derive,
        draws,
        keep,
        first,
        dict(units or {}),
        mapper,
        task,
        chunk,
        progress=progress,
        pilots=pilots,
        below={n: tuple(v) for n, v in (below or {}).items()},
        log_hdi=log_hdi,
        ess=dict(ess or {}),
    )


def headline_thresholds(plan: Plan) -> dict[str, list[float]]:
    """The values a run's report places in each output's band: every published figure of the scenario
    and what the model gives at the source's points with that headline's ``set`` (``analyze.headlines``).
    A streamed run counts the draws below each over all its draws."""
    out: dict[str, list[float]] = {}
    for h in plan.scenario.headlines:
        try:
            derived = evaluate_point(plan, at=h.set)[h.output]
        except InputError:  # the report says why; nothing to place
            derived = None
        out.setdefault(h.output, []).extend(x for x in (float(h.value), derived) if x is not None)
    return out


def _run_streaming(
    ctx: BlockContext, draws: int, seed: int, created: str, chunk_size: int, workers: int, progress, mapper
) -> RunResult:

    plan = ctx.plan
    chunk = max(S.SUM_BLOCK, (chunk_size // S.SUM_BLOCK) * S.SUM_BLOCK)
    keep = min(KEEP_DRAWS, draws)
    kept_inputs, kept_outputs = ctx.evaluate(0, keep)
    kept_outputs = {n: np.array(v) for n, v in kept_outputs.items()}
    constants = {name: np.float64(v) for name, v in plan.constants.items()}
    check_finite(plan, kept_inputs, kept_outputs, constants)
    try:
        reduced = stream_reductions(
            partial(_stream_outputs, ctx),
            draws,
            keep,
            kept_outputs,
            workers,
            chunk,
            units={n: plan.unit(n) for n in plan.model.outputs},
            mapper=mapper,
            progress=progress,
            below=headline_thresholds(plan),
            log_hdi=True,
            ess={n: plan.mcse_ess(draws, PROBS, n) for n in plan.model.outputs},  # a posterior's: over all draws
        )
    except S.NonFinite as exc:
        raise InputError(
            plan.scenario.file,
            f"output {exc.name} is NaN or infinite in some of {draws} draws "
            f"(first in the block starting at draw {exc.start})",
        ) from None
    except ValueError as exc:  # an output constant over the prefix that varies later
        raise InputError(plan.scenario.file, str(exc)) from None
    summaries = Summaries((n, r.summary) for n, r in reduced.items())
    return RunResult(
        plan,
        seed,
        ctx.design.sampler,
        draws,
        kept_inputs,
        kept_outputs,
        summaries,
        created=created,
        kept=keep,
        log_hdi90={n: r.log_hdi90 for n, r in reduced.items()},
        below={n: r.below for n, r in reduced.items() if r.below},
        extent={n: r.extent for n, r in reduced.items()},
    )


AUTO_START = 20_000
AUTO_MAX = 100_000_000


def run_auto(
    scenario: str | Scenario | Plan,
    tol: float = 0.01,
    max_draws: int = AUTO_MAX,
    outputs: Sequence[str] | None = None,
    **kwargs,
) -> tuple[RunResult, list[tuple[int, float]]]:
    """Draw until the MCSE of p05, p50 and p95 of every headline output is below ``tol`` times the
    value (or ``max_draws``). Headline outputs: the scenario's [[headlines]] outputs, else the
    model's key outputs. MCSE falls like 1/sqrt(n), so each round jumps to the size it predicts
    (x1.2); because the draws are chunk-invariant, the final run's draws extend the earlier ones.
    Returns the result and the (draws, worst relative MCSE) of every round."""
    plan = plan_for(
        scenario,
        kwargs.pop("sets", ()),
        gpu=kwargs.pop("gpu", None),
        flop_convention=kwargs.pop("flop_convention", None),
    )
    if isinstance(tol, bool) or not isinstance(tol, (int, float)) or not 0 < tol < 1:
        raise InputError("tol", f"must be a number in (0, 1), got {tol!r}")
    max_draws = check_draws(max_draws)
    watch = (
        list(outputs)
        if outputs
        else sorted({h.output for h in plan.scenario.headlines}) or list(plan.model.key_outputs)
    )
    n = min(AUTO_START, max_draws)
    rounds: list[tuple[int, float]] = []
    while True:
        result = run(plan, draws=n, **kwargs)
        kwargs["seed"] = result.seed
        worst = max(result.summary[name].max_relative_mcse for name in watch)
        rounds.append((n, worst))
        if worst <= tol or n >= max_draws:
            return result, rounds
        n = min(max_draws, int(math.ceil(n * max(2.0, 1.2 * (worst / tol) ** 2) / 1024) * 1024))

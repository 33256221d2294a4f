"""Analyses over more draws than a run keeps in memory: stress, compare and audit use every
requested draw above ``engine.STREAM_ABOVE`` (or with ``stream=True``), never only a run's kept
prefix. The draws are those ``engine.run`` makes for the same seed, sampler and columns, evaluated
block by block; exceedance probabilities are exact counts over all N draws, and medians (of an
output, of an input among the draws in a tail, of a ratio) are exact order statistics from the
streaming summaries (``flopcast.streaming``). The N used is the draws requested.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Callable, Sequence

import numpy as np

from flopcast import engine
from flopcast.domains import check_draws as check_domains
from flopcast.executors import _blocks, _thread_map, default_workers
from flopcast.plan import Plan
from flopcast.summary import exceedance_ess, exceedance_mcse


def wants_stream(draws: int | None, stream: bool | None, sampler: str = "mc") -> bool:
    """Whether an analysis of ``draws`` draws streams (the engine's own thresholds)."""
    above = engine.LHS_STREAM_ABOVE if sampler == "lhs" else engine.STREAM_ABOVE
    return bool(stream) if stream is not None else (draws or 0) > above


def _evaluator(plan: Plan, draws: int, seed: int, sampler: str, columns: Sequence[str] | None = None):
    ctx, keep, chunk = engine.stream_setup(plan, draws, seed, sampler, columns)

    def block(start: int, m: int):
        x, y = ctx.evaluate(start, m)
        check_domains(plan, x, y)
        return x, y

    return block, keep, chunk


def counts(plan: Plan, draws: int, seed: int, sampler: str, thresholds: dict[str, list[float]]) -> dict:
    """``{output: [(draws >= x, draws < x) for x in thresholds[output]]}`` over all ``draws``."""
    block, _, chunk = _evaluator(plan, draws, seed, sampler)

    def part(start: int, m: int):
        _, y = block(start, m)
        return {
            n: np.array([[np.count_nonzero(y[n] >= x), np.count_nonzero(y[n] < x)] for x in xs])
            for n, xs in thresholds.items()
        }

    parts = _thread_map(part, _blocks(draws, chunk), default_workers())
    return {n: [tuple(int(c) for c in row) for row in sum(p[n] for p in parts)] for n in thresholds}


def exceedance(plan: Plan, output: str, x: float, draws: int, seed: int, sampler: str = "mc"):
    """``stress.exceedance`` over all draws: P(output >= x), its MCSE (with a posterior's ESS, as in
    memory: ``stress.exceedance_ess``) and x's percentile (0-100)."""
    ge, lt = counts(plan, draws, seed, sampler, {output: [x]})[output][0]
    p = ge / draws
    return p, exceedance_mcse(p, draws, exceedance_ess(plan, output, lt / draws, draws)), 100.0 * (lt / draws)


def stress_tail(
    plan: Plan, output: str, headline: float, draws: int, seed: int, sampler: str = "mc", min_tail: int = 30
):
    """Everything ``stress`` reads from the draws, over all of them: (p, mcse, percentile, median,
    direction, tail draws, {input: conditional median or None}, the output's kept prefix)."""
    block, keep, chunk = _evaluator(plan, draws, seed, sampler)
    x0, y0 = block(0, keep)
    names = list(x0)

    def median_of(values: Callable, pilots=None) -> dict:
        first = values(x0, y0)
        return engine.stream_summaries(
            lambda s, m: values(*block(s, m)), draws, keep, first, chunk=chunk, pilots=pilots
        )

    median = median_of(lambda x, y: {"y": y[output]})["y"].median
    direction = ">=" if headline >= median else "<="

    def tail(x, y):
        mask = y[output] >= headline if direction == ">=" else y[output] <= headline
        return {n: x[n][mask] for n in names} | {"": y[output][mask]}

    got = median_of(tail, pilots={n: x0[n] for n in names} | {"": y0[output]})
    n_tail = got[""].draws if got[""] is not None else 0
    p, se, pct = exceedance(plan, output, headline, draws, seed, sampler)
    cond = {n: (None if n_tail < min_tail or got[n] is None else got[n].median) for n in names}
    return p, se, pct, median, direction, n_tail, cond, np.asarray(y0[output])


def compare_summaries(
    plans: tuple[Plan, Plan], pairs: dict[str, tuple[str, str]], draws: int, seed: int, sampler: str, columns: list[str]
) -> dict[str, tuple]:
    """Per compared pair ``{label: (output of A, output of B)}``: (summary of A, of B, of the finite B/A
    ratios, P(B > A)) over all draws, with common random numbers (the same unit-cube columns)."""
    block_a, keep, chunk = _evaluator(plans[0], draws, seed, sampler, columns)
    block_b, _, _ = _evaluator(plans[1], draws, seed, sampler, columns)

    def values(ya, yb):
        out = {}
        for n, (na, nb) in pairs.items():
            with np.errstate(all="ignore"):
                ratio = yb[nb] / ya[na]
            out |= {
                f"a:{n}": ya[na],
                f"b:{n}": yb[nb],
                f"r:{n}": ratio[np.isfinite(ratio)],
                f"g:{n}": yb[nb][yb[nb] > ya[na]],
            }
        return out

    first = values(block_a(0, keep)[1], block_b(0, keep)[1])
    pilots = {f"g:{n}": first[f"b:{n}"] for n in pairs}
    got = engine.stream_summaries(
        lambda s, m: values(block_a(s, m)[1], block_b(s, m)[1]), draws, keep, first, chunk=chunk, pilots=pilots
    )
    units = {}
    for n, (na, nb) in pairs.items():
        ua, ub = plans[0].unit(na), plans[1].unit(nb)
        units[n] = ua if ua == ub else f"{ua} / {ub}"
    return {
        n: (
            _unit(got[f"a:{n}"], units[n]),
            _unit(got[f"b:{n}"], units[n]),
            _unit(got[f"r:{n}"], "ratio"),
            (got[f"g:{n}"].draws if got[f"g:{n}"] is not None else 0) / draws,
        )
        for n in pairs
    }


def _unit(summary, unit: str):

    return None if summary is None else replace(summary, unit=unit)

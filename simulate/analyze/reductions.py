"""What an analysis reads off the draws, declared once, and the one executor that computes it.

Stress, compare and audit declare their reductions as ``Quantity`` values: the per-draw values of
something (an output, an input, a ratio B/A), over every draw or only those ``where`` holds (the
draws in a tail, the finite ratios), with the counts below thresholds and the order statistics each
reads ("hdi": mean, quantiles with their MCSE and the exact 90% HDI; "quantiles": without the HDI;
"count": no order statistics, the count and extent only). ``reduce`` computes them over a ``Draws``
source with ``streaming.reduce_blocks``: draws held in memory are ONE block; streamed draws are
evaluated block by block over all N (only the first ``engine.KEEP_DRAWS`` are held, so memory stays
bounded). One function computes both, so the same draws give the same numbers to the bit, whether
they were held or streamed. Exceedance probabilities are exact counts over every draw, and their
MCSE uses a calibrated posterior's ESS (``summary.exceedance``) whatever the source.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Mapping, Sequence

import numpy as np

from flopcast import engine
from flopcast import streaming as S
from flopcast.domains import check_draws as check_domains
from flopcast.executors import default_workers, thread_mapper
from flopcast.plan import Plan

Frame = Any  # a block's draws: a tuple with one (inputs, outputs) pair of dicts per plan


@dataclass(frozen=True)
class Quantity:
    """One quantity an analysis reads: ``values(frame)`` per draw; ``where(frame)`` the draws that
    belong to it (default: all; ``finite``: those whose value is finite); the draws below each of
    ``below``; ``order`` one of ``streaming.ORDER``; ``unit`` its summary's unit; ``ess`` the effective
    sample size of its MCSE (a calibrated posterior's ``{prob: ess}``, ``Plan.mcse_ess``; None: its N)."""

    values: Callable[[Frame], np.ndarray]
    where: Callable[[Frame], np.ndarray] | None = None
    below: tuple[float, ...] = ()
    order: str = "hdi"
    unit: str = ""
    finite: bool = False
    ess: Mapping[float, float] | None = None

    def __post_init__(self) -> None:
        if self.order not in S.ORDER:
            raise ValueError(f"order must be one of {', '.join(S.ORDER)}, got {self.order!r}")

    @classmethod
    def output(cls, name: str, plan: int = 0, **options) -> "Quantity":
        """The draws of output ``name`` of a frame's ``plan``-th plan."""
        return cls(lambda frame: frame[plan][1][name], **options)

    @classmethod
    def input(cls, name: str, plan: int = 0, **options) -> "Quantity":
        """The draws of uncertain input ``name`` of a frame's ``plan``-th plan."""
        return cls(lambda frame: frame[plan][0][name], **options)


@dataclass(frozen=True)
class Draws:
    """Where the draws come from: ``n`` draws of ``seed`` and ``sampler``, of which the first ``keep``
    are ``held`` (a frame); ``block(start, m)`` evaluates any others (None: all are held)."""

    n: int
    seed: int
    sampler: str
    held: Frame
    keep: int
    block: Callable[[int, int], Frame] | None = None
    chunk: int = S.SUM_BLOCK

    @property
    def streamed(self) -> bool:
        return self.keep < self.n


def wants_stream(draws: int | None, stream: bool | None, sampler: str = "mc") -> bool:
    """Whether an analysis of ``draws`` draws streams (the engine's own thresholds)."""
    above = engine.LHS_STREAM_ABOVE if sampler == "lhs" else engine.STREAM_ABOVE
    return bool(stream) if stream is not None else (draws or 0) > above


def held(frame: Frame, n: int, seed: int, sampler: str) -> Draws:
    """Draws already in memory (``frame`` holds all ``n``): reduced as one block."""
    return Draws(n, seed, sampler, frame, n)


def draws_of(
    plans: Sequence[Plan],
    n: int,
    seed: int,
    sampler: str = "mc",
    columns: Sequence[str] | None = None,
    stream: bool | None = None,
) -> Draws:
    """The ``n`` draws of ``plans`` for ``seed`` (common random numbers: the same unit-cube
    ``columns``, default the first plan's), one (inputs, outputs) pair per plan in each frame: drawn
    once and held in memory, or, above the engine's streaming threshold (or with ``stream=True``),
    evaluated block by block (every draw's domains checked) with only the first block held."""
    if not wants_stream(n, stream, sampler):
        runs = [
            engine.run(p, draws=n, seed=seed, sampler=sampler, summarize_outputs=False, columns=columns, stream=False)
            for p in plans
        ]
        return held(tuple((r.inputs, r.outputs) for r in runs), n, seed, sampler)
    setups = [engine.stream_setup(p, n, seed, sampler, columns) for p in plans]
    _, keep, chunk = setups[0]

    def block(start: int, m: int) -> Frame:
        frame = []
        for ctx, _, _ in setups:
            x, y = ctx.evaluate(start, m)
            check_domains(ctx.plan, x, y)
            frame.append((x, y))
        return tuple(frame)

    return Draws(n, seed, sampler, block(0, keep), keep, block, chunk)


def reduce(source: Draws, wanted: Mapping[str, Quantity]) -> dict[str, S.Reduced | None]:
    """Every quantity of ``wanted`` over all the draws of ``source`` (``streaming.reduce_blocks``):
    held draws as one block, streamed ones block by block. None: a quantity with no draws."""

    def quantities(frame: Frame) -> dict:
        out = {}
        for name, q in wanted.items():
            with np.errstate(all="ignore"):
                values = np.ascontiguousarray(q.values(frame), dtype=float)
            where = np.isfinite(values) if q.finite else None
            if q.where is not None:
                mask = np.asarray(q.where(frame), dtype=bool)
                where = mask if where is None else where & mask
            out[name] = values if where is None else (values, where)
        return out

    block = source.block

    def evaluate(start: int, m: int) -> dict:
        if block is None:
            raise ValueError("every draw of this source is held; none is evaluated")
        return quantities(block(start, m))

    return S.reduce_blocks(
        evaluate,
        source.n,
        source.keep,
        quantities(source.held),
        {name: q.unit for name, q in wanted.items()},
        thread_mapper(default_workers()),
        source.chunk,
        source.chunk,
        below={name: q.below for name, q in wanted.items() if q.below},
        order={name: q.order for name, q in wanted.items()},
        ess={name: q.ess for name, q in wanted.items() if q.ess is not None},
    )


def is_streamed(result) -> bool:
    """Whether a RunResult kept only a prefix of its draws (its summaries streamed over all of them)."""
    return result.kept is not None and result.kept < result.draws


def place(band, output: str, values: Sequence[float]) -> S.Reduced:
    """The draws of ``output`` in ``band`` (a RunResult) below each of ``values``, their count and
    extent, over ALL of its draws: a streamed run reduced them while it streamed (the same
    ``reduce_blocks`` over every draw, ``engine.headline_thresholds``); a run in memory is reduced here,
    as one block."""
    xs = tuple(float(x) for x in values)
    if not is_streamed(band):
        frame = ((band.inputs, band.outputs),)
        got = reduce(
            held(frame, band.draws, band.seed, band.sampler), {"y": Quantity.output(output, below=xs, order="count")}
        )
        return got["y"]
    counted = band.below.get(output, {})
    missing = [x for x in xs if x not in counted]
    if missing:
        raise ValueError(f"{output}: the run did not count its draws below {missing[0]!r} while streaming")
    return S.Reduced(None, {x: counted[x] for x in xs}, band.extent[output], None, band.draws)


def is_fixed(extent: tuple[float, float]) -> bool:
    """Whether a quantity does not vary over its draws (no uncertain input moves it, up to rounding)."""
    lo, hi = extent
    return hi - lo <= 1e-9 * max(abs(lo), abs(hi))

"""Summaries of more draws than fit in memory, without gathering the draws in one place.

Two passes over the same (reproducible) draws:
1. per block: counts on a fixed fine histogram, exact block sums, min and max;
2. per block: only the values in the histogram bins that hold the order statistics we need
   (p05, p50, p95 and the ranks of their MCSE), which are then exact.
Pass 2 can be skipped: ``window_lut`` predicts from the pilot (the kept prefix) the bins that
will hold those order statistics, with a margin of ``WINDOW_Z`` binomial standard deviations of
rank, and pass 1 then also keeps the values in those bins. If ``covered`` says every bin the
final counts point to was kept, ``from_window`` gives exactly what pass 2 would have collected
(one evaluation of the draws instead of two); otherwise pass 2 runs as before. The window is
offered only while it keeps at most ``WINDOW_BUDGET`` values per output (bounded memory).
``reduce_blocks`` drives both passes for any quantities computed block by block (the engine's
outputs; what stress, compare and audit read, ``flopcast.analyze.reductions``, whose draws held in
memory are one block), each quantity over all draws or over those a mask picks (a tail, the finite
ratios), reading its full summary, its quantiles only, or only its count and extent.

Mean and the quantiles with their MCSE are exact (equal to the in-memory summary up to the
rounding of the mean). So are the 90% HDIs (of the values, and of their logs): the histogram bounds
which bins can hold their ends (``hdi_bins``), the values in those bins are kept too, and the HDI is
read off them (``exact_hdi``). ``finish`` alone, without those bins, gives the histogram's HDI: the
narrowest run of bins holding >= 90% of the draws. The block sums cover aligned blocks of
``SUM_BLOCK`` draws (a masked quantity: its values among them) and are added with ``math.fsum``, so
the mean does not depend on the chunk size, the number of workers or on whether the draws were held.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from functools import partial

import numpy as np

from flopcast.summary import DECADE, HDI_PROB, PROBS, Summary, mcse_ranks

BINS = 2**14
SUM_BLOCK = 2**16
WINDOW_Z = 8.0  # margin of the predicted windows, in standard deviations of rank
WINDOW_BUDGET = 4_000_000  # at most this many window values kept per output in pass 1
HDI_MARGIN = 96  # bins added on each side of the pilot's candidate HDI end bins in the window


@dataclass
class Binning:
    """Fixed bin edges in a monotone transform of the output (log when the pilot is positive)."""

    log: bool
    lo: float
    hi: float
    constant: float | None = None

    @classmethod
    def from_pilot(cls, pilot: np.ndarray) -> "Binning":
        pilot = pilot[np.isfinite(pilot)]
        if pilot.size == 0 or pilot.min() == pilot.max():
            return cls(False, 0.0, 1.0, float(pilot[0]) if pilot.size else 0.0)
        log = bool(pilot.min() > 0)
        t = np.log(pilot) if log else pilot
        a, b = np.quantile(t, [1e-4, 1 - 1e-4])
        pad = 0.5 * (b - a) if b > a else 1.0
        return cls(log, float(a - pad), float(b + pad))

    def index(self, values: np.ndarray) -> np.ndarray:
        """Bin index 0..BINS+1 (0 = underflow, BINS + 1 = overflow)."""
        if self.log:  # values <= 0 lie below a log binning: underflow (log gives -inf or NaN there)
            with np.errstate(divide="ignore", invalid="ignore"):
                t = np.nan_to_num(np.log(values), nan=-np.inf)
        else:
            t = values
        x = np.clip((t - self.lo) * (BINS / (self.hi - self.lo)), -1.0, BINS + 1.0)  # no cast of +-inf
        return np.clip(np.floor(x).astype(np.int64) + 1, 0, BINS + 1)

    def edge(self, i: int) -> float:
        """Lower edge of bin i (1..BINS+1), in the output's own units."""
        t = self.lo + (i - 1) * (self.hi - self.lo) / BINS
        return math.exp(t) if self.log else t


@dataclass
class Pass1:
    counts: np.ndarray  # histogram over the bins (empty for a quantity read without order statistics)
    sums: dict[int, float] = field(default_factory=dict)  # aligned block index -> sum
    lo: float = math.inf
    hi: float = -math.inf
    window: list[np.ndarray] = field(default_factory=list)  # values in the predicted bins (any order)
    below: np.ndarray | None = None  # draws below each requested threshold (``reduce_blocks``' ``below``)
    n: int = 0  # values counted

    def merge(self, other: "Pass1") -> "Pass1":
        self.counts += other.counts
        self.sums.update(other.sums)
        self.lo, self.hi = min(self.lo, other.lo), max(self.hi, other.hi)
        self.window.extend(other.window)
        if other.below is not None:
            self.below = other.below.copy() if self.below is None else self.below + other.below
        self.n += other.n
        return self


def pass1(
    binning: Binning | None,
    values: np.ndarray,
    start: int,
    window: np.ndarray | None = None,
    thresholds: tuple[float, ...] = (),
    where: np.ndarray | None = None,
) -> Pass1:
    """Histogram, min/max and aligned-block sums of one chunk starting at draw ``start``
    (the chunk must start and end on SUM_BLOCK boundaries, except at the last draw); with a
    ``window`` (``window_lut``), also the values in its bins; with ``thresholds``, the count of
    values below each. ``where``: the draws of the chunk that belong to the quantity (``values`` then
    holds every draw of the chunk); the sums still follow the draws' aligned blocks, so they do not
    depend on the chunking. ``binning`` None: only the count, min/max and the counts below thresholds."""
    kept = values if where is None else values[where]
    below = np.array([np.count_nonzero(kept < x) for x in thresholds], dtype=np.int64) if thresholds else None
    if binning is None or kept.size == 0:
        counts = np.zeros(0 if binning is None else BINS + 2, dtype=np.int64)
        if kept.size == 0:
            return Pass1(counts, below=below)
        return Pass1(counts, {}, float(kept.min()), float(kept.max()), [], below, int(kept.size))
    index = binning.index(kept)
    counts = np.bincount(index, minlength=BINS + 2)
    step = range(0, values.size, SUM_BLOCK)
    if where is None:
        sums = {(start + i) // SUM_BLOCK: float(values[i : i + SUM_BLOCK].sum()) for i in step}
    else:
        sums = {
            (start + i) // SUM_BLOCK: float(values[i : i + SUM_BLOCK][where[i : i + SUM_BLOCK]].sum()) for i in step
        }
    held = [kept[window[index]]] if window is not None and binning.constant is None else []
    return Pass1(counts, sums, float(kept.min()), float(kept.max()), held, below, int(kept.size))


def window_lut(
    binning: Binning,
    pilot: np.ndarray,
    n: int,
    counts: np.ndarray | None = None,
    log_hdi: bool = False,
    hdi: bool = True,
    ess=None,
) -> np.ndarray | None:
    """Bins (as a boolean lookup table over bin indices) that will hold the order statistics of
    ``needed_ranks(n)`` with overwhelming probability, predicted from the pilot draws: for each
    rank's probability p, the bins of the pilot's order statistics at p -/+ WINDOW_Z sd (numpy's
    'lower' and 'higher' quantiles), where the sd adds the pilot's and the full run's binomial rank
    noise. ``counts``: the pilot's histogram on ``binning`` when already known (read instead of the
    pilot). None when the window would keep more than WINDOW_BUDGET values, or for a constant output.
    ``hdi``: also every bin between the pilot's candidate ends of the 90% HDI of the values, within budget.
    ``ess``: the effective sample size the MCSE ranks are read with (``needed_ranks``)."""
    if binning.constant is not None:
        return None
    if counts is None:
        counts = np.bincount(binning.index(pilot[np.isfinite(pilot)]), minlength=BINS + 2)
    k = int(counts.sum())
    if k < 1000:
        return None
    probs = np.array(needed_ranks(n, ess), dtype=float) / max(n - 1, 1)
    sd = np.sqrt(probs * (1 - probs) * (1.0 / k + 1.0 / n)) + 1.0 / k
    lo = np.floor(np.clip(probs - WINDOW_Z * sd, 0.0, 1.0) * (k - 1))  # ranks of the pilot's order statistics
    hi = np.ceil(np.clip(probs + WINDOW_Z * sd, 0.0, 1.0) * (k - 1))
    cum = np.cumsum(counts)
    first, last = np.searchsorted(cum, lo, side="right"), np.searchsorted(cum, hi, side="right")
    lut = np.zeros(BINS + 2, dtype=bool)
    for a, b in zip(first, last):
        lut[a : b + 1] = True
    finite = pilot[np.isfinite(pilot)]
    if log_hdi and binning.log and finite.size and float(finite.min()) > 0:  # and the log-HDI ends' bins
        ends = hdi_bins(binning, counts, float(finite.min()), float(finite.max()), k, True)
        lut[np.clip(ends[:, None] + np.arange(-HDI_MARGIN, HDI_MARGIN + 1), 0, BINS + 1)] = True
    if int(counts[lut].sum()) / k * n > WINDOW_BUDGET:  # pilot share of draws in the window, scaled
        return None
    if not hdi:
        return lut
    # the HDI of the values: every bin between the pilot's candidate ends (each end's run of bins, widened
    # by its own length and a margin: a skewed output's candidates spread further over all the draws than
    # over the pilot's), kept in this window while it stays within budget (else the run with the margin
    # alone, else none); bins outside it are read in a second pass
    ends = hdi_bins(binning, counts, float(finite.min()), float(finite.max()), k, False)
    runs = np.split(ends, np.nonzero(np.diff(ends) > 4 * HDI_MARGIN)[0] + 1) if ends.size else []
    for widen in (1, 0):
        grown = lut.copy()
        for run in runs:
            pad = HDI_MARGIN + widen * int(run[-1] - run[0])
            grown[max(0, int(run[0]) - pad) : int(run[-1]) + pad + 1] = True
        if int(counts[grown].sum()) / k * n <= WINDOW_BUDGET:
            return grown
    return lut


def _edges(binning: Binning, lo: float, hi: float, log_space: bool) -> tuple[np.ndarray, np.ndarray]:
    """Lower and upper edge of every bin 0..BINS+1, in log(value) (``log_space``: a log binning) or in
    the value itself (under/overflow: out to the extreme draws ``lo``, ``hi``)."""
    w = (binning.hi - binning.lo) / BINS
    i = np.arange(BINS + 2, dtype=float)
    lower, upper = binning.lo + (i - 1) * w, binning.lo + i * w  # in the binning's own scale
    lower[0], upper[-1] = -np.inf, np.inf
    if binning.log and not log_space:
        lower, upper = np.exp(lower), np.exp(upper)
    lo_t, hi_t = (math.log(lo), math.log(hi)) if log_space else (lo, hi)
    lower[0], upper[-1] = min(lo_t, upper[0]), max(hi_t, lower[-1])
    return lower, upper


def hdi_bins(
    binning: Binning, counts: np.ndarray, lo: float, hi: float, n: int, log_space: bool, prob: float = HDI_PROB
) -> np.ndarray:
    """Every bin that can hold an end of the narrowest interval (of log(values) with ``log_space``, else of
    the values) holding ``floor(prob n)`` + 1 draws (``summary.hdi`` on the sorted draws), from the
    histogram: for each bin b of candidate starts, the bins its ends fall in follow from the counts
    (ranks), so the width is bounded below and above by bin edges; a bin whose lower bound exceeds the
    smallest upper bound cannot hold the HDI. Exact: the HDI's start and end lie in the bins returned."""
    keep = int(math.floor(prob * n))
    starts = n - keep  # start ranks 0 .. starts - 1
    cum = np.concatenate([[0], np.cumsum(counts)])  # bin b holds ranks [cum[b], cum[b + 1])
    b = np.nonzero((counts > 0) & (cum[:-1] < starts))[0]
    if b.size == 0:
        return np.empty(0, dtype=np.int64)
    first, last = cum[b], np.minimum(cum[b + 1], starts) - 1
    end_first = np.searchsorted(cum, first + keep, side="right") - 1
    end_last = np.searchsorted(cum, last + keep, side="right") - 1
    lower, upper = _edges(binning, lo, hi, log_space)
    slack = 1e-9 * max(1.0, float(np.max(np.abs(upper[np.isfinite(upper)]))))  # edges from floating point
    lowest = lower[end_first] - upper[b] - slack
    highest = upper[end_last] - lower[b] + slack
    pick = lowest <= highest.min()
    mark = np.zeros(BINS + 3, dtype=np.int64)
    np.add.at(mark, end_first[pick], 1)
    np.add.at(mark, end_last[pick] + 1, -1)
    ends = np.nonzero(np.cumsum(mark)[: BINS + 2] > 0)[0]
    return np.union1d(b[pick], ends)


def log_hdi_bins(
    binning: Binning, counts: np.ndarray, lo: float, hi: float, n: int, prob: float = HDI_PROB
) -> np.ndarray:
    """``hdi_bins`` of log(values)."""
    return hdi_bins(binning, counts, lo, hi, n, True, prob)


def exact_hdi(
    counts: np.ndarray,
    kept_sorted: np.ndarray,
    wanted_bins: np.ndarray,
    n: int,
    log_space: bool,
    prob: float = HDI_PROB,
) -> tuple[float, float]:
    """``summary.hdi`` of log(values) (``log_space``, back on the value scale) or of the values, from the
    sorted values of ``wanted_bins`` (which hold every candidate end, ``hdi_bins``): the same draws, the
    same widths and the same first minimum as over all ``n`` sorted draws."""
    bins = np.sort(wanted_bins)
    sizes = counts[bins]
    cum = np.concatenate([[0], np.cumsum(counts)])
    offsets = np.concatenate([[0], np.cumsum(sizes)])
    ranks = np.repeat(cum[bins] - offsets[:-1], sizes) + np.arange(kept_sorted.size)  # global rank of each value
    keep = int(math.floor(prob * n))
    pos = np.searchsorted(ranks, ranks + keep)
    ok = (ranks < n - keep) & (pos < ranks.size)
    ok[ok] = ranks[pos[ok]] == ranks[ok] + keep
    r = np.nonzero(ok)[0]
    t = np.log(kept_sorted) if log_space else kept_sorted
    k = int(np.argmin(t[pos[r]] - t[r]))
    if log_space:  # back from the logs, as summary.log_hdi90_ordered gives it in memory
        return float(np.exp(t[r[k]])), float(np.exp(t[pos[r[k]]]))
    return float(kept_sorted[r[k]]), float(kept_sorted[pos[r[k]]])


def exact_log_hdi(
    counts: np.ndarray, kept_sorted: np.ndarray, wanted_bins: np.ndarray, n: int, prob: float = HDI_PROB
) -> tuple[float, float]:
    """``exact_hdi`` of log(values), back on the value scale."""
    return exact_hdi(counts, kept_sorted, wanted_bins, n, True, prob)


def covered(p1: Pass1, wanted_bins: np.ndarray, window: np.ndarray | None) -> bool:
    """True when pass 1 kept every value in ``wanted_bins``, so pass 2 can be skipped."""
    return window is not None and bool(np.all(window[wanted_bins]))


def from_window(binning: Binning, p1: Pass1, wanted_bins: np.ndarray) -> np.ndarray:
    """What pass 2 would have collected, from pass 1's window values (same values, any order)."""
    values = np.concatenate(p1.window) if p1.window else np.empty(0)
    return pass2(binning, values, wanted_bins)


def needed_ranks(n: int, ess=None) -> list[int]:
    """0-based order statistics behind p05/p50/p95 (linear interpolation) and their MCSE, read with the
    effective sample size ``ess`` (None: ``n``; a posterior's ``{prob: ess}``: ``summary.mcse_ranks``)."""
    ranks = set()
    for q in PROBS:
        h = (n - 1) * q
        ranks.update({int(math.floor(h)), int(math.ceil(h))})
        ranks.update(mcse_ranks(n, q, ess))
    return sorted(ranks)


def bins_for_ranks(counts: np.ndarray, ranks: list[int]) -> np.ndarray:
    """Which bins hold the given order statistics."""
    cum = np.cumsum(counts)
    return np.unique(np.searchsorted(cum, np.asarray(ranks), side="right"))


def pass2(binning: Binning, values: np.ndarray, wanted_bins: np.ndarray, where: np.ndarray | None = None) -> np.ndarray:
    """The values (those ``where`` holds, if given) that fall in ``wanted_bins``."""
    if where is not None:
        values = values[where]
    if binning.constant is not None:  # a fixed output: its order statistics are its value
        return values[:0]
    lut = np.zeros(BINS + 2, dtype=bool)  # a table lookup: np.isin sorts the indices
    lut[wanted_bins] = True
    return values[lut[binning.index(values)]]


def finish(
    binning: Binning, p1: Pass1, kept: np.ndarray, wanted_bins: np.ndarray, n: int, unit: str, ess=None
) -> Summary:
    """Exact order statistics from the kept values, the MCSE with ``ess`` as ``summary.quantile_mcse``
    reads it; HDI from the histogram."""
    mean = math.fsum(p1.sums[k] for k in sorted(p1.sums)) / n
    if binning.constant is not None:
        if p1.lo != p1.hi:
            raise ValueError(
                "an output that was constant over the first draws varies later; "
                "summarise it in memory (fewer draws, or stream=False)"
            )
        c = binning.constant
        return Summary(unit, c, c, c, c, (c, c), 0.0, 0.0, 0.0, n)
    cum = np.concatenate([[0], np.cumsum(p1.counts)])  # cum[b] = draws in bins < b
    kept = np.sort(kept)
    bins_of_kept = np.sort(wanted_bins)
    # offset of each wanted bin's first value among the kept ones
    sizes = p1.counts[bins_of_kept]
    offsets = np.concatenate([[0], np.cumsum(sizes)])

    def order_stat(r: int) -> float:
        b = int(np.searchsorted(cum[1:], r, side="right"))
        j = int(np.searchsorted(bins_of_kept, b))
        return float(kept[offsets[j] + (r - cum[b])])

    def quantile(q: float) -> float:
        h = (n - 1) * q
        lo, hi = order_stat(int(math.floor(h))), order_stat(int(math.ceil(h)))
        return lo + (h - math.floor(h)) * (hi - lo)

    def mcse(q: float) -> float:
        lo, hi = mcse_ranks(n, q, ess)
        return (order_stat(hi) - order_stat(lo)) / 2

    return Summary(
        unit,
        mean,
        quantile(0.5),
        quantile(0.05),
        quantile(0.95),
        histogram_hdi(binning, p1, n),
        mcse(0.05),
        mcse(0.5),
        mcse(0.95),
        n,
    )


def histogram_hdi(binning: Binning, p1: Pass1, n: int, prob: float = HDI_PROB) -> tuple[float, float]:
    """Narrowest run of bins [i, j) holding >= prob of the draws (under/overflow use min/max)."""
    cum = np.concatenate([[0], np.cumsum(p1.counts)])
    need = math.ceil(prob * n)
    # for each start bin i, the first end j with cum[j] - cum[i] >= need
    j = np.searchsorted(cum, cum[:-1] + need, side="left")
    ok = j < cum.size
    i = np.nonzero(ok)[0]
    j = j[ok]
    edges = np.array([p1.lo] + [binning.edge(b) for b in range(1, BINS + 2)] + [p1.hi])
    width = edges[j] - edges[i]
    k = int(np.argmin(width))
    return float(max(edges[i[k]], p1.lo)), float(min(edges[j[k]], p1.hi))


def spans_decade(binning: Binning, p1: Pass1, summary: Summary) -> bool:
    """Whether the 90% HDI of log(values) is the one to read (``summary.log_hdi90_ordered``): every
    draw positive and the band (p05-p95) more than a decade wide."""
    if binning.constant is not None or not binning.log or not p1.lo > 0 or not summary.p05 > 0:
        return False
    return math.log(summary.p95) - math.log(summary.p05) > math.log(DECADE)


@dataclass(frozen=True)
class Reduced:
    """What one pass over all the draws of a quantity gives: its summary (exact quantiles and MCSE,
    exact 90% HDI unless the quantity asked for quantiles only; None for a quantity read without order
    statistics), the draws below each requested threshold, (min, max) of all its draws, the 90% HDI of
    log(values) (``log_hdi``) and its number of draws."""

    summary: Summary | None
    below: dict[float, int]
    extent: tuple[float, float]
    log_hdi90: tuple[float, float] | None
    draws: int = 0


ORDER = ("hdi", "quantiles", "count")  # what a quantity reads off its draws (``reduce_blocks``' ``order``)


def reduce_blocks(
    evaluate,
    draws: int,
    keep: int,
    first: dict,
    units: dict[str, str],
    mapper,
    task: int,
    chunk: int,
    progress=None,
    pilots: dict[str, np.ndarray] | None = None,
    below: dict[str, tuple[float, ...]] | None = None,
    log_hdi: bool = False,
    order: dict[str, str] | None = None,
    ess: dict | None = None,
) -> dict[str, Reduced | None]:
    """The reductions of quantities computed block by block over draws [0, draws), in one pass when
    the predicted windows cover the wanted bins (``covered``), else two: every quantity's summary,
    extent and log-scale HDI, and the count of its draws below each of ``below[name]``.

    ``first``: the quantities of the draws [0, keep) already in memory (``keep`` a multiple of
    SUM_BLOCK, or all the draws: then nothing is evaluated and the draws in memory are one block);
    they count in pass 1 without being evaluated again and set the binnings (or ``pilots[name]``
    does) and windows. ``evaluate(start, m)`` returns the quantities of draws [start, start + m). A
    quantity is a 1-d array, or ``(values, where)``: the values of every draw of the block and the
    boolean mask of those that belong to it (the draws in a tail, the finite ratios); its N is then its
    own count, its binning is set by all the values of ``first`` (unless ``pilots`` names one) and its
    sums follow the draws' aligned blocks, so its mean does not depend on the blocks either.
    ``mapper(fn, items)`` maps over (start, m) tasks of ``task`` draws (a multiple of SUM_BLOCK), each
    evaluated in chunks of ``chunk``. Raises ``NonFinite`` (with the first block holding one) when a
    quantity has a NaN or infinite value. A quantity with no values: None.

    ``order[name]`` (default "hdi"): "hdi" reads the summary with its exact 90% HDI; "quantiles" the
    exact mean, quantiles and MCSE (its HDI is the histogram's, ``histogram_hdi``); "count" no order
    statistics (``Reduced.summary`` None), only the count, extent and counts below thresholds.
    ``ess[name]``: the effective sample size its MCSE is read with (a calibrated posterior's
    ``{prob: ess}``, ``Plan.mcse_ess``; default the quantity's own N), as ``summary.quantile_mcse`` does.

    ``log_hdi``: also the exact 90% HDI of log(values) of every positive quantity whose band spans
    more than a decade (as ``summary.log_hdi90_ordered`` gives it in memory): the bins that can hold
    its ends (``log_hdi_bins``) join the bins whose values are kept, predicted from the pilot."""

    order = {n: (order or {}).get(n, "hdi") for n in first}
    ess = {n: (ess or {}).get(n) for n in first}
    thresholds = {n: tuple(float(x) for x in (below or {}).get(n, ())) for n in first}
    binnings, p1, windows = _first_block(first, pilots or {}, order, ess, thresholds, (draws, keep), log_hdi)
    tasks = [(s, min(task, draws - s)) for s in range(keep, draws, task)]
    one_pass = all(w is not None or _no_window_needed(binnings[n]) for n, w in windows.items())
    share = 1.0 if one_pass else 0.5
    if progress is not None and keep:
        progress(int(keep * share))
    for part in mapper(partial(_part1, evaluate, binnings, windows, chunk, thresholds), tasks):
        p1 = {n: p1[n].merge(part[0][n]) for n in p1}
        if progress is not None:
            progress(int(part[1] * share))
    wanted = {n: _wanted_bins(binnings[n], p1[n], log_hdi, order[n], ess[n]) for n in p1}
    if all(_no_window_needed(binnings[n]) or covered(p1[n], wanted[n], windows[n]) for n in p1):
        kept = {n: from_window(binnings[n], p1[n], wanted[n]) for n in p1 if binnings[n] is not None}
    else:
        read = {n: b for n, b in binnings.items() if b is not None}
        collected = {n: [pass2(read[n], _split(first[n])[0], wanted[n], _split(first[n])[1])] for n in read}
        for part in mapper(partial(_part2, evaluate, read, wanted, chunk), tasks):
            for n, v in part[0].items():
                collected[n].append(v)
            if progress is not None:
                progress(part[1] - int(part[1] * share))
        kept = {n: np.concatenate(v) for n, v in collected.items()}
    return {
        n: _reduced(
            binnings[n], p1[n], kept.get(n), wanted[n], units.get(n, ""), thresholds[n], log_hdi, order[n], ess[n]
        )
        for n in p1
    }


def _split(value) -> tuple[np.ndarray, np.ndarray | None]:
    """A quantity as (values, where): ``where`` None when every value belongs to it."""
    return value if isinstance(value, tuple) else (value, None)


def _no_window_needed(binning: Binning | None) -> bool:
    return binning is None or binning.constant is not None


def _first_block(first: dict, pilots: dict, order: dict, ess: dict, thresholds: dict, sizes: tuple, log_hdi: bool):
    """Binnings (None: no order statistics), pass 1 over ``first`` and the predicted windows (with the
    first block's own values in them). ``sizes``: (all the draws, those of ``first``)."""
    draws, keep = sizes
    binnings, p1, windows = {}, {}, {}
    for n, value in first.items():
        values, where = _split(value)
        binnings[n] = None if order[n] == "count" else Binning.from_pilot(pilots.get(n, values))
        with np.errstate(all="ignore"):
            p1[n] = pass1(binnings[n], values, 0, thresholds=thresholds[n], where=where)
        if p1[n].n and not (math.isfinite(p1[n].lo) and math.isfinite(p1[n].hi)):
            raise NonFinite(n, 0)
        mine = values if where is None else values[where]
        windows[n] = (
            None
            if binnings[n] is None
            else window_lut(
                binnings[n],
                mine,
                max(1, round(mine.size * draws / max(keep, 1))),
                p1[n].counts,
                log_hdi=log_hdi,
                hdi=order[n] == "hdi",
                ess=ess[n],
            )
        )
        if windows[n] is not None and mine.size:
            p1[n].window.append(mine[windows[n][binnings[n].index(mine)]])
    return binnings, p1, windows


def _wanted_bins(binning: Binning | None, p1: Pass1, log_hdi: bool, order: str, ess=None) -> np.ndarray:
    """The bins whose values the summary reads: those of the quantiles and their MCSE ranks, and those
    that can hold the HDI's ends (of the values, with "hdi"; of their logs, with ``log_hdi``)."""
    if binning is None or not p1.n:
        return np.empty(0, dtype=np.int64)
    wanted = bins_for_ranks(p1.counts, needed_ranks(p1.n, ess))
    if binning.constant is not None:
        return wanted
    spaces = ([False] if order == "hdi" else []) + ([True] if log_hdi and binning.log and p1.lo > 0 else [])
    for log_space in spaces:  # outside the first pass's window: read in a second
        wanted = np.union1d(wanted, hdi_bins(binning, p1.counts, p1.lo, p1.hi, p1.n, log_space))
    return wanted


def _reduced(binning, p1: Pass1, kept, wanted, unit: str, thresholds, log_hdi: bool, order: str, ess) -> Reduced | None:
    counts = p1.below if p1.below is not None else np.zeros(len(thresholds), dtype=np.int64)
    below = dict(zip(thresholds, (int(c) for c in counts)))
    if binning is None:
        return Reduced(None, below, (p1.lo, p1.hi), None, p1.n)
    if not p1.n:
        return None
    summary = finish(binning, p1, kept, wanted, p1.n, unit, ess)
    ordered = np.sort(kept)
    if binning.constant is None and order == "hdi":  # the exact HDI of the values, as in memory
        summary = replace(summary, hdi90=exact_hdi(p1.counts, ordered, wanted, p1.n, False))
    band = exact_log_hdi(p1.counts, ordered, wanted, p1.n) if log_hdi and spans_decade(binning, p1, summary) else None
    return Reduced(summary, below, (p1.lo, p1.hi), band, p1.n)


class NonFinite(ValueError):
    """A streamed quantity is NaN or infinite; ``start`` is the first draw of the block holding it."""

    def __init__(self, name: str, start: int):
        super().__init__(f"{name} is NaN or infinite in the block starting at draw {start}")
        self.name, self.start = name, start


def _part1(evaluate, binnings, windows, chunk: int, thresholds: dict, start: int, m: int):
    merged = None
    for s0 in range(start, start + m, chunk):
        y = evaluate(s0, min(chunk, start + m - s0))
        with np.errstate(all="ignore"):
            part = {n: _pass1_of(binnings[n], v, s0, windows[n], thresholds.get(n, ())) for n, v in y.items()}
        for n, p in part.items():
            if p.n and not (math.isfinite(p.lo) and math.isfinite(p.hi)):
                raise NonFinite(n, s0)
        merged = part if merged is None else {n: merged[n].merge(part[n]) for n in merged}
    return merged, m


def _pass1_of(binning, value, start: int, window, thresholds) -> Pass1:
    values, where = _split(value)
    return pass1(binning, values, start, window, thresholds, where)


def _part2(evaluate, binnings, wanted, chunk: int, start: int, m: int):
    kept: dict[str, list[np.ndarray]] = {n: [] for n in binnings}
    for s0 in range(start, start + m, chunk):
        for n, v in evaluate(s0, min(chunk, start + m - s0)).items():
            if n in binnings:
                values, where = _split(v)
                kept[n].append(pass2(binnings[n], values, wanted[n], where))
    return {n: np.concatenate(v) if v else np.empty(0) for n, v in kept.items()}, m

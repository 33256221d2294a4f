"""Partition-based summaries give the same numbers as a full sort, bit for bit (issue 13).

The reference is the summary of ``np.sort(values)`` read with the sorted-array functions
(``sorted_quantile``, ``quantile_mcse``, ``hdi``) that ``summarize`` used on a full sort before.
"""

import numpy as np
import pytest

from flopcast.summary import (
    PROBS,
    hdi,
    mcse_ranks,
    order_statistics,
    quantile_mcse,
    quantile_ranks,
    sorted_quantile,
    summarize,
)


def full_sort_summary(values: np.ndarray) -> dict:
    s = np.sort(values)
    p05, p50, p95 = (sorted_quantile(s, q) for q in PROBS)
    return {
        "mean": float(s.mean()),
        "median": p50,
        "p05": p05,
        "p95": p95,
        "hdi90": hdi(s),
        "mcse_p05": quantile_mcse(s, 0.05),
        "mcse_p50": quantile_mcse(s, 0.5),
        "mcse_p95": quantile_mcse(s, 0.95),
        "draws": s.size,
    }


def _ties(rng, n):
    return rng.integers(0, 5, n).astype(float)


def _tail_ties(rng, n):  # ties exactly where the HDI and the tails are read
    return np.round(rng.lognormal(0.0, 2.0, n), 1)


# (name, generator of n draws from a seeded rng): heavy tails, ties, constants, negatives
ARRAYS = [
    ("normal", lambda rng, n: rng.normal(size=n)),
    ("lognormal sigma 3", lambda rng, n: rng.lognormal(0.0, 3.0, n)),
    ("cauchy", lambda rng, n: rng.standard_cauchy(n)),
    ("pareto 0.7", lambda rng, n: rng.pareto(0.7, n)),
    ("five values", _ties),
    ("rounded lognormal", _tail_ties),
    ("constant", lambda rng, n: np.full(n, 3.25)),
    ("bimodal", lambda rng, n: np.where(rng.random(n) < 0.3, rng.normal(-5, 1, n), rng.normal(5, 0.5, n))),
]
SIZES = [1, 2, 3, 10, 63, 64, 65, 100, 1_001, 20_000, 200_003]


@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("name, make", ARRAYS, ids=[a[0] for a in ARRAYS])
def test_same_numbers_as_a_full_sort(name, make, n):
    values = make(np.random.default_rng(n), n)
    got = summarize(values).as_dict()
    want = full_sort_summary(values)
    for field in ("median", "p05", "p95", "mcse_p05", "mcse_p50", "mcse_p95", "draws"):
        same_nan = field.startswith("mcse") and np.isnan(got[field]) and np.isnan(want[field])
        assert got[field] == want[field] or same_nan, (field, got[field], want[field])
    if n == 1:  # one draw: no Monte Carlo error can be read (NaN, null in JSON), never 0
        assert all(np.isnan(got[f]) for f in ("mcse_p05", "mcse_p50", "mcse_p95"))
    assert tuple(got["hdi90"]) == want["hdi90"]
    # the mean is summed in draw order now, not sorted order: equal up to summation rounding,
    # which pairwise summation bounds by ~ log2(n) eps mean(|x|)
    assert got["mean"] == pytest.approx(want["mean"], rel=0, abs=1e-13 * np.abs(values).mean() + 1e-300)


@pytest.mark.parametrize("n", [64, 1_000, 99_999])
def test_order_statistics_agree_with_sort_at_every_rank_read(n):
    values = np.random.default_rng(7).lognormal(0.0, 2.5, n)
    s, o = np.sort(values), order_statistics(values)
    tail = n - int(np.floor(0.9 * n))
    np.testing.assert_array_equal(o[:tail], s[:tail])
    np.testing.assert_array_equal(o[n - tail :], s[n - tail :])
    for q in PROBS:
        for r in (*quantile_ranks(n, q), *mcse_ranks(n, q)):
            assert o[r] == s[r]
    assert np.array_equal(np.sort(o), s)  # a permutation of the draws
    assert not np.shares_memory(o, values)


def test_input_left_untouched():
    values = np.random.default_rng(3).normal(size=5_000)
    before = values.copy()
    summarize(values)
    np.testing.assert_array_equal(values, before)


# monotone maps the summary path applies to order statistics instead of re-partitioning the draws:
# float32 rounding (report.run.float32_safe) and log (analyze.headlines.log_hdi90)
MONOTONE = [
    ("float32", lambda v: v.astype(np.float32).astype(float), lambda v: v),
    ("log", np.log, lambda v: np.abs(v) + 1e-3),
]


@pytest.mark.parametrize("n", [2, 64, 1_001, 200_003])
@pytest.mark.parametrize("name, make", ARRAYS, ids=[a[0] for a in ARRAYS])
@pytest.mark.parametrize("map_name, f, domain", MONOTONE, ids=[m[0] for m in MONOTONE])
def test_monotone_map_of_order_statistics_equals_summary_of_mapped_draws(map_name, f, domain, name, make, n):
    from flopcast.summary import summarize_ordered

    values = domain(make(np.random.default_rng(n), n))
    mapped = f(values)
    got = summarize_ordered(f(order_statistics(values)), mapped.mean())
    want = summarize(mapped)
    assert got.draws == want.draws
    for a, b in zip(_flat(got), _flat(want)):  # bit for bit (NaN MCSE for one draw on both sides)
        assert a == b or (np.isnan(a) and np.isnan(b)), (a, b)


def _flat(s):
    d = s.as_dict()
    return [*(d[k] for k in ("mean", "median", "p05", "p95", "mcse_p05", "mcse_p50", "mcse_p95")), *d["hdi90"]]


def test_float32_check_agrees_with_summarizing_the_float32_draws():
    """report.run.float32_safe decides from one partition what summarizing the float32 copy decides."""
    from flopcast.report.run import _printed, float32_safe

    rng = np.random.default_rng(11)
    for values in (rng.lognormal(20.0, 2.0, 50_001), rng.normal(1.0, 1e-9, 50_001), np.full(10, 1 / 3)):
        s = summarize(values, "u")
        want = _printed(s) == _printed(summarize(values.astype(np.float32), "u"))
        assert float32_safe(values, s) is want
    assert float32_safe(rng.lognormal(20.0, 2.0, 1_000), None) is True  # inputs: range only
    # a narrow band: float32's 6e-8 relative step moves printed digits, so the draws stay float64
    narrow = rng.normal(1.0, 1e-9, 50_001)
    assert float32_safe(narrow, summarize(narrow, "u")) is False


@pytest.mark.parametrize("n", [64, 1_001, 200_003])
@pytest.mark.parametrize("name, make", ARRAYS, ids=[a[0] for a in ARRAYS])
def test_one_partition_gives_what_separate_passes_give(name, make, n):
    """summarize_output (the engine's summary stage) equals summarize, summarize of the float32 copy
    and the log-scale HDI computed from a full sort of log(values), bit for bit."""
    from flopcast.summary import DECADE, summarize_output

    values = make(np.random.default_rng(n), n)
    got = summarize_output(values, "u")
    assert got.summary == summarize(values, "u")
    assert _flat(got.float32) == _flat(summarize(values.astype(np.float32), "u"))  # n >= 64: no NaN MCSE
    if np.all(values > 0):
        s = np.sort(np.log(values))
        spans = sorted_quantile(s, 0.95) - sorted_quantile(s, 0.05) > np.log(DECADE)
        assert got.log_hdi90 == (tuple(float(np.exp(v)) for v in hdi(s)) if spans else None)
    else:
        assert got.log_hdi90 is None

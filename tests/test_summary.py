"""Partition-based summaries give the same numbers as a full sort, bit for bit (issue 13).

The reference is the summary of ``np.sort(values)`` read with the sorted-array functions
(``sorted_quantile``, ``quantile_mcse``, ``hdi``) that ``summarize`` used on a full sort before.
"""

import numpy as np
import pytest

from flopcast.summary import PROBS, hdi, mcse_ranks, order_statistics, quantile_mcse, quantile_ranks, sorted_quantile, summarize


def full_sort_summary(values: np.ndarray) -> dict:
    s = np.sort(values)
    p05, p50, p95 = (sorted_quantile(s, q) for q in PROBS)
    return {"mean": float(s.mean()), "median": p50, "p05": p05, "p95": p95, "hdi90": hdi(s),
            "mcse_p05": quantile_mcse(s, 0.05), "mcse_p50": quantile_mcse(s, 0.5),
            "mcse_p95": quantile_mcse(s, 0.95), "draws": s.size}


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
    np.testing.assert_array_equal(o[n - tail:], s[n - tail:])
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

"""The scipy.special-only beta inverse and fit (priors/families/_beta_inverse.py), against the exact
``special.betainc`` / ``special.betaincinv`` (closed forms of the CDF and its inverse)."""

import numpy as np
import pytest
from scipy import special

from flopcast.priors.families._beta_inverse import U_HIGH, U_LOW, BetaInverse, fast_beta_inverse, fit_quantiles

# (alpha, beta, largest |F(x) - u| allowed): bundled fits, skewed, flat, near-degenerate shapes
SHAPES = [
    (11.008967896354964, 16.815496298876777, 1e-12),  # plappert-2024 training utilization, ci90 [0.25, 0.55]
    (5.935205056463736, 9.220912301373325, 1e-12),  # ci90 [0.2, 0.6]
    (1.0, 1.0, 1e-12),  # uniform: x = u
    (1.0, 400.0, 1e-12),
    (200.0, 3.0, 1e-12),  # UNU.RAN's PINV gives up on this one
    (1.5, 1.2, 1e-12),
    (10561.4, 15516.4, 1e-12),  # ci90 [0.40, 0.41]
]


@pytest.mark.parametrize("a, b, tol", SHAPES)
def test_u_error_in_the_bulk_and_both_tails(a, b, tol):
    f = BetaInverse(a, b)
    bulk = np.random.default_rng(0).random(200_000) + U_LOW
    tails = np.concatenate([np.geomspace(U_LOW, 1e-3, 5_000), 1.0 - np.geomspace(2.0**-53, 1e-3, 5_000)])
    for u in (bulk, tails):
        x = f(u)
        assert np.all((x >= 0) & (x <= 1))
        assert np.max(np.abs(special.betainc(a, b, x) - u)) < tol


@pytest.mark.parametrize("a, b, tol", SHAPES)
def test_monotone_on_a_dense_grid(a, b, tol):
    x = BetaInverse(a, b)(np.linspace(U_LOW, U_HIGH, 1_000_001))
    assert np.all(np.diff(x) >= 0)


def test_uniform_is_the_identity_and_ends_beyond_the_table_are_exact():
    u = np.linspace(U_LOW, U_HIGH, 10_001)
    np.testing.assert_allclose(BetaInverse(1.0, 1.0)(u), u, rtol=0, atol=1e-12)  # Beta(1, 1): F^-1(u) = u
    f = BetaInverse(3.0, 4.0)
    edge = np.array([1e-300, 1e-200, 1.0 - 1e-17, 0.0, 1.0])  # beyond what the design draws: betaincinv itself
    np.testing.assert_array_equal(f(edge), special.betaincinv(3.0, 4.0, edge))


def test_shapes_below_one_use_the_exact_inverse():
    assert fast_beta_inverse(0.5, 2.0) is None and fast_beta_inverse(2.0, 0.9) is None


# (lo, hi, p_lo, p_hi): the fit puts the quantiles p_lo, p_hi on lo, hi
FITS = [
    (0.25, 0.55, 0.05, 0.95),
    (0.2, 0.6, 0.05, 0.95),
    (0.01, 0.05, 0.05, 0.95),
    (0.9, 0.999, 0.05, 0.95),
    (0.4, 0.41, 0.05, 0.95),
    (1e-4, 0.5, 0.05, 0.95),
    (0.1, 0.3, 0.1, 0.9),
]


@pytest.mark.parametrize("lo, hi, p_lo, p_hi", FITS)
def test_fit_hits_both_quantiles(lo, hi, p_lo, p_hi):
    a, b = fit_quantiles(lo, hi, p_lo, p_hi)
    np.testing.assert_allclose(special.betaincinv(a, b, [p_lo, p_hi]), [lo, hi], rtol=1e-12)


def test_fit_of_a_symmetric_interval_is_symmetric():
    a, b = fit_quantiles(0.3, 0.7, 0.05, 0.95)  # symmetric about 1/2: alpha = beta
    assert a == pytest.approx(b, rel=1e-12)

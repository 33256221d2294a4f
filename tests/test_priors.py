"""Prior families: parametrizations, inverse CDFs, and agreement with scipy.stats and PyMC."""

import numpy as np
import pytest
from scipy import stats

from flopcast.priors.errors import InputError
from flopcast.priors.families import FAMILIES, Beta, LogNormal, LogUniform, Normal, Pert, Triangular, Uniform

U = np.linspace(0.001, 0.999, 999)

# (distribution, the same law in scipy.stats) — closed-form references
SCIPY = [
    (Uniform(2.0, 5.0), stats.uniform(2.0, 3.0)),
    (LogUniform(1.0, 1000.0), stats.loguniform(1.0, 1000.0)),
    (Normal(1.0, 2.0), stats.norm(1.0, 2.0)),
    (LogNormal(0.5, 0.8), stats.lognorm(0.8, scale=np.exp(0.5))),
    (Beta(2.0, 5.0), stats.beta(2.0, 5.0)),
    (Triangular(1.0, 2.0, 8.0), stats.triang(1 / 7, loc=1.0, scale=7.0)),
    (Pert(1.0, 2.0, 8.0), stats.beta(1 + 4 / 7, 1 + 24 / 7, loc=1.0, scale=7.0)),
]


@pytest.mark.parametrize("dist, ref", SCIPY, ids=[d.family for d, _ in SCIPY])
def test_ppf_and_cdf_match_scipy(dist, ref):
    np.testing.assert_allclose(dist.ppf(U), ref.ppf(U), rtol=1e-9, atol=1e-12)
    x = ref.ppf(U)
    np.testing.assert_allclose(dist.cdf(x), U, rtol=1e-7, atol=1e-9)


# (family, ci90, tolerance on the fitted percentiles)
CI90 = [
    (Normal, (-3.0, 7.0), 1e-12),
    (LogNormal, (5e9, 60e9), 1e-12),
    (Beta, (0.2, 0.6), 1e-6),
    (Beta, (0.01, 0.05), 1e-6),
    (Beta, (0.9, 0.999), 1e-6),
]


@pytest.mark.parametrize("cls, ci90, rtol", CI90)
def test_ci90_lands_on_the_5th_and_95th_percentiles(cls, ci90, rtol):
    dist = cls.from_ci90(ci90)
    np.testing.assert_allclose(dist.ppf(np.array([0.05, 0.95])), ci90, rtol=rtol)


# (dist, PyMC draws compared at these quantiles, relative tolerance for 20k draws)
PYMC = [
    (LogNormal.from_ci90((5e9, 60e9)), 0.05),
    (Beta.from_ci90((0.2, 0.6)), 0.05),
    (Triangular(1.0, 2.0, 8.0), 0.05),
    (Pert(1.0, 2.0, 8.0), 0.05),
    (LogUniform(1.0, 100.0), 0.08),
    (Uniform(2.0, 5.0), 0.05),
]


@pytest.mark.parametrize("dist, rtol", PYMC, ids=[d.family for d, _ in PYMC])
def test_pymc_variable_is_the_same_distribution(dist, rtol):
    import pymc as pm

    with pm.Model():
        rv = dist.to_pymc("x")
    draws = pm.draw(rv, draws=20_000, random_seed=3)
    q = np.array([0.1, 0.5, 0.9])
    np.testing.assert_allclose(np.quantile(draws, q), dist.ppf(q), rtol=rtol)


# (family, parameters, fragment of the expected message)
BAD = [
    ("lognormal", {"ci90": [0.0, 5.0]}, "must be > 0"),
    ("lognormal", {"ci90": [5.0, 5.0]}, "must be below"),
    ("loguniform", {"low": -1.0, "high": 5.0}, "must be > 0"),
    ("beta", {"ci90": [0.2, 1.2]}, "inside (0, 1)"),
    ("normal", {"mean": 1.0}, "takes parameters"),
    ("normal", {"mean": 1.0, "sd": 2.0, "extra": 1.0}, "takes parameters"),
    ("triangular", {"low": 1.0, "mode": 9.0, "high": 5.0}, "within [low, high]"),
    ("uniform", {"low": "a", "high": 2.0}, "must be a number"),
]


@pytest.mark.parametrize("family, params, message", BAD)
def test_bad_parameters_name_the_field(family, params, message):
    with pytest.raises(InputError, match=None) as info:
        FAMILIES[family].from_spec(params, "f.toml: priors.x")
    assert message in str(info.value)
    assert str(info.value).startswith("f.toml: priors.x")


# (distribution, tolerance on |F(sample_ppf(u)) - u|)
FAST = [
    (Beta.from_ci90((0.2, 0.6)), 1e-9),
    (Beta(2.0, 5.0), 1e-9),
    (Pert(1.0, 2.0, 8.0), 1e-9),
    (Beta(0.5, 0.5), 1e-11),
]


@pytest.mark.parametrize("dist, u_tol", FAST, ids=[d.describe() for d, _ in FAST])
def test_fast_inverse_is_an_inverse_cdf(dist, u_tol):
    u = np.random.default_rng(0).random(100_000) + 2.0**-54
    np.testing.assert_allclose(dist.cdf(dist.sample_ppf(u)), u, rtol=0, atol=u_tol)

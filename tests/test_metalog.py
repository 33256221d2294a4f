"""Priors from any quantiles (metalog, Keelin 2016) and from an interval holding any mass (ci, mass)."""

import numpy as np
import pytest
from conftest import MINI
from scipy import stats

from flopcast import engine
from flopcast.priors.errors import InputError
from flopcast.priors.families import Beta, LogNormal, Metalog, Normal

U = np.linspace(0.001, 0.999, 999)


def _replace_prior(text: str, name: str, body: str) -> str:
    head = f"[priors.{name}]\n"
    start = text.index(head) + len(head)
    end = text.find("\n[", start)
    return text[:start] + body.strip() + "\n" + (text[end:] if end >= 0 else "")


# A two-term metalog is a logistic (Keelin 2016, section 3): M(y) = a1 + a2 ln(y / (1 - y)); with a
# lower bound 0 it is a log-logistic (scipy's fisk), between 0 and 1 a logit-logistic.
# (quantile pairs, lower, upper, the same law's ppf)
CLOSED = [
    (((0.25, 1.0), (0.75, 3.0)), None, None, stats.logistic(2.0, 1.0 / np.log(3.0)).ppf),
    (((0.1, 5e9), (0.9, 50e9)), 0.0, None, stats.fisk(2 * np.log(9) / np.log(10), scale=np.sqrt(5e9 * 50e9)).ppf),
    (
        ((0.2, 0.3), (0.8, 0.6)),
        0.0,
        1.0,
        lambda u: (
            1
            / (
                1
                + np.exp(
                    -(
                        stats.logistic(0.0, 1.0).ppf(u) * (np.log(1.5) + np.log(7 / 3)) / (2 * np.log(4))
                        + (np.log(1.5) - np.log(7 / 3)) / 2
                    )
                )
            )
        ),
    ),
]


@pytest.mark.parametrize("pairs, lower, upper, ref", CLOSED)
def test_two_term_metalog_is_the_logistic_family(pairs, lower, upper, ref):
    bounds = {k: v for k, v in (("lower", lower), ("upper", upper)) if v is not None}
    m = Metalog.from_quantiles(pairs, **bounds)
    np.testing.assert_allclose(m.ppf(U), ref(U), rtol=1e-10)
    np.testing.assert_allclose(m.cdf(ref(U)), U, rtol=1e-8, atol=1e-10)


# (pairs, lower, upper): k quantiles -> the k-term metalog passes through every one (Keelin 2016, eq. 7)
EXACT = [
    (((0.1, 5e9), (0.5, 17e9), (0.9, 50e9)), 0.0, None),
    (((0.05, 2.0), (0.25, 3.0), (0.5, 3.6), (0.75, 4.5), (0.95, 7.0)), None, None),
    (((0.1, 0.2), (0.5, 0.35), (0.9, 0.6)), 0.0, 1.0),
    (((0.1, 10.0), (0.5, 30.0), (0.99, 90.0)), None, 100.0),
]


@pytest.mark.parametrize("pairs, lower, upper", EXACT)
def test_fit_passes_through_every_quantile_and_sampling_agrees(pairs, lower, upper):
    bounds = {k: v for k, v in (("lower", lower), ("upper", upper)) if v is not None}
    m = Metalog.from_quantiles(pairs, **bounds)
    for p, want, got in m.achieved():
        assert got == pytest.approx(want, rel=1e-9)
        assert float(m.cdf(np.array(want))) == pytest.approx(p, abs=1e-9)
    x = m.sample_ppf(np.random.default_rng(0).random(100_000))
    lo, hi = m.support
    assert np.all((x > lo) & (x < hi))
    np.testing.assert_allclose(np.quantile(x, [p for p, _ in pairs]), [v for _, v in pairs], rtol=0.03)


@pytest.mark.parametrize(
    "pairs, fragment",
    [
        (((0.1, 1.0), (0.2, 10.0), (0.3, 11.0), (0.9, 12.0)), "not increasing"),
        (((0.1, 5.0), (0.9, 1.0)), "must increase"),
        (((0.5, 5.0),), "at least two"),
        (((0.0, 5.0), (0.9, 9.0)), "strictly between 0 and 1"),
    ],
)
def test_impossible_quantiles_are_refused(pairs, fragment):
    with pytest.raises(ValueError, match=fragment):
        Metalog.from_quantiles(pairs)


def test_scenario_quantiles_take_the_inputs_domain(write_scenario):
    text = _replace_prior(MINI, "sora_params", "quantiles = [[0.1, 5e9], [0.5, 17e9], [0.9, 50e9]]")
    text = _replace_prior(text, "video_fraction", 'dist = "metalog"\nquantiles = [[0.1, 0.3], [0.5, 0.5], [0.9, 0.7]]')
    plan = engine.plan_for(str(write_scenario(text)))
    assert plan.dists["sora_params"].support == (0.0, np.inf)  # positive -> log-metalog
    assert plan.dists["video_fraction"].support == (0.0, 1.0)  # fraction -> logit-metalog
    assert plan.points["sora_params"] == pytest.approx(17e9)
    r = engine.run(plan, draws=20_000, seed=1)
    assert np.quantile(r.inputs["sora_params"], 0.9) == pytest.approx(50e9, rel=0.03)


@pytest.mark.parametrize(
    "body, fragment",
    [
        ("quantiles = [[0.1, 0.5], [0.5, 1.0], [0.9, 1.5]]", "strictly inside the bounds"),  # a fraction above 1
        ("quantiles = [[0.1, 0.1], [0.2, 0.5], [0.3, 0.52], [0.9, 0.55]]", "not increasing"),
        ("quantiles = [0.1, 0.5]", "[probability, value] pairs"),
    ],
)
def test_bad_quantiles_in_a_scenario_name_the_field(write_scenario, body, fragment):
    with pytest.raises(InputError) as info:
        engine.plan_for(str(write_scenario(_replace_prior(MINI, "video_fraction", body))))
    assert "priors.video_fraction" in str(info.value) and fragment in str(info.value)


def test_set_takes_quantiles():
    plan = engine.plan_for("plappert-2024", ["sora_params=q0.1=5e9, q0.5=17e9, q0.9=50e9"])
    d = plan.dists["sora_params"]
    assert d.family == "metalog" and d.support[0] == 0.0
    assert [round(got / want, 9) for _, want, got in d.achieved()] == [1.0, 1.0, 1.0]


@pytest.mark.parametrize(
    "text, fragment",
    [
        ("sora_params=q0.1=5e9, 0.5=17e9", "q<probability>=<value>"),
        ("sora_params=q0.1=-1, q0.5=5e9", "strictly inside the bounds"),
    ],
)
def test_bad_set_quantiles_are_refused(text, fragment):
    with pytest.raises(InputError, match=fragment):
        engine.plan_for("plappert-2024", [text])


# (family, ci, mass, tolerance): an equal-tailed interval holding `mass`
MASS = [
    (Normal, (-3.0, 7.0), 0.8, 1e-12),
    (LogNormal, (5e9, 60e9), 0.5, 1e-12),
    (LogNormal, (5e9, 60e9), 0.9, 1e-12),
    (Beta, (0.2, 0.6), 0.8, 1e-6),
    (Beta, (0.01, 0.05), 0.95, 1e-6),
]


@pytest.mark.parametrize("cls, ci, mass, tol", MASS)
def test_ci_with_any_mass(cls, ci, mass, tol):
    d = cls.from_spec({"ci": list(ci), "mass": mass}, "f.toml: priors.x")
    np.testing.assert_allclose(d.ppf(np.array([(1 - mass) / 2, (1 + mass) / 2])), ci, rtol=tol)


def test_ci_mass_of_0_9_is_ci90():
    assert LogNormal.from_spec({"ci": [5e9, 60e9], "mass": 0.9}, "x") == pytest.approx(LogNormal.from_ci90((5e9, 60e9)))


@pytest.mark.parametrize("mass", [0.0, 1.0, 1.5])
def test_mass_outside_0_1_is_refused(mass):
    with pytest.raises(InputError, match="mass must lie strictly between 0 and 1"):
        Normal.from_spec({"ci": [1, 2], "mass": mass}, "f.toml: priors.x")


@pytest.mark.parametrize(
    "pairs, lower, upper, rtol",
    [
        (((0.1, 5e9), (0.5, 17e9), (0.9, 50e9)), 0.0, None, 0.05),
        (((0.1, 0.2), (0.5, 0.35), (0.9, 0.6)), 0.0, 1.0, 0.05),
    ],
)
def test_pymc_variable_is_the_same_distribution(pairs, lower, upper, rtol):
    import pymc as pm

    bounds = {k: v for k, v in (("lower", lower), ("upper", upper)) if v is not None}
    m = Metalog.from_quantiles(pairs, **bounds)
    with pm.Model():
        rv = m.to_pymc("x")
    draws = pm.draw(rv, draws=20_000, random_seed=3)
    q = np.array([p for p, _ in pairs])
    np.testing.assert_allclose(np.quantile(draws, q), m.ppf(q), rtol=rtol)


# Issue 24: a skewed set whose unbounded fit falls near p = 1e-9 is an exact log-metalog on a positive input
# (the same quantiles with lower = 0 fit exactly), so binding it to the input fits it in the bounded space first.
SKEWED = ((0.1, 5e9), (0.5, 12e9), (0.9, 80e9))


def test_skewed_quantiles_fit_in_the_bounded_space():
    with pytest.raises(ValueError, match="not increasing"):
        Metalog.from_quantiles(SKEWED)  # unbounded: refused (the "near p = 1.02e-09")
    bounded = Metalog.from_quantiles(SKEWED, lower=0.0)
    plan = engine.plan_for("plappert-2024", ["sora_params=q0.1=5e9, q0.5=12e9, q0.9=80e9"])
    d = plan.dists["sora_params"]
    assert d.support == (0.0, np.inf) and d.coefficients == bounded.coefficients
    assert [round(got / want, 9) for _, want, got in d.achieved()] == [1.0, 1.0, 1.0]


def test_skewed_quantiles_in_a_scenario_take_the_bounds(write_scenario):
    text = _replace_prior(MINI, "sora_params", "quantiles = [[0.1, 5e9], [0.5, 12e9], [0.9, 80e9]]")
    plan = engine.plan_for(str(write_scenario(text)))
    assert plan.dists["sora_params"].support == (0.0, np.inf)
    assert plan.points["sora_params"] == pytest.approx(12e9)

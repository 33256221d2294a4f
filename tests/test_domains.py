"""Domains: priors, --set values and ranges, headline values checked against the inputs they feed."""

import math
import re

import numpy as np
import pytest
from conftest import MINI

from flopcast import engine
from flopcast.models.spec import DOMAINS
from flopcast.priors.domains import prior_problem, range_prior
from flopcast.priors.errors import InputError
from flopcast.priors.families import FAMILIES


def _replace_prior(text: str, name: str, body: str) -> str:
    """MINI with the [priors.NAME] table's body replaced."""
    head = f"[priors.{name}]\n"
    start = text.index(head) + len(head)
    end = text.find("\n[", start)
    return text[:start] + body.strip() + "\n" + (text[end:] if end >= 0 else "")


# (family, parameters, domain, fits?): the family's support (closed form) against the domain's interval
SUPPORT = [
    ("normal", {"mean": 0.5, "sd": 0.1}, "fraction", False),  # (-inf, inf)
    ("normal", {"mean": 0.5, "sd": 0.1}, "real", True),
    ("lognormal", {"ci90": (0.1, 0.5)}, "fraction", False),  # (0, inf) leaves [0, 1]
    ("lognormal", {"ci90": (0.1, 0.5)}, "positive", True),  # 0 never drawn
    ("lognormal", {"ci90": (2, 8)}, "count", False),  # reaches below 1
    ("beta", {"ci90": (0.2, 0.6)}, "open_fraction", True),  # (0, 1): 0 never drawn
    ("uniform", {"low": 0.0, "high": 0.6}, "fraction", True),  # [0, 0.6] in [0, 1]
    ("uniform", {"low": 0.0, "high": 0.6}, "open_fraction", False),  # 0 can be drawn; (0, 1] excludes it
    ("uniform", {"low": 0.0, "high": 3.0}, "positive", False),
    ("uniform", {"low": 0.0, "high": 3.0}, "nonnegative", True),
    ("uniform", {"low": -0.5, "high": 1.5}, "fraction", False),
    ("pert", {"low": 1, "mode": 2, "high": 8}, "count", True),
    ("triangular", {"low": 0.5, "mode": 2, "high": 8}, "count", False),
    ("loguniform", {"low": 20, "high": 250}, "count", True),
    ("uniform", {"low": 1, "high": 4}, "integer", False),  # whole numbers: constants only
    ("constant", {"value": 8}, "integer", True),
    ("constant", {"value": 8.5}, "integer", False),
    ("constant", {"value": 0}, "switch", True),
    ("constant", {"value": 0.5}, "switch", False),
    ("constant", {"value": 1.5}, "fraction", False),
]


@pytest.mark.parametrize("family, params, domain, fits", SUPPORT)
def test_family_support_against_domain(family, params, domain, fits):
    dist = FAMILIES[family].from_spec(params, "test")
    assert (prior_problem(dist, dist.median, DOMAINS[domain]) is None) == fits


def test_a_normal_fraction_is_refused_with_the_field_and_a_fix(write_scenario):
    path = write_scenario(_replace_prior(MINI, "training_utilization", 'dist = "normal"\nci90 = [0.2, 0.6]'))
    with pytest.raises(InputError) as info:
        engine.plan_for(str(path))
    msg = str(info.value)
    assert msg.startswith("mini.toml: priors.training_utilization: ")
    assert "normal has unbounded support" in msg and 'dist = "beta" (ci90 = [0.2, 0.6])' in msg
    assert "uniform, triangular, pert" in msg


def test_a_point_outside_the_domain_is_refused(write_scenario):
    # beta's support (0, 1) fits (0, 1], but a point of 0 is not a utilization one can divide by
    path = write_scenario(_replace_prior(MINI, "training_utilization", 'dist = "beta"\nci90 = [0.2, 0.6]\npoint = 0'))
    with pytest.raises(InputError, match=r"priors.training_utilization: point = 0 is not"):
        engine.plan_for(str(path))


def test_every_problem_is_listed_in_one_error(write_scenario):
    text = _replace_prior(MINI, "tiktok_ai_share", 'dist = "constant"\nvalue = 1.5')
    text = _replace_prior(text, "video_seconds", 'dist = "uniform"\nlow = -1\nhigh = 60')
    text = text.replace('[priors.fps]\ndist = "constant"\nvalue = 24\n', "")
    text += '\n[priors.warp]\ndist = "constant"\nvalue = 3\n'
    with pytest.raises(InputError) as info:
        engine.plan_for(str(write_scenario(text)))
    err = info.value
    fields = [where.split(": ", 1)[1] for where, _ in err.problems]
    assert sorted(fields) == sorted(["priors.warp", "priors.video_seconds", "priors.tiktok_ai_share", "priors.fps"])
    assert err.where == "mini.toml" and err.reason.startswith("4 problems: (1) ") and "\n" not in str(err)


def test_headline_set_values_are_checked(write_scenario):
    text = MINI + '\n[[headlines]]\noutput = "peak_fleet_h100"\nvalue = 720000\nset = { inference_utilization = 0 }\n'
    with pytest.raises(InputError, match=r"headlines\[0\].set.inference_utilization: 0 is not"):
        engine.plan_for(str(write_scenario(text)))


# --set NAME=VALUE: (input, value, accepted?)
SET_VALUES = [
    ("training_utilization", "1", True),
    ("training_utilization", "1.5", False),
    ("training_utilization", "-0.5", False),
    ("training_utilization", "0", False),
    ("tiktok_ai_share", "0", True),
    ("sora_params", "-20e9", False),
    ("tiktok_minutes_per_day", "0", True),
    ("generations_per_upload", "0.5", False),
    ("generations_per_upload", "1", True),
]


@pytest.mark.parametrize("name, value, ok", SET_VALUES)
def test_set_values_are_checked_against_the_domain(name, value, ok):
    if ok:
        assert engine.plan_for("plappert-2024", [f"{name}={value}"]).points[name] == float(value)
    else:
        with pytest.raises(InputError, match=rf"plappert-2024.toml: priors.{name}: --set {name}={value}: "):
            engine.plan_for("plappert-2024", [f"{name}={value}"])


# --set NAME="A to B": (input, A, B, family built); its 5th and 95th percentiles land on A and B
SET_RANGES = [
    ("sora_params", 5e9, 60e9, "lognormal"),
    ("training_utilization", 0.1, 0.9, "beta"),
    ("tiktok_ai_share", 0.01, 0.3, "beta"),
    ("generations_per_upload", 1.5, 6.0, "loguniform"),
]


@pytest.mark.parametrize("name, lo, hi, family", SET_RANGES)
def test_set_range_builds_a_prior_inside_the_domain(name, lo, hi, family):
    plan = engine.plan_for("plappert-2024", [f"{name}={lo} to {hi}"])
    dist = plan.dists[name]
    assert dist.family == family
    assert np.allclose(dist.quantile([0.05, 0.95]), [lo, hi], rtol=1e-4)
    domain = plan.model.inputs[name].domain
    u = np.array([1e-12, 0.5, 1 - 1e-12])
    assert domain.contains(dist.sample_ppf(u)).all()


def test_a_fraction_range_no_longer_exceeds_one():
    # issue 12: --set share="0.1 to 0.9" built a lognormal with ~5% of draws above 100%
    r = engine.run("plappert-2024", draws=20_000, seed=1, sets=["tiktok_ai_share=0.1 to 0.9"])
    share = r.inputs["tiktok_ai_share"]
    assert share.max() < 1.0 and share.min() > 0.0
    assert np.quantile(share, [0.05, 0.95]) == pytest.approx([0.1, 0.9], abs=0.01)  # MC error ~0.003


# --set ranges refused: (domain, A, B, words in the fix)
REFUSED_RANGES = [
    ("fraction", 0.5, 1.0, "0 < A < B < 1"),
    ("integer", 1, 4, "run once per value (--set NAME=N"),
    ("switch", 0, 1, "--set NAME=0 or --set NAME=1"),
    ("count", 1, 4, "raise A"),
    ("positive", -1, 4, "A must be > 0"),
]


@pytest.mark.parametrize("domain, lo, hi, fix", REFUSED_RANGES)
def test_ranges_a_domain_cannot_hold_are_refused(domain, lo, hi, fix):
    with pytest.raises(ValueError, match=re.escape(fix)):
        range_prior(lo, hi, DOMAINS[domain])


def test_count_range_is_a_loguniform_with_that_90_percent_interval():
    dist = range_prior(49, 129, DOMAINS["count"])
    # flat in log: the 5th and 95th percentiles sit 1/18 of the log-width inside each end
    assert math.log(dist.high / dist.low) == pytest.approx(math.log(129 / 49) / 0.9)
    assert dist.quantile(0.05) == pytest.approx(49) and dist.quantile(0.95) == pytest.approx(129)


# --- every draw ------------------------------------------------------------------------------------


def _shifted_model():
    """y = a - 1 declared positive: in its domain only where a > 1 (a lognormal median 2 crosses 1)."""
    import types

    from flopcast.models.spec import Quantity

    module = types.ModuleType("flopcast.models.shifted_model")
    module.INPUTS = {"a": Quantity("x", "an input", None, "test", domain="positive")}
    module.OUTPUTS = {"y": Quantity("x", "a - 1", domain="positive")}
    module.evaluate = lambda x: {"y": x["a"] - 1.0}
    return module


SHIFTED = """
[scenario]
name = "shifted"
model = "shifted_model"
[priors.a]
dist = "lognormal"
ci90 = [1.1, 3.0]
"""


# (draws, tolerance in binomial standard errors)
@pytest.mark.parametrize("draws, n_se", [(10_000, 4.0)])
def test_an_output_leaving_its_domain_is_reported_with_an_example(monkeypatch, write_scenario, draws, n_se):
    import sys

    from scipy import stats

    monkeypatch.setitem(sys.modules, "flopcast.models.shifted_model", _shifted_model())
    path = write_scenario(SHIFTED, "shifted.toml")
    with pytest.raises(InputError) as info:
        engine.run(str(path), draws=draws, seed=1)
    msg = str(info.value)
    assert msg.startswith("shifted.toml: output y leaves its domain (a positive quantity in (0, inf)) in ")
    # P(a <= 1) for the lognormal with 90% interval [1.1, 3.0], closed form: about 2.5%
    p = stats.norm.cdf(-np.log(1.1 * 3.0) / 2 / (np.log(3.0 / 1.1) / (2 * stats.norm.ppf(0.95))))
    count = int(msg.split(" leaves its domain (a positive quantity in (0, inf)) in ")[1].split(" of ")[0])
    assert abs(count - draws * p) < n_se * np.sqrt(draws * p * (1 - p)), (count, draws * p)
    a = float(msg.split("inputs there: a=")[1].split(")")[0])
    assert a <= 1.0  # the example draw is one that leaves the domain


def test_check_draws_counts_inputs_and_outputs_out_of_domain():
    from flopcast.domains import check_draws

    plan = engine.plan_for("pipeline-bubble")
    rng = np.random.default_rng(0)
    x = {"other_efficiency": rng.uniform(0.2, 0.9, 1000)}
    y = {"bubble_fraction": rng.uniform(0.0, 0.5, 1000)}
    check_draws(plan, x, y)  # in domain: silent
    y["bubble_fraction"][[17, 400, 999]] = -0.01
    with pytest.raises(
        InputError,
        match=r"output bubble_fraction leaves its domain \(a fraction in \[0, 1\]\) "
        r"in 3 of 1000 draws \(first at draw 17: -0.01; inputs there: other_eff",
    ):
        check_draws(plan, x, y)
    x["other_efficiency"][5] = 1.2
    with pytest.raises(InputError, match=r"input other_efficiency leaves its domain .* in 1 of 1000 draws"):
        check_draws(plan, x, y)

"""Sensitivity, stress, audit and compare: closed forms (loose), and the source's own figures."""

import json
import sys

import ishigami_model
import numpy as np
import pytest
from scipy import stats

from flopcast import engine
from flopcast.analyze import audit, compare, sensitivity, stress
from flopcast.cli.app import main
from flopcast.priors.scenario import load_scenario
from flopcast.report.text import audit_sentences

ISHIGAMI = """
[scenario]
name = "ishigami"
model = "ishigami_model"
[priors.x1]
dist = "uniform"
low = -3.141592653589793
high = 3.141592653589793
[priors.x2]
dist = "uniform"
low = -3.141592653589793
high = 3.141592653589793
[priors.x3]
dist = "uniform"
low = -3.141592653589793
high = 3.141592653589793
"""

# inputs of plappert-2024 made lognormal: (ci90, exponent in peak_fleet_h100)
LOGNORMAL = {
    "sora_params": ((5e9, 60e9), 1),
    "sampling_steps": ((100, 300), 1),
    "peak_factor": ((1.3, 3.5), 1),
    "temporal_compression": ((3, 12), -1),
}
# (a range on a fraction such as inference_utilization builds a beta, not a lognormal: fixed here)
SETS = [f"{n}={lo} to {hi}" for n, ((lo, hi), _) in LOGNORMAL.items()] + [
    "inference_utilization=0.4",
    "generations_per_upload=2",
    "dataset_multiplier=4",
    "training_utilization=0.4",
]
SIGMA = {n: np.log(hi / lo) / (2 * stats.norm.ppf(0.95)) for n, ((lo, hi), _) in LOGNORMAL.items()}


@pytest.fixture
def ishigami(monkeypatch, write_scenario):
    monkeypatch.setitem(sys.modules, "flopcast.models.ishigami_model", ishigami_model)
    return write_scenario(ISHIGAMI, "ishigami.toml")


# (N, slack added to SALib's 95% bootstrap CI half-width)
@pytest.mark.parametrize("n, slack", [(2**12, 0.02)])
def test_sobol_indices_of_ishigami_match_closed_form(ishigami, n, slack):
    sens = sensitivity.analyze(str(ishigami), "y", n=n, seed=3)
    for name, (s1, st) in ishigami_model.analytic_indices().items():
        got = sens.inputs[name]
        assert got.s1_ci[0] - slack <= s1 <= got.s1_ci[1] + slack, (name, got.s1, s1)
        assert got.st_ci[0] - slack <= st <= got.st_ci[1] + slack, (name, got.st, st)


@pytest.mark.parametrize("n, slack", [(2**11, 0.02)])
def test_log_sobol_of_a_lognormal_product_is_the_variance_share(n, slack):
    # log Y = c + sum(+/- log X_i): S1_i = ST_i = sigma_i^2 / sum sigma_j^2, closed form.
    sens = sensitivity.analyze("plappert-2024", "peak_fleet_h100", sets=SETS, n=n, seed=5, log=True)
    total = sum(s**2 for s in SIGMA.values())
    for name, s in SIGMA.items():
        got = sens.inputs[name]
        share = s**2 / total
        assert got.s1_ci[0] - slack <= share <= got.s1_ci[1] + slack, (name, got.s1, share)
        assert got.st == pytest.approx(share, abs=got.st_ci[1] - got.st_ci[0] + slack)


def test_tornado_orders_inputs_by_prior_width():
    # For a product, each swing is baseline * (e^{z s_i} - e^{-z s_i}): monotone in s_i.
    sens = sensitivity.analyze("plappert-2024", "peak_fleet_h100", sets=SETS, n=256, seed=1)
    ranked = [n for n in sens.inputs if n in SIGMA]
    assert ranked == sorted(SIGMA, key=lambda n: -SIGMA[n])


def _lognormal_output(sets):
    ones = engine.evaluate_point("plappert-2024", sets=sets, at={n: 1.0 for n in LOGNORMAL})["peak_fleet_h100"]
    mu = np.log(ones) + sum(e * (np.log(lo) + np.log(hi)) / 2 for (lo, hi), e in LOGNORMAL.values())
    return stats.lognorm(np.sqrt(sum(s**2 for s in SIGMA.values())), scale=np.exp(mu))


# (headline as a quantile of the closed-form output, tolerance in MC standard errors)
@pytest.mark.parametrize("q, n_se", [(0.3, 4.0), (0.9, 4.0)])
def test_p_exceed_of_a_lognormal_output_matches_closed_form(q, n_se):
    ref = _lognormal_output(SETS)
    x = float(ref.ppf(q))
    st = stress.stress(engine.plan_for("plappert-2024", SETS), "peak_fleet_h100", x, draws=50_000, seed=2)
    assert abs(st.p_exceed - ref.sf(x)) < n_se * st.p_exceed_mcse
    assert st.percentile == pytest.approx(100 * q, abs=100 * n_se * st.p_exceed_mcse)


@pytest.mark.parametrize("rtol", [0.03])
def test_goal_seek_matches_closed_form_for_a_product(rtol):
    # median(Y | X_i = v) = median(Y) * (v / median(X_i))^e_i, so v = med_i * (X / med_Y)^(1 / e_i).
    plan = engine.plan_for("plappert-2024", SETS)
    med_y = _lognormal_output(SETS).median()
    target = 1.5 * med_y
    st = stress.stress(plan, "peak_fleet_h100", target, draws=20_000, seed=4)
    for name, (_, e) in LOGNORMAL.items():
        expected = plan.dists[name].median * (target / med_y) ** (1 / e)
        lo, hi = plan.dists[name].quantile(0.001), plan.dists[name].quantile(0.999)
        if lo <= expected <= hi:
            assert st.goal_seek[name] == pytest.approx(expected, rel=rtol), name
        else:
            assert st.goal_seek[name] is None, name


def test_reverse_stress_moves_inputs_the_right_way():
    plan = engine.plan_for("plappert-2024")
    st = stress.stress(plan, "peak_fleet_h100", 1e7, draws=50_000, seed=1)
    assert st.direction == ">="
    c = st.conditional
    assert c["sora_params"].prior_percentile_of_conditional_median > 60
    assert c["inference_utilization"].prior_percentile_of_conditional_median < 40
    assert abs(c["dataset_multiplier"].prior_percentile_of_conditional_median - 50) < 5  # no effect on fleet
    assert any("had to be at its prior's" in s for s in st.sentences)


@pytest.fixture(scope="module")
def plappert_audit():
    lines = audit.audit(engine.plan_for("plappert-2024"), draws=20_000, seed=1).lines
    return {(ln.output, ln.published): ln for ln in lines}


# (output, published, expected ratio published / re-derived, consistent?, why)
AUDIT = [
    ("peak_fleet_h100", 720_000, 720_000 / 989_716, False, "stated assumptions give ~990k (125k / 0.5 x 2 x 2)"),
    ("average_fleet_h100_full_utilization", 89_000, 89_000 / 123_714, False, "15M / 120 is 125k, not 89k"),
    ("training_h100_months", 4211, 1.0, True, "1.08e25 / (989.4e12 x 30 days)"),
    ("training_h100_months", 10528, 1.0, True, "2.7e25 / (989.4e12 x 30 days)"),
    ("break_even_video_minutes", 15.3e6, 15.3e6 / 15.27e6, True, "1.08e25 / 7.07e17"),
    ("video_minutes_per_h100_hour", 5, 5 / 5.035, True, "989.4e12 x 3600 / 7.07e17"),
]


@pytest.mark.parametrize("output, published, ratio, consistent, why", AUDIT)
def test_audit_ratios(plappert_audit, output, published, ratio, consistent, why):
    ln = plappert_audit[(output, published)]
    assert ln.ratio == pytest.approx(ratio, rel=1e-3), why
    assert ln.consistent is consistent


def test_audit_says_what_720k_needs(plappert_audit):
    ln = plappert_audit[("peak_fleet_h100", 720_000)]
    assert ln.inherited_from == "average_fleet_h100_full_utilization"
    # one single-input route: fewer steps -> ~6.92 minutes of video per H100-hour (720k / 990k x 5 min: ~7)
    route = [f for f in ln.fixes if "video_minutes_per_h100_hour" in f.side_effects and f.input != "h100_peak_flops"]
    assert route and route[0].side_effects["video_minutes_per_h100_hour"][1] == pytest.approx(6.92, abs=0.01)
    text = "\n".join(audit_sentences(list(plappert_audit.values())))
    assert "NOT CONSISTENT" in text and "720,000" in text and "989,716" in text


def test_compare_uses_common_random_numbers():
    c = compare.compare("plappert-2024", "plappert-2024", sets_b=["sampling_steps=50"], draws=5000, seed=1)
    r = c.outputs["peak_fleet_h100"].ratio
    assert r.p05 == pytest.approx(0.2, rel=1e-12) and r.p95 == pytest.approx(0.2, rel=1e-12)  # 50 / 250 exactly
    assert c.outputs["training_flops"].ratio.median == pytest.approx(1.0)


def test_cli_json_shapes(capsys, tmp_path):
    assert (
        main(
            [
                "sensitivity",
                "plappert-2024",
                "--output",
                "peak_fleet_h100",
                "--n",
                "256",
                "--seed",
                "1",
                "--json",
                "--out",
                str(tmp_path / "s"),
            ]
        )
        == 0
    )
    obj = json.loads(capsys.readouterr().out)
    assert obj["output"] == "peak_fleet_h100" and "baseline" in obj
    assert set(obj["inputs"]["sora_params"]) >= {"low", "high", "swing", "s1", "s1_ci", "st", "st_ci", "spearman"}
    assert (tmp_path / "s" / "tornado-peak_fleet_h100.png").exists()

    assert (
        main(
            [
                "stress",
                "plappert-2024",
                "--output",
                "peak_fleet_h100",
                "--headline",
                "720000",
                "--draws",
                "20000",
                "--seed",
                "1",
                "--json",
                "--out",
                str(tmp_path / "t"),
            ]
        )
        == 0
    )
    obj = json.loads(capsys.readouterr().out)
    assert set(obj) >= {"output", "headline", "p_exceed", "p_exceed_mcse", "percentile", "conditional", "goal_seek"}
    assert set(obj["conditional"]["sora_params"]) == {
        "prior_median",
        "conditional_median",
        "prior_percentile_of_conditional_median",
    }

    assert (
        main(["audit", "plappert-2024", "--draws", "5000", "--seed", "1", "--json", "--out", str(tmp_path / "a")]) == 0
    )
    obj = json.loads(capsys.readouterr().out)
    h = obj["headlines"][0]
    assert set(h) >= {"output", "published", "rederived", "ratio", "consistent", "percentile", "p_exceed"}


# (arguments, fragment of the one-line error)
BAD = [
    (["sensitivity", "plappert-2024", "--output", "nonsense"], "unknown output"),
    (["stress", "plappert-2024", "--output", "peak_fleet_h100", "--headline", "0"], "--headline: must be a positive"),
    (["stress", "plappert-2024", "--output", "peak_fleet_h100", "--headline", "-5"], "--headline"),
    (["stress", "plappert-2024", "--output", "nonsense", "--headline", "5"], "unknown output"),
    (["compare", "plappert-2024", "plappert-2024", "--output", "nonsense"], "not an output of both"),
]


@pytest.mark.parametrize("argv, fragment", BAD, ids=[f for _, f in BAD])
def test_bad_analysis_input_is_one_line(capsys, tmp_path, argv, fragment):
    code = main([*argv, "--out", str(tmp_path / "never")])
    out, err = capsys.readouterr()
    assert code == 2 and out == "" and err.count("\n") == 1 and fragment in err, err
    assert not (tmp_path / "never").exists()


@pytest.mark.parametrize("rank, fragment", [(1.5, "must be a number in [-1, 1]"), (-2, "must be a number in [-1, 1]")])
def test_correlation_outside_unit_interval_is_refused(capsys, tmp_path, write_scenario, rank, fragment):
    text = open(load_scenario("plappert-2024").path, encoding="utf-8").read()
    path = write_scenario(text + f'\n[[correlations]]\ninputs = ["sora_params", "peak_factor"]\nrank = {rank}\n')
    code = main(["run", str(path), "--draws", "100", "--out", str(tmp_path / "never")])
    err = capsys.readouterr().err
    assert code == 2 and fragment in err and "correlations[0].rank" in err


def test_correlated_scenario_skips_sobol_and_says_why(write_scenario):
    text = open(load_scenario("plappert-2024").path, encoding="utf-8").read()
    path = write_scenario(text + '\n[[correlations]]\ninputs = ["sora_params", "dataset_multiplier"]\nrank = 0.5\n')
    sens = sensitivity.analyze(str(path), "training_flops", n=256, seed=1)
    assert sens.inputs["sora_params"].s1 is None and sens.inputs["sora_params"].spearman > 0.5
    assert any("assume independent inputs" in w for w in sens.warnings)


@pytest.mark.parametrize("k, n", [(3, 64), (7, 256)])
def test_saltelli_design_is_salibs(k, n):
    import warnings

    from SALib.sample import sobol as salib_sample

    problem = {"num_vars": k, "names": [f"x{i}" for i in range(k)], "bounds": [[0.0, 1.0]] * k}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = salib_sample.sample(problem, n, calc_second_order=False, seed=5)
    np.testing.assert_array_equal(sensitivity.saltelli_design(k, n, 5), ref)


def test_audit_survives_models_that_refuse_nudged_inputs():
    # sora-2026 has a 0/1 switch (causal_vae) and divisibility checks: the audit must skip those
    lines = audit.audit(engine.plan_for("sora-2026"), draws=2000, seed=1).lines
    fleet = next(ln for ln in lines if ln.output == "peak_fleet_gpus")
    assert not fleet.consistent and all(f.input != "causal_vae" for f in fleet.fixes)

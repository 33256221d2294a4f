"""FLOP conventions (issue 15, item 6): the DiT paper's "Gflops" are multiply-accumulates.

Sources of the figures checked here: Peebles & Xie 2023 (arXiv:2212.09748), Table 4 (DiT-XL/2 at
512x512: 524.6 Gflops) and its training compute (Gflops x batch x steps x 3), both counted as MACs
(facebookresearch/DiT issue #14; fvcore's FlopCountAnalysis: "one fused multiply-add as one flop").
A MAC is 2 FLOPs, so the corrected convention doubles both DiT figures. The closed forms: every
plappert-2024 output is a product of powers of its inputs, so doubling dit_flops_per_step (exponent
+1 in the inference FLOPs, -1 in minutes per H100-hour and break-even) and dit_train_flops (+1 in
training FLOPs, +1 in break-even) multiplies each output by 2 ** (sum of its exponents).
"""

from __future__ import annotations

import json

import numpy as np
import pytest

import flopcast as fc
from flopcast.cli import main
from flopcast.models._convention import DENSE, FLOP_FORWARD, MAC_FORWARD, Convention, declare, mismatches, steps
from flopcast.priors.errors import InputError

DRAWS, SEED = 4000, 7

# output -> exponent of 2 when both DiT figures are converted (closed form, see the module docstring)
PLAPPERT_RATIOS = [
    ("training_flops", 1),
    ("training_h100_months", 1),
    ("inference_flops_per_video_minute", 1),
    ("video_minutes_per_h100_hour", -1),
    ("break_even_video_minutes", 0),  # training / inference: both doubled
    ("ai_video_minutes_per_day", 0),
    ("average_fleet_h100_full_utilization", 1),
    ("peak_fleet_h100", 1),
    ("inference_usd_per_video_minute", 1),
    ("peak_fleet_power_mw", 1),
]
DIT_RATIOS = [
    ("inference_flops_per_image", 1),
    ("break_even_images", 0),
    ("days_of_instagram_to_break_even", 0),
    ("training_h100_days", 1),
    ("training_h100_months", 1),
    ("h100_seconds_per_image", 1),
    ("images_per_h100_hour", -1),
    ("inference_usd_per_image", 1),
    ("llm_flops_per_output", 0),
    ("image_over_llm_output_flops", 1),
]
RTOL = 1e-12


@pytest.mark.parametrize(
    "published, expects, factor",
    [
        (MAC_FORWARD, FLOP_FORWARD, 2.0),
        (FLOP_FORWARD, MAC_FORWARD, 0.5),
        (Convention(peak="sparse"), DENSE, 0.5),
        (Convention(count="flop", passes="forward"), Convention(count="flop", passes="forward+backward"), 3.0),
        (Convention(count="mac", passes="forward"), Convention(count="flop", passes="forward+backward"), 6.0),
        (FLOP_FORWARD, FLOP_FORWARD, 1.0),
    ],
)
def test_conversion_factors(published, expects, factor):
    got = 1.0
    for s in steps(published, expects):
        got *= s.factor
    assert got == pytest.approx(factor, rel=RTOL)


def test_unknown_convention_is_refused():
    with pytest.raises(ValueError, match="unknown count"):
        Convention(count="gflops")


def test_plappert_audit_lists_dit_flops_per_step_as_mac_vs_flop_factor_2():
    au = fc.audit("plappert-2024", draws=DRAWS, seed=SEED)
    found = {f.mismatch.input: f for f in au.conventions.findings}
    step = found["dit_flops_per_step"]
    assert step.mismatch.published.count == "mac" and step.mismatch.expects.count == "flop"
    assert step.mismatch.factor == 2.0
    assert step.value == 524e9 and step.corrected == pytest.approx(1.048e12, rel=RTOL)
    assert "Table 4" in step.mismatch.source and "issue #14" in step.mismatch.source
    obj = au.to_json()["conventions"]
    assert {f["input"] for f in obj["findings"]} == {"dit_flops_per_step", "dit_train_flops"}
    peak = next(m for m in au.conventions.moved if m.output == "peak_fleet_h100")
    assert peak.ratio == pytest.approx(2.0, rel=RTOL)
    assert peak.point == pytest.approx(989_716, rel=1e-4)  # the source's assumptions: ~990k (audit note)
    assert peak.point_corrected == pytest.approx(2 * peak.point, rel=RTOL)
    assert set(au.conventions.unmoved) == {"break_even_video_minutes", "ai_video_minutes_per_day"}
    assert any(s.startswith("premise: dit_flops_per_step") for s in au.premises)


@pytest.mark.parametrize("scenario, table", [("plappert-2024", PLAPPERT_RATIOS), ("dit-xl", DIT_RATIOS)])
def test_corrected_run_moves_each_output_by_its_closed_form_draw_for_draw(scenario, table):
    a = fc.run(scenario, draws=DRAWS, seed=SEED)
    b = fc.run(scenario, draws=DRAWS, seed=SEED, flop_convention="corrected")
    assert set(dict(table)) == set(a.outputs)
    for output, power in table:
        np.testing.assert_allclose(b.outputs[output], a.outputs[output] * 2.0**power, rtol=RTOL, err_msg=output)
    for name in a.inputs:  # the uncertain inputs are drawn the same (dit-xl: dit_train_flops, scaled)
        factor = 2.0 if name in ("dit_train_flops", "dit_flops_per_step") else 1.0
        np.testing.assert_allclose(b.inputs[name], a.inputs[name] * factor, rtol=RTOL, err_msg=name)
    assert b.to_json()["flop_convention"] == "corrected"
    assert "flop_convention" not in a.to_json()


@pytest.mark.parametrize(
    "scenario", ["sora-2026", "video-diffusion", "llm-economics", "pipeline-bubble", "tokens-per-video"]
)
def test_scenarios_without_a_mismatch_have_no_premise(scenario):
    plan = fc.plan_for(scenario)
    assert mismatches(plan.model.inputs) == []
    corrected = fc.plan_for(scenario, flop_convention="corrected")
    assert corrected.converted == () and dict(corrected.points) == dict(plan.points)


def test_declared_models_expect_flops_and_dense_peaks():
    from flopcast.plan import available_models, load_model

    for name in available_models():
        for q in load_model(name).inputs.values():
            if q.convention is not None:
                assert q.convention.expects.count in (None, "flop")
                assert q.convention.expects.peak in (None, "dense")


def test_a_model_input_declared_in_sparse_peaks_is_found():
    from flopcast.models.spec import Quantity

    inputs = {
        "peak": Quantity(
            "FLOP/s",
            "sparse peak",
            1979e12,
            "datasheet",
            "positive",
            declare(Convention(peak="sparse"), DENSE, "datasheet, with sparsity"),
        )
    }
    (m,) = mismatches(inputs)
    assert m.factor == 0.5


def test_scenario_key_and_bad_value(tmp_path):
    text = fc.load_scenario("dit-xl").path.read_text()
    good = tmp_path / "c.toml"
    good.write_text('flop_convention = "corrected"\n' + text)
    plan = fc.plan_for(str(good))
    assert plan.points["dit_flops_per_step"] == pytest.approx(1.048e12, rel=RTOL)
    assert fc.plan_for(plan, flop_convention="as_published").points["dit_flops_per_step"] == 524e9
    bad = tmp_path / "b.toml"
    bad.write_text('flop_convention = "macs"\n' + text)
    with pytest.raises(InputError, match="flop_convention"):
        fc.load_scenario(str(bad))
    with pytest.raises(InputError, match="flop_convention"):
        fc.run("dit-xl", draws=10, seed=1, flop_convention="fixed")


def test_cli_flop_convention_on_run_and_audit(tmp_path, capsys):
    assert (
        main(
            [
                "run",
                "dit-xl",
                "--draws",
                "2000",
                "--seed",
                "1",
                "--no-report",
                "--json",
                "--flop-convention",
                "corrected",
                "--out",
                str(tmp_path / "r"),
            ]
        )
        == 0
    )
    obj = json.loads(capsys.readouterr().out)
    assert obj["flop_convention"] == "corrected"
    assert {c["input"] for c in obj["converted"]} == {"dit_train_flops", "dit_flops_per_step"}
    assert main(["audit", "dit-xl", "--draws", "2000", "--seed", "1", "--out", str(tmp_path / "a")]) == 0
    out = capsys.readouterr().out
    assert "premises:" in out and "dit_flops_per_step" in out
    assert "Premises: FLOP conventions" in (tmp_path / "a" / "audit.md").read_text()
    assert (
        main(
            [
                "audit",
                "dit-xl",
                "--draws",
                "2000",
                "--seed",
                "1",
                "--flop-convention",
                "corrected",
                "--json",
                "--out",
                str(tmp_path / "c"),
            ]
        )
        == 0
    )
    obj = json.loads(capsys.readouterr().out)
    assert "conventions" not in obj and obj["flop_convention"] == "corrected"


@pytest.mark.parametrize("factor", [2.0, 0.5, 3.0])
def test_scaled_prior_is_the_closed_form_lognormal(factor):
    """factor x LogNormal(mu, sigma) = LogNormal(mu + ln factor, sigma)."""
    from flopcast.priors.families import LogNormal
    from flopcast.priors.families.scaled import Scaled

    base = LogNormal.from_ci90((0.6e21, 1.6e21))
    scaled, exact = Scaled(base, factor), LogNormal(base.mu + np.log(factor), base.sigma)
    u = np.array([0.01, 0.05, 0.5, 0.95, 0.99])
    np.testing.assert_allclose(scaled.ppf(u), exact.ppf(u), rtol=1e-12)
    np.testing.assert_allclose(scaled.sample_ppf(u), factor * base.sample_ppf(u), rtol=1e-12)
    x = exact.ppf(u)
    np.testing.assert_allclose(scaled.cdf(x), u, rtol=1e-9)
    assert scaled.support == (0.0, np.inf) and scaled.support_open == base.support_open
    with pytest.raises(ValueError):
        Scaled(base, 0.0)


def test_run_report_leads_with_the_premise(tmp_path):
    assert main(["run", "plappert-2024", "--draws", "2000", "--seed", "1", "--out", str(tmp_path / "r")]) == 0
    page = (tmp_path / "r" / "report.html").read_text()
    summary = page[page.index("<div class='summary'>") :]
    summary = summary[: summary.index("</div>")]
    assert "Premise: dit_flops_per_step" in summary and "--flop-convention corrected" in summary
    assert (
        main(
            [
                "run",
                "plappert-2024",
                "--draws",
                "2000",
                "--seed",
                "1",
                "--flop-convention",
                "corrected",
                "--out",
                str(tmp_path / "c"),
            ]
        )
        == 0
    )
    page = (tmp_path / "c" / "report.html").read_text()
    assert "FLOP convention: corrected" in page and "Premise:" not in page

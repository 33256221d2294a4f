"""An output whose name says h100 is always in H100s (or H100-equivalents); counts on the chosen
accelerator take accelerator-neutral names (priors/hardware.py: ``h100`` -> ``gpu``).

Closed form: the sora model's fleet is demand FLOPs / (peak x utilization x time), so with every other
input drawn the same, the H100-equivalent fleet (``peak_fleet_h100``) is the fleet counted on the chosen
accelerator (``peak_fleet_gpu``) x the accelerator's dense peak / the H100's, draw by draw, and a rate
per accelerator (video minutes per GPU-hour) scales by the inverse. The peaks are the library's
(priors/hardware.toml: H100 SXM 989.4 TFLOPS, A100 SXM 312 TFLOPS dense BF16).
"""

import json
import re

import numpy as np
import pytest

import flopcast as fc
from flopcast.cli.app import main
from flopcast.priors import hardware as hw
from flopcast.priors.errors import InputError
from flopcast.priors.scenario import bundled_scenarios
from flopcast.registry import load_model

A100 = "A100-SXM-80GB"


@pytest.mark.parametrize(
    "name, neutral",
    [
        ("peak_fleet_h100", "peak_fleet_gpu"),
        ("training_h100_months", "training_gpu_months"),
        ("video_minutes_per_h100_hour", "video_minutes_per_gpu_hour"),
        ("average_fleet_h100_full_utilization", "average_fleet_gpu_full_utilization"),
        ("h100_seconds_per_image", "gpu_seconds_per_image"),
        ("images_per_h100_hour", "images_per_gpu_hour"),
        ("training_gpu_hours", None),  # does not say h100: keeps its name and its _h100e twin
        ("peak_fleet_h100e", None),  # h100e is not the word h100
        ("xh100_count", None),
    ],
)
def test_the_naming_rule(name, neutral):
    assert hw.neutral_name(name) == neutral


# (output counted on the chosen accelerator, its H100-equivalent, a rate per accelerator?) on plappert-2024
PAIRS = [
    ("peak_fleet_gpu", "peak_fleet_h100", False),
    ("average_fleet_gpu_full_utilization", "average_fleet_h100_full_utilization", False),
    ("training_gpu_months", "training_h100_months", False),
    ("video_minutes_per_gpu_hour", "video_minutes_per_h100_hour", True),
]


@pytest.mark.parametrize("neutral, h100, per, rtol", [(*p, 1e-12) for p in PAIRS])
def test_h100_names_hold_h100_equivalents_draw_by_draw(neutral, h100, per, rtol):
    r = fc.run("plappert-2024", draws=3000, seed=5, gpu=A100)
    peak_ratio = hw.find(A100).dense_bf16_flops / hw.find("H100").dense_bf16_flops
    assert peak_ratio == pytest.approx(312e12 / 989.4e12, rel=1e-15)
    factor = 1 / peak_ratio if per else peak_ratio
    np.testing.assert_allclose(r.outputs[h100], r.outputs[neutral] * factor, rtol=rtol)
    assert "H100-equivalent" in r.samples[h100].attrs["unit"] and A100 not in r.samples[h100].attrs["unit"]
    assert A100 in r.samples[neutral].attrs["unit"] and "H100" not in r.samples[neutral].attrs["unit"]
    assert r.summary[h100].unit == r.samples[h100].attrs["unit"]
    # on the H100 the h100 name is the count itself (H100s), the same draws as the A100 run's twin
    ref = fc.run("plappert-2024", draws=3000, seed=5, gpu="H100-SXM")
    np.testing.assert_allclose(r.outputs[h100], ref.outputs[h100], rtol=rtol)
    assert neutral not in ref.outputs and "H100" in ref.samples[h100].attrs["unit"]


def _plan(scenario, gpu):
    """The plan on ``gpu``, or None for a model without hardware inputs (which refuses --gpu)."""
    if not any(getattr(q, "hardware", None) for q in fc.plan_for(scenario).model.inputs.values()):
        with pytest.raises(InputError, match="takes no accelerator"):
            fc.plan_for(scenario, gpu=gpu)
        return None
    return fc.plan_for(scenario, gpu=gpu)


@pytest.mark.parametrize("gpu", [A100, "B200", "MI300X", "H800", "H100-SXM"])
@pytest.mark.parametrize("scenario", [s.stem for s in bundled_scenarios()])
def test_no_h100_name_carries_another_accelerator(scenario, gpu):
    plan = _plan(scenario, gpu)
    if plan is None:
        return
    others = [a.name for a in hw.library() if a.name != hw.REFERENCE] + ["GPU"]
    y = fc.evaluate_point(plan)
    assert set(y) == set(plan.model.outputs)  # evaluation gives exactly the plan's (renamed) names
    for name in plan.model.outputs:
        unit = plan.unit(name)
        if "h100" in name:
            assert not any(o in unit for o in others), (name, unit)
        if name.endswith(hw.EQUIVALENT_SUFFIX):  # only outputs that do not say h100 have a _h100e twin
            assert hw.neutral_name(name.removesuffix(hw.EQUIVALENT_SUFFIX)) is None, name
    for new, own in plan.model.renamed:  # the count on the chosen accelerator says neither h100 nor H100
        assert "h100" not in new and "H100" not in plan.unit(new) + plan.model.outputs[new].description, new
        assert plan.scenario.accelerator in plan.unit(new) and "H100-equivalent" in plan.unit(own)
    for key in plan.model.key_outputs:
        assert key in plan.model.outputs
    # every count names a chip once one is chosen: a generic model's "GPU-hours" on the H100 is "H100-SXM-hours"
    assert not [n for n in plan.model.outputs if re.search(r"\bGPU", plan.unit(n))], gpu
    for h in plan.scenario.headlines:
        assert h.output in plan.model.outputs


def test_the_model_keeps_its_own_names():
    plan = fc.plan_for("plappert-2024", gpu=A100)
    x = {n: np.float64(v) for n, v in plan.points.items()}
    own = plan.model.parts[0].evaluate(x)
    assert "peak_fleet_h100" in own and "peak_fleet_gpu" not in own
    assert plan.model.own_name("peak_fleet_gpu") == "peak_fleet_h100"
    assert plan.model.evaluate(x)["peak_fleet_gpu"] == own["peak_fleet_h100"]


def test_headline_on_an_h100_name_is_placed_in_h100_equivalents_without_a_twin():
    plan = fc.plan_for("plappert-2024", gpu=A100)
    fleet = [h for h in plan.scenario.headlines if h.value == 720_000]
    assert [h.output for h in fleet] == ["peak_fleet_h100"]
    r = fc.run(plan, draws=4000, seed=2)
    st = r.stress("peak_fleet_h100", 720_000)
    assert st.to_json()["unit"] == "H100-equivalents"
    p = float(np.mean(r.outputs["peak_fleet_h100"] >= 720_000))
    assert st.to_json()["p_exceed"] == pytest.approx(p, abs=1e-12)


@pytest.mark.parametrize("output, unit", [("peak_fleet_h100", "H100-equivalents"), ("peak_fleet_gpu", f"{A100}s")])
def test_stress_on_renamed_outputs(capsys, tmp_path, output, unit):
    argv = ["stress", "plappert-2024", "--gpu", A100, "--output", output, "--headline", "720k", "--draws", "2000"]
    code = main([*argv, "--seed", "1", "--json", "--out", str(tmp_path / "s")])
    obj = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert code == 0 and obj["output"] == output and obj["unit"] == unit


@pytest.mark.parametrize(
    "argv",
    [
        ["stress", "plappert-2024", "--gpu", "B200", "--output", "peak_fleet_h100_h100e", "--headline", "720k"],
        ["sensitivity", "plappert-2024", "--gpu", "B200", "--output", "training_h100_months_h100e"],
        ["voi", "plappert-2024", "--gpu", "B200", "--output", "peak_fleet_h100_h100e"],
        ["compare", "plappert-2024", "--gpu", "H100-SXM", "--gpu", "B200", "--output", "peak_fleet_h100_h100e"],
    ],
)
def test_an_old_twin_name_is_one_line_that_says_the_new_name(capsys, tmp_path, argv):
    code = main([*argv, "--draws", "1000", "--out", str(tmp_path / "o")] if argv[0] != "sensitivity" else argv)
    _, err = capsys.readouterr()
    base = argv[argv.index("--output") + 1].removesuffix("_h100e")
    assert code == 2 and err.count("\n") == 1 and err.startswith("flopcast: error: ")
    assert f"is now '{base}'" in err and f"'{hw.neutral_name(base)}' counts the chosen accelerator" in err
    assert not (tmp_path / "o").exists()


def test_a_twin_that_does_not_say_h100_keeps_its_name():

    plan = fc.plan_for("llm-training", gpu=A100)
    assert plan.unit("training_gpu_hours") == f"{A100}-hours"
    assert plan.unit("training_gpu_hours_h100e") == "H100-equivalent-hours"
    assert plan.unit("training_h100_months") == "H100-equivalent-months"  # counted in H100s by the model itself
    assert not plan.model.renamed
    with pytest.raises(InputError, match="already has as an output"):  # a rename never hides an output
        hw.equivalents(
            {"fleet_h100": load_model("llm_training").outputs["training_gpu_hours"], "fleet_gpu": None},
            hw.find("B200"),
            "bf16",
        )


def _evidence(tmp_path, output, accelerator=None):
    path = tmp_path / "fleet.toml"
    extra = f', accelerator = "{accelerator}"' if accelerator else ""
    path.write_text(
        '[evidence]\nscenario = "plappert-2024"\ndescription = "a fleet"\n\n[[observation]]\n'
        f'label = "a fleet"\noutput = "{output}"\nvalue = 2e6\nsigma_log = 0.3\n'
        f"set = {{ dataset_multiplier = 5{extra} }}\n"
        'source = "a made-up count for a test"\n'
    )
    return path


def test_evidence_in_h100s_on_a_run_made_on_another_accelerator(tmp_path):
    v = fc.validate("plappert-2024", _evidence(tmp_path, "peak_fleet_h100"), draws=2000, seed=1, gpu="B200")
    assert v.cases[0].unit == "H100-equivalents"
    v = fc.validate("plappert-2024", _evidence(tmp_path, "peak_fleet_gpu", A100), draws=2000, seed=1, gpu="B200")
    assert v.cases[0].unit == f"{A100}s"  # the case's own accelerator, whatever the run's


@pytest.mark.parametrize("gpu", [None, "B200"])
def test_evidence_on_its_own_accelerator_cannot_name_an_h100_count(tmp_path, gpu):
    with pytest.raises(InputError, match="this case ran on A100-SXM-80GB"):
        fc.validate("plappert-2024", _evidence(tmp_path, "peak_fleet_h100", A100), draws=2000, seed=1, gpu=gpu)


def test_renaming_runs_on_pytensor_tensors_as_calibration_evaluates_the_model():
    pt = pytest.importorskip("pytensor.tensor")
    plan = fc.plan_for("plappert-2024", gpu="B200")
    x = {n: pt.as_tensor_variable(np.float64(v)) for n, v in plan.points.items()}
    y = plan.model.evaluate(x)
    expected = fc.evaluate_point(plan)
    assert list(y) == list(expected)
    for name in ("peak_fleet_gpu", "peak_fleet_h100", "video_minutes_per_h100_hour"):
        assert float(y[name].eval()) == pytest.approx(expected[name], rel=1e-12)


@pytest.mark.parametrize(
    "first, second, p_b_greater",
    [("H100-SXM", "B200", 0.0), ("B200", "H100-SXM", 1.0)],
)
def test_compare_counts_b_above_a_beyond_rounding_only(first, second, p_b_greater):
    """One scenario on two accelerators, same draws: ``peak_fleet_h100`` is the same quantity on both
    sides (H100s; the other side's count x the ratio of dense peaks), so the ratio is 1 up to rounding and B
    is never above A; the counts on the chosen accelerators differ by that constant ratio of peaks
    (B200 faster), so B is above A in no draw or in every draw, by the closed form."""
    from flopcast.analyze.compare import compare

    cmp = compare(
        "plappert-2024",
        "plappert-2024",
        outputs=["peak_fleet_h100", "peak_fleet_gpu"],
        sets_a={"accelerator": first},
        sets_b={"accelerator": second},
        draws=4000,
        seed=3,
    )
    same = cmp.outputs["peak_fleet_h100"]
    assert same.ratio.p05 == pytest.approx(1.0, rel=1e-12) and same.ratio.p95 == pytest.approx(1.0, rel=1e-12)
    assert same.p_b_greater == 0.0  # was ~0.23: draws differing by an ulp counted as "B above A"
    peaks = {n: hw.find(n).peak("bf16") for n in (first, second)}
    assert cmp.outputs["peak_fleet_gpu"].ratio.median == pytest.approx(peaks[first] / peaks[second], rel=1e-12)
    assert cmp.outputs["peak_fleet_gpu"].p_b_greater == p_b_greater


def test_the_suggested_stress_command_keeps_the_runs_accelerator(tmp_path, capsys):
    """The report's "what one would have to believe" command re-runs the stress test on the run's own
    accelerator (its overrides), not on the H100: it runs and reads H100-equivalents of a B200 run."""
    import shlex

    assert (
        main(["run", "plappert-2024", "--gpu", "B200", "--draws", "2000", "--seed", "1", "--out", str(tmp_path / "r")])
        == 0
    )
    found = re.search(r"`(flopcast stress [^`]+)`", (tmp_path / "r" / "summary.md").read_text())
    assert found, "no stress command in summary.md"
    argv = shlex.split(found.group(1))[1:]
    assert "accelerator=B200" in argv
    capsys.readouterr()
    assert main([*argv, "--draws", "2000", "--seed", "1", "--json", "--out", str(tmp_path / "s")]) == 0
    obj = json.loads(capsys.readouterr().out)
    assert obj["unit"] == "H100-equivalents"  # on the H100 itself the unit would be "H100s"

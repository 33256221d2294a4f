"""The accelerator library (priors/hardware.toml) and --gpu: provenance, dense peaks only, and the
closed form of a change of accelerator.

Closed form: every fleet and accelerator-time output of the sora model is FLOPs / (peak x
utilization x time), so at fixed utilization it is inversely proportional to the peak. Run with the
same seed on two accelerators (the same unit-cube columns, so the same draws of every other input),
the fleet on B (``peak_fleet_gpu``, counted in B's) is the fleet on A x peak_A / peak_B draw by draw,
and B's H100-equivalent twin (x peak_B / peak_H100), which keeps the name ``peak_fleet_h100``, is the
H100 run's fleet.
"""

import json

import numpy as np
import pytest

import flopcast as fc
from flopcast.cli.app import main
from flopcast.priors import hardware as hw
from flopcast.priors.errors import InputError
from flopcast.priors.scenario import parse_scenario
from flopcast.priors.toml_io import read_toml

H100_DENSE_BF16 = 989.4e12  # NVIDIA H100 datasheet: 1,979 TFLOPS BF16 "with sparsity" / 2


def test_library_loads_and_every_figure_has_a_source():
    accs = hw.library()
    assert len(accs) >= 9
    for a in accs:
        present = {
            f
            for f in (
                "dense_bf16_flops",
                "dense_fp8_flops",
                "dense_fp16_flops",
                "memory_gb",
                "memory_bandwidth",
                "power_w",
                "usd_per_hour",
            )
            if getattr(a, f) is not None
        }
        assert set(a.sources) == present, a.name
        assert all(len(s) > 20 for s in a.sources.values()), a.name
        # every accelerator publishes a 16-bit peak: BF16, or FP16 where it has no BF16 (the V100)
        assert a.dense_bf16_flops is not None or a.dense_fp16_flops is not None, a.name


def test_h100_dense_bf16_is_the_figure_the_bundled_scenarios_use():
    h100 = hw.find("H100")
    assert h100.name == hw.REFERENCE and h100.dense_bf16_flops == H100_DENSE_BF16
    assert "with sparsity" in h100.sources["dense_bf16_flops"] and "1,979" in h100.sources["dense_bf16_flops"]
    # the figure the models and plappert-2024 were written with
    assert fc.plan_for("plappert-2024").points["h100_peak_flops"] == H100_DENSE_BF16


def test_every_stored_peak_is_marked_dense_in_the_file():
    for spec in read_toml(hw.LIBRARY)["accelerator"]:
        for f in hw.PRECISIONS.values():
            if f in spec:
                assert spec[f]["sparsity"] == "dense", (spec["name"], f)
    for a in hw.library():  # an NVIDIA "with sparsity" figure is halved, and says so (Volta has no sparsity)
        if a.vendor == "NVIDIA":
            for f in hw.PRECISIONS.values():
                if f in a.sources:
                    src = a.sources[f]
                    assert ("with sparsity" in src and "half" in src) or "no structured sparsity" in src, (a.name, f)


@pytest.mark.parametrize("sparsity", ["sparse", None, "Dense"])
def test_reader_refuses_a_peak_not_marked_dense(sparsity):
    spec = {"name": "X", "vendor": "V", "dense_bf16_flops": {"value": 1e15, "source": "a datasheet, 2025, table 1"}}
    if sparsity is not None:
        spec["dense_bf16_flops"]["sparsity"] = sparsity
    with pytest.raises(InputError, match="sparsity.*dense"):
        hw.parse_accelerator(spec, "hardware.toml: accelerator[0]")


def test_reader_refuses_a_figure_without_source():
    spec = {"name": "X", "memory_gb": {"value": 80}}
    with pytest.raises(InputError, match="source"):
        hw.parse_accelerator(spec, "hardware.toml: accelerator[0]")


@pytest.mark.parametrize(
    "name, rtol", [("B200", 1e-12), ("MI300X", 1e-12), ("GB200", 1e-12), ("H200", 1e-12), ("TPU7x", 1e-12)]
)
def test_fleet_scales_inversely_with_the_peak_draw_by_draw(name, rtol):
    sets = {"h100_usd_per_hour": 2.5, "h100_power_kw": 1.4}  # TPUs publish neither: give both everywhere
    ref = fc.run("plappert-2024", draws=4000, seed=11, set=sets, gpu="H100-SXM")
    other = fc.run("plappert-2024", draws=4000, seed=11, set=sets, gpu=name)
    peak = hw.find(name).dense_bf16_flops
    a, b = ref.outputs["peak_fleet_h100"], other.outputs["peak_fleet_gpu"]
    np.testing.assert_allclose(b, a * H100_DENSE_BF16 / peak, rtol=rtol)
    np.testing.assert_allclose(other.outputs["peak_fleet_h100"], a, rtol=rtol)
    np.testing.assert_allclose(
        other.outputs["training_gpu_months"], ref.outputs["training_h100_months"] * H100_DENSE_BF16 / peak, rtol=rtol
    )
    assert other.samples["peak_fleet_gpu"].attrs["unit"] == f"{hw.find(name).name}s"
    assert other.samples["peak_fleet_h100"].attrs["unit"] == "H100-equivalents"
    assert other.samples["training_gpu_months"].attrs["unit"] == f"{hw.find(name).name}-months"
    assert other.samples["training_h100_months"].attrs["unit"] == "H100-equivalent-months"
    assert not any(n.endswith("_h100e") for n in other.samples.data_vars)  # no output of sora says GPU


def test_h100_changes_no_unit_and_no_figure():
    base, h100 = fc.point("plappert-2024"), fc.point("plappert-2024", gpu="H100")
    for name in ("peak_fleet_h100", "training_h100_months", "video_minutes_per_h100_hour"):
        assert h100.values[name] == base.values[name]
    plan = fc.plan_for("plappert-2024", gpu="H100-SXM")
    assert plan.unit("peak_fleet_h100") == "H100s" and "peak_fleet_h100_h100e" not in plan.model.outputs
    assert fc.plan_for("plappert-2024", gpu="B200").model.key_outputs == (
        "training_gpu_months",
        "training_h100_months",
        "break_even_video_minutes",
        "peak_fleet_gpu",
        "peak_fleet_h100",
    )


def test_price_becomes_the_library_range_unless_the_scenario_gives_one():
    plan = fc.plan_for("plappert-2024", gpu="B200")
    low, high = hw.find("B200").usd_per_hour
    assert plan.dists["h100_usd_per_hour"].support == (low, high)
    assert plan.constants["h100_power_kw"] == pytest.approx(1.0 * hw.ALL_IN_PER_TDP)
    dit = fc.plan_for("dit-xl", gpu="B200")  # dit-xl gives its own H100 price prior: it wins
    assert dit.scenario.priors["h100_usd_per_hour"].source.startswith("not in the source")
    assert dit.constants["h100_peak_flops"] == 2.25e15


def test_fp8_precision_takes_the_fp8_peaks():
    plan = fc.plan_for("plappert-2024", ["precision=fp8"], gpu="B200")
    assert plan.constants["h100_peak_flops"] == 4.5e15
    y = fc.evaluate_point(plan)
    assert y["peak_fleet_h100"] == pytest.approx(y["peak_fleet_gpu"] * 4.5e15 / 1978.9e12, rel=1e-12)


def test_missing_price_is_an_error_that_says_how_to_give_it():
    with pytest.raises(InputError, match=r"no published rental price.*--set h100_usd_per_hour"):
        fc.plan_for("plappert-2024", gpu="TPU-v6e")
    plan = fc.plan_for("plappert-2024", {"h100_usd_per_hour": (2.0, 3.5), "h100_power_kw": 1.0}, gpu="Trillium")
    assert plan.constants["h100_peak_flops"] == 918e12 and "h100_usd_per_hour" in plan.dists


def test_scenario_names_its_accelerator_and_gpu_overrides_it():
    from flopcast.priors.scenario import load_scenario

    data = read_toml(load_scenario("plappert-2024").path)
    data["scenario"]["accelerator"] = "mi300x"
    sc = parse_scenario(data, file="mine.toml")
    assert sc.accelerator == "MI300X"
    assert fc.plan_for(sc).constants["h100_peak_flops"] == 1307.4e12
    assert fc.plan_for(sc, gpu="B200").constants["h100_peak_flops"] == 2.25e15
    data["scenario"]["accelerator"] = "Z9000"
    with pytest.raises(InputError, match="scenario.accelerator"):
        parse_scenario(data, file="mine.toml")


def test_a_model_without_hardware_inputs_refuses_gpu():
    with pytest.raises(InputError, match="takes no accelerator"):
        fc.plan_for("llm-economics", gpu="B200")


def test_unknown_gpu_is_one_line_exit_2(capsys):
    code = main(["run", "plappert-2024", "--gpu", "Z9000", "--draws", "100"])
    _, err = capsys.readouterr()
    assert code == 2 and err.count("\n") == 1
    assert "unknown accelerator" in err and "B200" in err


def test_compare_one_scenario_on_two_accelerators(capsys, tmp_path):
    code = main(
        [
            "compare",
            "plappert-2024",
            "--gpu",
            "H100-SXM",
            "--gpu",
            "B200",
            "--output",
            "peak_fleet_h100",
            "--output",
            "peak_fleet_gpu",
            "--draws",
            "3000",
            "--seed",
            "3",
            "--json",
            "--out",
            str(tmp_path / "c"),
        ]
    )
    obj = json.loads(capsys.readouterr().out)
    assert code == 0 and obj["a"] == "plappert-2024 on H100-SXM" and obj["b"] == "plappert-2024 on B200"
    # peak_fleet_h100 is H100s on A and H100-equivalents on B: the same compute, ratio 1 on every draw
    out = obj["outputs"]["peak_fleet_h100"]
    assert out["unit"] == "H100s / H100-equivalents"
    assert out["ratio_b_over_a"]["p05"] == pytest.approx(1.0, rel=1e-12)
    assert out["ratio_b_over_a"]["p95"] == pytest.approx(1.0, rel=1e-12)
    # peak_fleet_gpu counts each side's accelerator (A's is peak_fleet_h100): the peak ratio, draw by draw
    out = obj["outputs"]["peak_fleet_gpu"]
    assert out["unit"] == "H100s / B200s"
    for q in ("p05", "median", "p95"):
        assert out["ratio_b_over_a"][q] == pytest.approx(H100_DENSE_BF16 / 2.25e15, rel=1e-12)


def test_hardware_command_lists_the_library(capsys):
    assert main(["hardware", "--json"]) == 0
    obj = json.loads(capsys.readouterr().out)
    names = [a["name"] for a in obj["accelerators"]]
    assert names == hw.names()
    b200 = obj["accelerators"][names.index("B200")]["figures"]
    assert b200["dense_bf16_flops"] == {
        "value": 2.25e15,
        "unit": "FLOP/s",
        "source": hw.find("B200").sources["dense_bf16_flops"],
    }
    assert main(["hardware"]) == 0
    text = capsys.readouterr().out
    assert "BF16 TFLOP/s" in text and "H100-SXM" in text and "989" in text
    assert tuple(fc.hardware()) == tuple(hw.library())


def test_published_h100_figures_are_placed_in_the_h100_equivalent_band():
    plan = fc.plan_for("plappert-2024", gpu="B200")
    outputs = {h.output for h in plan.scenario.headlines}
    assert {"peak_fleet_h100", "training_h100_months", "training_flops"} <= outputs
    assert not outputs & {"peak_fleet_gpu", "training_gpu_months"}
    assert plan.unit("peak_fleet_h100") == "H100-equivalents"
    # at the source's point values, the B200 run's H100-equivalent fleet is the H100 figure (closed form)
    assert fc.evaluate_point(plan)["peak_fleet_h100"] == pytest.approx(
        fc.evaluate_point("plappert-2024")["peak_fleet_h100"], rel=1e-12
    )
    back = fc.plan_for(plan, gpu="H100-SXM")  # rebinding a B200 plan on the H100 restores the names
    assert {h.output for h in back.scenario.headlines} == {
        h.output for h in fc.plan_for("plappert-2024").scenario.headlines
    }
    assert back.dists["h100_usd_per_hour"].support == hw.find("H100").usd_per_hour  # the library range, not B200's


# Closed forms of datasheet peaks: units x FLOP per clock x clock. H100 SXM: 132 SMs x 4,096 dense
# BF16 FLOP/clock/SM x 1.83 GHz (NVIDIA H100 whitepaper; Lockwood's H100 page); MI300X: 304 CUs x
# 2,048 x 2.1 GHz (AMD CDNA 3 white paper); MI355X: 256 CUs x 8,192 FP8 FLOP/clock/CU (AMD, ISSCC 2026)
# x 2.4 GHz, BF16 at half the FP8 rate per clock.
@pytest.mark.parametrize(
    "name, figure, units, per_clock, ghz, rtol",
    [
        ("H100-SXM", "dense_bf16_flops", 132, 4096, 1.83, 1e-4),
        ("H100-SXM", "dense_fp8_flops", 132, 8192, 1.83, 1e-4),
        ("MI300X", "dense_bf16_flops", 304, 2048, 2.1, 1e-4),
        ("MI300X", "dense_fp8_flops", 304, 4096, 2.1, 1e-4),
        ("MI355X", "dense_fp8_flops", 256, 8192, 2.4, 1e-4),
        ("MI355X", "dense_bf16_flops", 256, 4096, 2.4, 1e-4),
        # A100 (NVIDIA A100 whitepaper): 108 SMs x 2,048 dense FP16/BF16 FLOP/clock/SM x 1.41 GHz boost = 311.9
        ("A100-SXM-40GB", "dense_bf16_flops", 108, 2048, 1.41, 1e-3),
        ("A100-SXM-80GB", "dense_bf16_flops", 108, 2048, 1.41, 1e-3),
        ("A800", "dense_bf16_flops", 108, 2048, 1.41, 1e-3),
        # H800: the H100 SXM's GH100 configuration
        ("H800", "dense_bf16_flops", 132, 4096, 1.83, 1e-4),
        ("H800", "dense_fp8_flops", 132, 8192, 1.83, 1e-4),
        # H100 PCIe: 114 SMs x 4,096 x 1.62 GHz boost (NVIDIA H100 whitepaper)
        ("H100-PCIe", "dense_bf16_flops", 114, 4096, 1.62, 1e-3),
        # V100 SXM2 (Volta whitepaper): 80 SMs x 8 Tensor Cores x 64 FMA x 2 = 1,024 FP16 FLOP/clock/SM x 1.53 GHz
        ("V100-SXM", "dense_fp16_flops", 80, 1024, 1.53, 4e-3),  # 125.3, printed as 125
        # RTX 4090 (Ada whitepaper): 128 SMs x 512 BF16 FLOP/clock/SM (FP32 accumulate) x 2.52 GHz boost
        ("RTX-4090", "dense_bf16_flops", 128, 512, 2.52, 1e-3),
        # L40S: 142 SMs x 1,024 x 2.52 GHz = 366.4; the datasheet's 362.05 is 1.2% below (a lower tensor clock)
        ("L40S", "dense_bf16_flops", 142, 1024, 2.52, 0.015),
        # TPU v4 (Jouppi et al. 2023, 'TPU v4'): 2 TensorCores x 4 MXUs x 128 x 128 MACs x 2 FLOP = 262,144 x 1.05 GHz
        ("TPU-v4", "dense_bf16_flops", 1, 262144, 1.05, 1e-3),
    ],
)
def test_dense_peaks_match_units_times_rate_times_clock(name, figure, units, per_clock, ghz, rtol):
    assert getattr(hw.find(name), figure) == pytest.approx(units * per_clock * ghz * 1e9, rel=rtol)


def test_a_calibrated_copy_keeps_the_accelerator():
    from flopcast.priors.scenario_text import posterior_scenario_text

    plan = fc.plan_for("plappert-2024", {"dataset_multiplier": 5}, gpu="B200")
    text = posterior_scenario_text(plan.scenario, ["sora_params"], "posterior.nc", "test", kept=plan.correlations)
    data = __import__("tomllib").loads(text)
    assert data["scenario"]["accelerator"] == "B200" and data["scenario"]["precision"] == "bf16"
    assert "posterior" in data and data["priors"]["dataset_multiplier"]["value"] == 5


def test_new_accelerators_are_listed_with_their_sources(capsys):
    assert main(["hardware", "--sources"]) == 0
    text = capsys.readouterr().out
    for name in (
        "A100-SXM-40GB",
        "A100-SXM-80GB",
        "A800",
        "H800",
        "V100-SXM",
        "L40S",
        "RTX-4090",
        "TPU-v4",
        "H100-PCIe",
        "TPU-v5e",
    ):
        acc = hw.find(name)
        assert acc.name == name and acc.memory_bandwidth is not None and acc.memory_gb is not None
        assert f"{name} memory_bandwidth:" in text and f"{name} dense_" in text


def test_v100_needs_fp16_and_then_scales_like_any_peak():
    with pytest.raises(InputError, match="no published dense BF16 peak"):
        fc.plan_for("llm-training", ["gpu_usd_per_hour=1.0"], gpu="V100-SXM")
    plan = fc.plan_for("llm-training", ["precision=fp16", "gpu_usd_per_hour=1.0"], gpu="V100-SXM")
    assert plan.points["gpu_peak_flops"] == 125e12 and plan.points["gpu_memory_bandwidth"] == 0.9


def test_memory_bandwidth_is_fixed_by_the_accelerator_like_the_peak():
    plan = fc.plan_for("llm-training", gpu="A100-SXM-80GB")
    assert plan.constants["gpu_memory_bandwidth"] == 2.039 and plan.constants["gpu_peak_flops"] == 312e12
    # an H100-equivalent unit is not restated on another accelerator; a GPU unit is
    assert plan.unit("training_h100_months") == "H100-equivalent-months"
    assert plan.unit("training_gpu_hours") == "A100-SXM-80GB-hours"


@pytest.mark.parametrize(
    "sets, match",
    [
        (["precision=fp8"], "add --gpu"),
        (["precision=fp4"], "one of 'bf16', 'fp8'"),
        (["accelerator="], "unknown accelerator"),
    ],
)
def test_bad_hardware_overrides_are_refused(sets, match):
    with pytest.raises(InputError, match=match):
        fc.plan_for("plappert-2024", sets)

"""The llm-training model and scenario: closed forms of its equations, dense and MoE runs on every
accelerator of the library, and its evidence file (accelerators applied per disclosed run)."""

from __future__ import annotations

import numpy as np
import pytest

import flopcast as fc
from flopcast import engine
from flopcast.models import llm_training as m
from flopcast.priors import hardware as hw
from flopcast.priors.errors import InputError

H100 = 989.4e12  # NVIDIA H100 SXM datasheet: 1,979 TFLOPS BF16 with sparsity / 2
A100 = 312e12  # NVIDIA A100 datasheet: BF16 312 TFLOPS dense

# Llama 2 70B (meta-llama/llama-models: dim 8192, 80 layers, 4k context; 69.0e9 parameters from the config)
LLAMA2_70B = dict(
    active_params=69e9, total_params=69e9, training_tokens=2e12, sequence_length=4096, layers=80, hidden_size=8192
)
# DeepSeek-V3 report, section 4.2: 37B of 671B activated, 14.8T tokens, 61 layers, hidden 7168, 4K sequences
DEEPSEEK_V3 = dict(
    active_params=37e9, total_params=671e9, training_tokens=14.8e12, sequence_length=4096, layers=61, hidden_size=7168
)


# --- closed forms --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "run, per_token, rtol",
    [
        # PaLM appendix B, 6N + 12 L d s: 6 x 69e9 + 12 x 80 x 8192 x 4096 = 4.14e11 + 3.221e10
        (LLAMA2_70B, 6 * 69e9 + 12 * 80 * 8192 * 4096, 1e-12),
        # PaLM 540B: 6 x 540.35e9 + 12 x 118 x 18432 x 2048 (appendix B's own 6N + 12LHQT with H Q = 18432)
        (
            dict(active_params=540.35e9, layers=118, hidden_size=18432, sequence_length=2048),
            6 * 540.35e9 + 12 * 118 * 18432 * 2048,
            1e-12,
        ),
    ],
)
def test_flops_per_token_is_6n_plus_palm_attention(run, per_token, rtol):
    got = m.flops_per_token(6.0, run["active_params"], 1.0, run["layers"], run["hidden_size"], run["sequence_length"])
    assert got == pytest.approx(per_token, rel=rtol)


@pytest.mark.parametrize(
    "name, ridge, rtol",
    [
        ("H100-SXM", 989.4 / 3.35, 1e-12),
        ("A100-SXM-80GB", 312 / 2.039, 1e-12),
        ("TPU-v4", 275 / 1.2, 1e-12),
        ("H800", 989.4 / 3.35, 1e-12),
    ],
)
def test_ridge_is_peak_over_bandwidth(name, ridge, rtol):
    acc = hw.find(name)
    assert m.ridge(acc.dense_bf16_flops, acc.memory_bandwidth) == pytest.approx(ridge, rel=rtol)


FIXED = dict(
    matmul_efficiency=0.8,
    intensity_at_8k=200.0,
    width_exponent=0.5,
    stack_overhead=0.1,
    moe_overhead=0.5,
    recompute_fraction=0.2,
    downtime_fraction=0.1,
    evaluation_fraction=0.02,
    extra_stage_fraction=0.1,
    failed_run_fraction=0.3,
    gpu_usd_per_hour=2.0,
)


@pytest.mark.parametrize(
    "run, gpu, switches",
    [
        (
            LLAMA2_70B,
            "A100-SXM-80GB",
            dict(hours_include_downtime=1, hours_include_stages=0, hours_include_failed_runs=0),
        ),
        (DEEPSEEK_V3, "H800", dict(hours_include_downtime=0, hours_include_stages=1, hours_include_failed_runs=1)),
    ],
)
def test_hours_h100_months_and_usd_by_hand(run, gpu, switches):
    """Every output from the point values, written out once by hand (tight tolerance: the same arithmetic)."""
    acc = hw.find(gpu)
    peak, bw = acc.dense_bf16_flops, acc.memory_bandwidth
    x = {**FIXED, **run, **switches}
    per_token = 6 * run["active_params"] + 12 * run["layers"] * run["hidden_size"] * run["sequence_length"]
    model = per_token * run["training_tokens"]
    intensity = 200.0 * (run["hidden_size"] / 8192) ** 0.5
    util = 1 / (1 / 0.8 + (peak / (bw * 1e12)) / intensity)
    util /= 1.1 * (1 + 0.5 * (1 - run["active_params"] / run["total_params"]))
    busy = model * (1 + 0.2 / 3) / (peak * util) / 3600
    hours = busy * (1 + switches["hours_include_downtime"] * 0.02) / (1 - switches["hours_include_downtime"] * 0.1)
    hours *= (1 + switches["hours_include_stages"] * 0.1) * (1 + switches["hours_include_failed_runs"] * 0.3)
    plan = engine.plan_for("llm-training", [f"{k}={v}" for k, v in x.items()], gpu=gpu)
    out = plan.model.evaluate({k: np.float64(v) for k, v in plan.points.items()})
    assert out["training_flops"] == pytest.approx(model, rel=1e-12)
    assert out["training_gpu_hours"] == pytest.approx(hours, rel=1e-12)
    assert out["training_h100_months"] == pytest.approx(hours * peak / H100 / 720, rel=1e-12)
    assert out["training_usd"] == pytest.approx(hours * 2.0, rel=1e-12)
    assert out["effective_mfu"] == pytest.approx(model / (hours * 3600 * peak), rel=1e-12)


def test_a100_reaches_a_larger_share_of_peak_than_h100_at_the_same_width():
    """The roofline's closed form: utilization falls as the ridge (peak / bandwidth) rises."""
    a = m.roofline_utilization(0.8, m.ridge(A100, 2.039), 200.0)
    h = m.roofline_utilization(0.8, m.ridge(H100, 3.35), 200.0)
    assert a == pytest.approx(1 / (1 / 0.8 + (312 / 2.039) / 200), rel=1e-12)
    assert h == pytest.approx(1 / (1 / 0.8 + (989.4 / 3.35) / 200), rel=1e-12)
    assert a > h


# --- every accelerator, dense and MoE ------------------------------------------------------------

NEW = [
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
    "H100-SXM",
]


@pytest.mark.parametrize("gpu", NEW)
@pytest.mark.parametrize("run", [LLAMA2_70B, DEEPSEEK_V3], ids=["dense", "moe"])
def test_dense_and_moe_run_on_every_listed_accelerator(gpu, run):
    acc = hw.find(gpu)
    sets = [f"{k}={v}" for k, v in run.items()]
    if acc.dense_bf16_flops is None:
        sets.append("precision=fp16")
    if acc.usd_per_hour is None:  # the library gives no price: the model needs one (the error says so)
        with pytest.raises(InputError, match="gpu_usd_per_hour"):
            engine.plan_for("llm-training", sets, gpu=gpu)
        sets.append("gpu_usd_per_hour=1.5")
    r = fc.run("llm-training", draws=2000, seed=3, set=sets, gpu=gpu)
    hours = r.outputs["training_gpu_hours"]
    assert np.all(np.isfinite(hours)) and np.all(hours > 0)
    # H100-equivalent months: hours x peak / H100 peak / 720 on every draw
    peak = acc.dense_bf16_flops or acc.dense_fp16_flops
    np.testing.assert_allclose(r.outputs["training_h100_months"], hours * peak / H100 / 720, rtol=1e-12)
    assert r.summary["training_h100_months"].unit == "H100-equivalent-months"


def test_moe_needs_total_at_least_active():
    with pytest.raises(InputError, match="total_params"):
        fc.run("llm-training", draws=100, seed=1, set={"active_params": 100e9, "total_params": 50e9})


# --- the evidence ----------------------------------------------------------------------------------


def test_evidence_applies_each_runs_accelerator():
    from flopcast.analyze.calibration import load_evidence

    plan = engine.plan_for("llm-training")
    ev = load_evidence("llm-training", plan)
    assert len(ev) == 15 and ev.scenario == "llm-training"
    by_label = {o.label: o for o in ev}
    assert by_label["Llama 2 70B"].set["gpu_peak_flops"] == A100
    assert by_label["Llama 2 70B"].set["gpu_memory_bandwidth"] == 2.039
    assert by_label["PaLM 540B"].set["gpu_peak_flops"] == 275e12
    assert by_label["MPT-7B"].set["gpu_memory_bandwidth"] == 1.555  # the 40 GB part
    assert (
        by_label["Llama 4 Maverick (17B active, 128 experts)"].set["gpu_peak_flops"] == 1978.9e12
    )  # its FP8 peak (datasheet: 3,958 with sparsity / 2)
    assert all(o.source and o.note and o.hardware_applied and 0.05 <= o.sigma_log <= 0.3 for o in ev)


@pytest.mark.parametrize(
    "extra, match",
    [
        ('accelerator = "Z9000"', "unknown accelerator"),
        ('accelerator = "A100", gpu_peak_flops = 312e12', "keep one of them"),
        ('accelerator = "A100", precision = "fp8"', "no published dense FP8 peak"),
        ('precision = "fp8"', "add set.accelerator"),
    ],
)
def test_bad_accelerator_in_evidence_is_one_error(tmp_path, extra, match):
    from flopcast.analyze.calibration import load_evidence

    path = tmp_path / "ev.toml"
    path.write_text(
        '[[observation]]\noutput = "training_gpu_hours"\nvalue = 1e6\nsigma_log = 0.1\n'
        f'set = {{ {extra}, active_params = 7e9, total_params = 7e9 }}\nsource = "synthetic"\n'
    )
    with pytest.raises(InputError, match=match):
        load_evidence(path, engine.plan_for("llm-training"))


def test_validate_places_every_disclosed_run_on_its_own_accelerator():
    from flopcast.analyze.validate import validate

    v = validate("llm-training", "llm-training", draws=1000, seed=2)
    units = {c.label: c.unit for c in v.cases}
    assert units["PaLM 540B"] == "TPU-v4-hours" and units["MPT-7B"] == "A100-SXM-40GB-hours"
    assert len(v.cases) == 15 and all(0.0 <= c.pit <= 1.0 for c in v.cases)


def test_fp8_counts_h100_equivalents_at_the_h100s_fp8_peak():
    """--gpu at fp8 sets both peaks at FP8 (H800 and H100 SXM: 1,978.9 TFLOPS dense), so an H800-hour
    is one H100-equivalent hour: H100-months = hours / 720 on every draw."""
    r = fc.run("llm-training", draws=1000, seed=4, set=["precision=fp8"], gpu="H800")
    assert r.plan.points["reference_peak_flops"] == r.plan.points["gpu_peak_flops"] == 1978.9e12
    np.testing.assert_allclose(r.outputs["training_h100_months"], r.outputs["training_gpu_hours"] / 720, rtol=1e-12)

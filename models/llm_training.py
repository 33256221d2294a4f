"""Training a dense or mixture-of-experts (MoE) decoder-only LLM: FLOPs, accelerator-hours, H100-months, USD.

The chain, each step a small function below with its source:

- FLOPs per token (model FLOPs, the count MFU is quoted in): 6 N per token for the weights (Kaplan et al.
  2020, "Scaling Laws for Neural Language Models", section 2.1; N = the parameters one token passes
  through, the *active* parameters of an MoE) plus the attention scores and mixing, 12 x layers x
  hidden_size x sequence_length per token (Chowdhery et al. 2022, "PaLM", appendix B: "6N + 12LHQT",
  H x Q = the attention width = hidden_size for the models here). Training FLOPs = that x tokens.
- Recomputation: activation checkpointing recomputes forward passes the backward pass needs; full
  recomputation adds one forward pass, 2 of the 6 N (Korthikanti et al. 2022, "Reducing Activation
  Recomputation in Large Transformer Models", section 2: hardware FLOPs = model FLOPs x 4/3; PaLM
  appendix B: 57.8% hardware vs 46.2% model FLOPs utilization with rematerialization).
- Utilization as a roofline (Williams, Waterman & Patterson 2009, "Roofline", CACM 52(4)): a step's
  matrix products run at ``matmul_efficiency`` of the peak; the rest of the step (norms, activations,
  softmax, optimizer, communication waits) moves bytes, whose time does not shrink with the peak. Per
  token, activation bytes grow with the width d while the matmul FLOPs grow with d^2 (Korthikanti et
  al. 2022, eq. 1: activations of s b h (34 + 5 a s / h) bytes per layer, against 24 s b h^2 FLOPs);
  communication and batch choices weaken that in practice, so the step's arithmetic intensity is
  I = ``intensity_at_8k`` x (d / 8192) ^ ``width_exponent`` [FLOP/byte] (exponent 1: the per-token
  argument; 0: no width dependence) and

      utilization = 1 / (1 / matmul_efficiency + ridge / I),
      ridge = peak FLOP/s / memory bandwidth [FLOP/byte]  (the accelerator's machine balance).

  An accelerator whose peak grew faster than its bandwidth (H100: 989.4 / 3.35 = 295 FLOP/byte) reaches a
  smaller share of peak than one with a lower ridge (A100 80GB: 312 / 2.039 = 153), as published MFU
  studies find (A100: 54-55% at 175-530B; H100: 38-43% at 340-405B; see the scenario), and narrow
  models reach less than wide ones.
- Software stack: ``stack_overhead`` stretches the step by the work a less tuned stack adds over the
  published hero runs (pipeline bubbles, unoverlapped communication, slower kernels); an MoE adds expert
  dispatch (all-to-all) in proportion to its inactive share, ``moe_overhead`` x (1 - active / total)
  (DeepSeek-AI 2024, "DeepSeek-V3 Technical Report", section 3.2.1: cross-node expert parallelism
  gives a computation-to-communication ratio of about 1:1 before overlap).
- What the disclosed hours hold besides the counted tokens: downtime (failures, restarts, rollbacks,
  checkpointing; Dubey et al. 2024, "The Llama 3 Herd of Models", section 3.3.4: 466 interruptions in a
  54-day snapshot, "higher than 90% effective training time"), evaluation during training, stages
  beyond the counted pre-training tokens (context extension, annealing, post-training; DeepSeek-V3
  Table 1: 2,664K pre-training + 119K context extension + 5K post-training H800 hours), and failed
  runs. Switches say which of them a figure includes.

Every function is pure arithmetic (operators only), so it runs on numpy arrays and PyTensor tensors.
"""

from __future__ import annotations

from typing import Any, Mapping

from flopcast.models._convention import DENSE, FLOP_TRAINING, declare
from flopcast.models.spec import Quantity

SECONDS_PER_HOUR = 3600.0
HOURS_PER_MONTH = 30 * 24.0  # 30-day months, as in models/sora.py
TB = 1e12  # bytes per TB (memory bandwidth is given in TB/s)
ATTENTION_FLOPS_PER_LAYER_WIDTH_TOKEN = 12.0  # PaLM appendix B: 12 L H Q T per token, forward + backward
FORWARD_SHARE = 1.0 / 3.0  # one forward pass = 2 of the 6 N FLOPs per token (forward 2N, backward 4N)
H100_DENSE_BF16 = 989.4e12  # priors/hardware.toml: H100 SXM, 1,979 TFLOPS with sparsity / 2

TRAINING_CONVENTION = declare(
    FLOP_TRAINING, FLOP_TRAINING, "Kaplan et al. 2020, section 2.1: 6N FLOPs per token, forward + backward"
)
PEAK_CONVENTION = declare(DENSE, DENSE, "accelerator datasheets: dense peaks (priors/hardware.toml)")

INPUTS = {
    # --- the model and its run (read off a model card / report)
    "active_params": Quantity(
        "parameters",
        "parameters one token passes through (all of a dense model; the activated ones of an MoE)",
        None,
        "model card / report",
        domain="positive",
    ),
    "total_params": Quantity(
        "parameters",
        "all parameters (= active_params for a dense model)",
        None,
        "model card / report",
        domain="positive",
    ),
    "training_tokens": Quantity("tokens", "pre-training tokens", None, "model card / report", domain="positive"),
    "sequence_length": Quantity(
        "tokens",
        "pre-training sequence length (before long-context extension)",
        None,
        "model card / report",
        domain="positive",
    ),
    "layers": Quantity("layers", "transformer blocks", None, "model config", domain="positive"),
    "hidden_size": Quantity(
        "dims",
        "model width d (d_model; the attention width heads x head size)",
        None,
        "model config",
        domain="positive",
    ),
    "flops_per_param_token": Quantity(
        "FLOP/parameter/token",
        "training FLOPs per active parameter per token (forward + backward)",
        6.0,
        "Kaplan et al. 2020, section 2.1: 6N per token",
        domain="positive",
        convention=TRAINING_CONVENTION,
    ),
    "attention_factor": Quantity(
        "x PaLM's attention term",
        "share of 12 L d s FLOPs per token the attention "
        "computes (1: PaLM appendix B's count; 0.5: causal kernels that skip the masked "
        "half)",
        1.0,
        "Chowdhery et al. 2022 (PaLM), appendix B",
        domain="nonnegative",
    ),
    "recompute_fraction": Quantity(
        "forward passes",
        "extra forward passes per step for activation recomputation (0 none, 1 full: 4/3 of the model FLOPs)",
        None,
        "Korthikanti et al. 2022, section 2",
        domain="nonnegative",
    ),
    # --- the accelerator (--gpu)
    "gpu_peak_flops": Quantity(
        "FLOP/s",
        "dense peak of one accelerator at the training precision",
        H100_DENSE_BF16,
        "NVIDIA H100 SXM datasheet: 989.4 TFLOPS dense BF16",
        domain="positive",
        convention=PEAK_CONVENTION,
        hardware="peak_flops",
    ),
    "gpu_memory_bandwidth": Quantity(
        "TB/s",
        "memory bandwidth of one accelerator",
        3.35,
        "NVIDIA H100 SXM datasheet: 3.35 TB/s",
        domain="positive",
        hardware="memory_bandwidth",
    ),
    "gpu_usd_per_hour": Quantity(
        "USD/GPU-hour",
        "rental price of one accelerator-hour",
        None,
        "priors/hardware.toml (the chosen accelerator's public range)",
        domain="positive",
        hardware="usd_per_hour",
    ),
    "reference_peak_flops": Quantity(
        "FLOP/s",
        "the H100 peak H100-equivalents are counted in (at the same precision as gpu_peak_flops)",
        H100_DENSE_BF16,
        "NVIDIA H100 SXM datasheet: 989.4 TFLOPS dense BF16 (1,978.9 FP8); --gpu sets it at the chosen precision",
        domain="positive",
        convention=PEAK_CONVENTION,
        hardware="reference_peak_flops",
    ),
    # --- utilization
    "matmul_efficiency": Quantity(
        "fraction",
        "share of peak the step's matrix products reach (the roofline's compute ceiling)",
        None,
        "published MFU studies, see the scenario",
        domain="open_fraction",
    ),
    "intensity_at_8k": Quantity(
        "FLOP/byte",
        "a training step's FLOPs per byte of memory-bound traffic, at width 8192",
        None,
        "published MFU studies, see the scenario",
        domain="positive",
    ),
    "width_exponent": Quantity(
        "fraction",
        "how the step's arithmetic intensity grows with the width: "
        "I ~ d ^ width_exponent (1: per-token activation traffic; 0: none)",
        None,
        "Korthikanti et al. 2022, eq. 1; see the scenario",
        domain="fraction",
    ),
    "stack_overhead": Quantity(
        "fraction",
        "extra step time of the run's software stack over the published "
        "hero runs (bubbles, unoverlapped communication, slower kernels)",
        None,
        "PaLM Table 3 vs Korthikanti et al. 2022, see the scenario",
        domain="nonnegative",
    ),
    "moe_overhead": Quantity(
        "fraction",
        "extra step time of expert dispatch per unit of inactive-parameter share (1 - active / total)",
        None,
        "DeepSeek-V3 report, section 3.2.1; see the scenario",
        domain="nonnegative",
    ),
    # --- what the hours hold
    "downtime_fraction": Quantity(
        "fraction",
        "share of wall-clock lost to failures, restarts, rollbacks and checkpointing",
        None,
        "Llama 3 paper, section 3.3.4",
        domain="fraction",
    ),
    "evaluation_fraction": Quantity(
        "fraction",
        "evaluation during training, as a fraction of the training time",
        None,
        "see the scenario",
        domain="nonnegative",
    ),
    "extra_stage_fraction": Quantity(
        "fraction",
        "stages beyond the counted pre-training tokens (context "
        "extension, annealing, post-training), as a fraction of pre-training hours",
        None,
        "DeepSeek-V3 report, Table 1",
        domain="nonnegative",
    ),
    "failed_run_fraction": Quantity(
        "fraction",
        "failed and restarted runs, as a fraction of the final run's hours",
        None,
        "see the scenario",
        domain="nonnegative",
    ),
    "hours_include_downtime": Quantity(
        "0/1",
        "1: the hours are wall-clock x accelerators (downtime and "
        "evaluation in them); 0: computed from steady throughput",
        1.0,
        "how the figure was counted",
        domain="switch",
    ),
    "hours_include_stages": Quantity(
        "0/1",
        "1: the hours cover the stages beyond pre-training too",
        1.0,
        "how the figure was counted",
        domain="switch",
    ),
    "hours_include_failed_runs": Quantity(
        "0/1", "1: the hours cover failed and restarted runs too", 0.0, "how the figure was counted", domain="switch"
    ),
}

OUTPUTS = {
    "flops_per_token": Quantity("FLOP/token", "model FLOPs per training token (6N + 12 L d s)", domain="positive"),
    "attention_share": Quantity(
        "fraction", "share of the model FLOPs in attention scores and mixing", domain="fraction"
    ),
    "training_flops": Quantity("FLOP", "model FLOPs of pre-training (the count MFU is quoted in)", domain="positive"),
    "hardware_flops": Quantity("FLOP", "FLOPs the accelerators execute, with recomputation", domain="positive"),
    "ridge_flops_per_byte": Quantity(
        "FLOP/byte", "the accelerator's machine balance, peak / memory bandwidth", domain="positive"
    ),
    "utilization": Quantity(
        "fraction",
        "hardware FLOP/s over peak while training (the roofline, with the stack and MoE overheads)",
        domain="open_fraction",
    ),
    "mfu": Quantity("fraction", "model FLOPs utilization while training (before downtime)", domain="open_fraction"),
    "training_gpu_hours": Quantity(
        "GPU-hours", "accelerator-hours the figure covers, on the chosen accelerator", domain="positive"
    ),
    "effective_mfu": Quantity(
        "fraction",
        "model FLOPs over (accelerator-hours x peak): the utilization the hours imply",
        domain="open_fraction",
    ),
    "training_h100_months": Quantity(
        "H100-equivalent-months",
        "the hours in H100-months (x peak / the H100's peak; 30-day months)",
        domain="positive",
    ),
    "training_usd": Quantity("USD", "rental cost of the hours at gpu_usd_per_hour", domain="positive"),
}

KEY_OUTPUTS = ("training_gpu_hours", "training_h100_months", "training_usd")


def flops_per_token(flops_per_param_token, active_params, attention_factor, layers, hidden_size, sequence_length):
    """PaLM appendix B: 6N + 12 L H Q T per token (N active parameters; H Q = d the attention width;
    T the sequence length). Llama 2 70B at 4,096 tokens: 6 x 69e9 + 12 x 80 x 8192 x 4096 = 4.46e11."""
    return (
        flops_per_param_token * active_params
        + attention_factor * ATTENTION_FLOPS_PER_LAYER_WIDTH_TOKEN * layers * hidden_size * sequence_length
    )


def recompute_factor(recompute_fraction):
    """Hardware FLOPs over model FLOPs: 1 + recompute/3 (full recomputation adds a forward pass, 2 of 6 N:
    Korthikanti et al. 2022, section 2)."""
    return 1.0 + FORWARD_SHARE * recompute_fraction


def ridge(peak_flops, bandwidth_tb_s):
    """Roofline machine balance [FLOP/byte]: H100 SXM 989.4e12 / 3.35e12 = 295; A100 80GB 312 / 2.039 = 153."""
    return peak_flops / (bandwidth_tb_s * TB)


REFERENCE_WIDTH = 8192.0  # the width intensity_at_8k is given at (Llama 2 70B, LLaMA-65B)


def intensity(intensity_at_8k, width_exponent, hidden_size):
    """A step's arithmetic intensity [FLOP/byte] at width d: I_8k x (d / 8192) ^ width_exponent."""
    return intensity_at_8k * (hidden_size / REFERENCE_WIDTH) ** width_exponent


def roofline_utilization(matmul_efficiency, ridge_, intensity_):
    """1 / (1 / e + ridge / I): the compute-bound time at efficiency e plus the memory-bound time of a
    step of arithmetic intensity I, both per FLOP at peak (Williams et al. 2009)."""
    return 1.0 / (1.0 / matmul_efficiency + ridge_ / intensity_)


def moe_slowdown(moe_overhead, active_params, total_params):
    """1 + moe_overhead x (1 - active / total): 1 for a dense model."""
    return 1.0 + moe_overhead * (1.0 - active_params / total_params)


def hours_multiplier(
    downtime_fraction,
    evaluation_fraction,
    extra_stage_fraction,
    failed_run_fraction,
    include_downtime,
    include_stages,
    include_failed,
):
    """What the disclosed hours hold beyond the steady-state training of the counted tokens: wall-clock =
    busy time / (1 - downtime) plus evaluation; stages and failed runs add their share. A switch at 0
    leaves its term out."""
    wall = (1.0 + include_downtime * evaluation_fraction) / (1.0 - include_downtime * downtime_fraction)
    return wall * (1.0 + include_stages * extra_stage_fraction) * (1.0 + include_failed * failed_run_fraction)


def accelerator_hours(flops, peak_flops, utilization):
    """FLOPs / (peak x utilization), in accelerator-hours."""
    return flops / (peak_flops * utilization) / SECONDS_PER_HOUR


def h100_months(gpu_hours, peak_flops, reference_peak_flops):
    """Accelerator-hours x peak / the H100's peak, in 30-day months (720 h)."""
    return gpu_hours * peak_flops / reference_peak_flops / HOURS_PER_MONTH


def evaluate(x: Mapping[str, Any]) -> dict[str, Any]:
    per_token = flops_per_token(
        x["flops_per_param_token"],
        x["active_params"],
        x["attention_factor"],
        x["layers"],
        x["hidden_size"],
        x["sequence_length"],
    )
    attention = per_token - x["flops_per_param_token"] * x["active_params"]
    model = per_token * x["training_tokens"]
    recompute = recompute_factor(x["recompute_fraction"])
    hardware = model * recompute
    ridge_ = ridge(x["gpu_peak_flops"], x["gpu_memory_bandwidth"])
    roof = roofline_utilization(
        x["matmul_efficiency"], ridge_, intensity(x["intensity_at_8k"], x["width_exponent"], x["hidden_size"])
    )
    util = roof / ((1.0 + x["stack_overhead"]) * moe_slowdown(x["moe_overhead"], x["active_params"], x["total_params"]))
    busy = accelerator_hours(hardware, x["gpu_peak_flops"], util)
    hours = busy * hours_multiplier(
        x["downtime_fraction"],
        x["evaluation_fraction"],
        x["extra_stage_fraction"],
        x["failed_run_fraction"],
        x["hours_include_downtime"],
        x["hours_include_stages"],
        x["hours_include_failed_runs"],
    )
    return {
        "flops_per_token": per_token,
        "attention_share": attention / per_token,
        "training_flops": model,
        "hardware_flops": hardware,
        "ridge_flops_per_byte": ridge_,
        "utilization": util,
        "mfu": util / recompute,
        "training_gpu_hours": hours,
        "effective_mfu": model / (hours * SECONDS_PER_HOUR * x["gpu_peak_flops"]),
        "training_h100_months": h100_months(hours, x["gpu_peak_flops"], x["reference_peak_flops"]),
        "training_usd": hours * x["gpu_usd_per_hour"],
    }


def check(x: Mapping[str, float]) -> list[tuple[str, str]]:
    """An MoE activates at most all its parameters; a share of wall-clock lost is below 1."""
    problems: list[tuple[str, str]] = []
    if "active_params" in x and "total_params" in x and float(x["active_params"]) > float(x["total_params"]):
        problems.append(
            (
                "active_params",
                f"{float(x['active_params']):g} active parameters exceed total_params "
                f"{float(x['total_params']):g}: give total_params >= active_params "
                "(equal for a dense model)",
            )
        )
    if "downtime_fraction" in x and float(x["downtime_fraction"]) >= 1:
        problems.append(
            ("downtime_fraction", f"must be below 1 (a share of wall-clock), got {float(x['downtime_fraction']):g}")
        )
    return problems

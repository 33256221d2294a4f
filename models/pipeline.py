"""Pipeline-parallel bubble: an upper bound on achievable utilization, from Lilian Weng's survey of
large-model training ("How to Train Really Large Models on Many GPUs?", 2021).

Source: Lilian Weng, "How to Train Really Large Models on Many GPUs?", Lil'Log, 2021-09-24, section
"Pipeline Parallelism", in its Chinese translation (section "管道并行"), quoted below as [P "<phrase>"]. GPipe splits a mini-batch into m micro-batches and the model into d stages;
with one time unit per micro-batch forward and backward per stage, a step takes m + d - 1 units of
which d - 1 are idle (the "bubble"), so the bubble fraction is (d - 1) / (m + d - 1). The formula is an
image in the translation; its text ("给定m个均匀分割的微批次和d个分区 ... 则气泡的分数为:") and Weng's
original give it as above.

Readings chosen:
- Interleaved schedules. [P "如果每个worker有v个模型块,那么与GPipe调度相比,管道的'气泡'时间可以减少 v 倍"]:
  the idle time (d - 1) becomes (d - 1) / v, so bubble = ((d - 1) / v) / (m + (d - 1) / v). With
  ``model_chunks`` = 1 (the default) this is GPipe's formula.
- Utilization upper bound = (1 - bubble) x ``other_efficiency``, the fraction of peak the busy time
  itself achieves (kernels, communication); its point is 1.0, the pure pipeline bound.
- "Negligible". [P "如果微批次的数量超过分区数量4倍(m>4d),则'气泡'开销几乎可以忽略不计"]: the
  model reports the bubble at m = 4d, (d - 1) / (5d - 1) for v = 1, which is 3/19 = 15.8% at d = 4
  and tends to 1/5 for deep pipelines, and the micro-batches per stage needed to keep the bubble at
  ``bubble_target`` (default 5%, our reading of "negligible"). The GPipe paper's claim also leans on
  recomputation being scheduled into the bubble, which this formula does not count.
- Stage and micro-batch counts are integers in practice; here they are continuous so priors can be
  sampled, and the formula is evaluated as is.

Every function is pure arithmetic on named arrays: numpy arrays and PyTensor tensors alike.
"""

from __future__ import annotations

from typing import Any, Mapping

from flopcast.models.spec import Quantity

INPUTS = {
    "stages": Quantity(
        "stages", "pipeline depth d (model partitions)", None, '[P "给定m个均匀分割的微批次和d个分区"]', domain="count"
    ),
    "micro_batches": Quantity(
        "micro-batches",
        "micro-batches m per mini-batch",
        None,
        '[P "给定m个均匀分割的微批次和d个分区"]',
        domain="positive",
    ),
    "model_chunks": Quantity(
        "chunks/stage",
        "model chunks v per device (interleaved schedule)",
        1.0,
        '[P "如果每个worker有v个模型块 ... 气泡时间可以减少 v 倍"]; 1 = GPipe',
        domain="integer",
    ),
    "other_efficiency": Quantity(
        "fraction",
        "fraction of peak the pipeline's busy time achieves",
        None,
        "not in the source: kernel and communication efficiency outside the bubble",
        domain="fraction",
    ),
    "bubble_target": Quantity(
        "fraction",
        "bubble fraction read as 'negligible'",
        0.05,
        '[P "几乎可以忽略不计"] gives no number; 5% is our reading',
        domain="open_fraction",
    ),
}

OUTPUTS = {
    "bubble_fraction": Quantity("fraction", "share of a training step the devices sit idle", domain="fraction"),
    "utilization_upper_bound": Quantity(
        "fraction", "achievable utilization: (1 - bubble) x other_efficiency", domain="fraction"
    ),
    "pipeline_speedup": Quantity("x one device", "throughput over one device: d x (1 - bubble)", domain="positive"),
    "bubble_fraction_at_4d": Quantity("fraction", "bubble at m = 4d for the same d and v", domain="fraction"),
    "micro_batches_for_target": Quantity(
        "micro-batches", "smallest m with bubble <= bubble_target", domain="nonnegative"
    ),
    "micro_batches_per_stage_for_target": Quantity(
        "micro-batches/stage", "that m over d (the source's rule says 4)", domain="nonnegative"
    ),
}

KEY_OUTPUTS = ("bubble_fraction", "utilization_upper_bound", "bubble_fraction_at_4d")


def idle_units(stages, chunks):
    """Idle time units per step: d - 1 for GPipe, divided by v for an interleaved schedule
    [P "管道的'气泡'时间可以减少 v 倍"]."""
    return (stages - 1.0) / chunks


def bubble_fraction(stages, micro_batches, chunks):
    """[P "给定m个均匀分割的微批次和d个分区 ... 气泡的分数为"]: (d - 1) / (m + d - 1) when v = 1."""
    idle = idle_units(stages, chunks)
    return idle / (micro_batches + idle)


def utilization_bound(bubble, other_efficiency):
    """Devices compute only outside the bubble: utilization <= (1 - bubble) x other efficiency."""
    return (1.0 - bubble) * other_efficiency


def speedup(stages, bubble):
    """[P "GPipe在吞吐量方面与设备数量成线性关系"]: d devices, each busy (1 - bubble) of the time."""
    return stages * (1.0 - bubble)


def micro_batches_for(stages, chunks, target):
    """Solve idle / (m + idle) = target for m: m = idle x (1 - target) / target."""
    return idle_units(stages, chunks) * (1.0 - target) / target


def evaluate(x: Mapping[str, Any]) -> dict[str, Any]:
    d, m, v = x["stages"], x["micro_batches"], x["model_chunks"]
    bubble = bubble_fraction(d, m, v)
    needed = micro_batches_for(d, v, x["bubble_target"])
    return {
        "bubble_fraction": bubble,
        "utilization_upper_bound": utilization_bound(bubble, x["other_efficiency"]),
        "pipeline_speedup": speedup(d, bubble),
        # [P "如果微批次的数量超过分区数量4倍(m>4d),则'气泡'开销几乎可以忽略不计"]
        "bubble_fraction_at_4d": bubble_fraction(d, 4.0 * d, v),
        "micro_batches_for_target": needed,
        "micro_batches_per_stage_for_target": needed / d,
    }


def check(x: Mapping[str, Any]) -> list[tuple[str, str]]:
    """At least one micro-batch at the point (the domain is positive so that a lognormal prior fits;
    stages and model_chunks are held at >= 1 by their domains, bubble_target in (0, 1] by its)."""
    if "micro_batches" in x and float(x["micro_batches"]) < 1.0:
        return [("micro_batches", f"must be at least 1, got {float(x['micro_batches']):g}")]
    return []

"""Utilization that depends on the accelerator (video-diffusion): closed forms of the balance term and
its limits, and what it does to a run on another accelerator."""

from __future__ import annotations

import numpy as np
import pytest

import flopcast as fc
from flopcast.models import video_diffusion as vd
from flopcast.priors import hardware as hw

B0 = 989.4e12 / 3.35e12  # H100 SXM machine balance [FLOP/byte] (datasheet peak / bandwidth)


@pytest.mark.parametrize(
    "u, name, k, want, rtol",
    [
        (0.4, "H100-SXM", 2.0, 0.4, 1e-12),  # on the reference: u itself
        (0.4, "A100-SXM-80GB", 0.0, 0.4, 1e-12),  # k = 0: the same everywhere
        (0.4, "A100-SXM-80GB", 1.0, 1 / (1 + 1.5 * (312 / 2.039) / B0), 1e-12),  # roofline limit: 0.563
        (
            0.35,
            "A100-SXM-80GB",
            2.38,
            0.73,
            0.02,
        ),  # FlashAttention-2: 35% on H100 (FA3 paper) -> ~73% on A100 (FA2 paper)
        (0.4, "L40S", 1.0, 1 / (1 + 1.5 * (362.05 / 0.864) / B0), 1e-12),  # a higher balance: less than u
    ],
)
def test_utilization_on_an_accelerator_closed_form(u, name, k, want, rtol):
    acc = hw.find(name)
    got = vd.utilization_on(u, vd.balance(acc.dense_bf16_flops, acc.memory_bandwidth), k)
    assert got == pytest.approx(want, rel=rtol)
    assert 0 < got <= 1


def test_elasticity_changes_nothing_on_the_h100_and_speeds_up_the_a100():
    base = {"balance_elasticity": 0.0, "stack_overhead": 0.0}
    a = fc.run("video-diffusion", draws=2000, seed=7, set=base)
    b = fc.run("video-diffusion", draws=2000, seed=7, set={**base, "balance_elasticity": 1.5})
    np.testing.assert_allclose(a.outputs["gpu_seconds_per_video"], b.outputs["gpu_seconds_per_video"], rtol=1e-12)
    a100 = fc.run("video-diffusion", draws=2000, seed=7, set=base, gpu="A100-SXM-80GB")
    a100k = fc.run("video-diffusion", draws=2000, seed=7, set={**base, "balance_elasticity": 1.5}, gpu="A100-SXM-80GB")
    assert np.all(a100k.outputs["gpu_seconds_per_video"] < a100.outputs["gpu_seconds_per_video"])


@pytest.mark.parametrize("overhead", [0.0, 0.5, 1.5])
def test_stack_overhead_stretches_the_denoising_time_only(overhead):
    fixed = {"balance_elasticity": 0.0, "fixed_seconds_per_video": 8.0}
    base = fc.point("video-diffusion", set={**fixed, "stack_overhead": 0.0}).values
    got = fc.point("video-diffusion", set={**fixed, "stack_overhead": overhead}).values
    assert got["gpu_seconds_per_video"] - 8.0 == pytest.approx(
        (base["gpu_seconds_per_video"] - 8.0) * (1 + overhead), rel=1e-12
    )
    assert got["flops_per_video"] == base["flops_per_video"]  # the FLOP count is the model's, not the stack's

"""priors/evidence/video-training.toml: disclosed training runs of open video models, set against the
training side of models/video_diffusion.py (loads against the scenario, real inputs in their domains,
one case's arithmetic reproduced in closed form from its source, every case runs through validate)."""

from __future__ import annotations

import pytest

from flopcast import engine
from flopcast.analyze.calibration import load_evidence
from flopcast.analyze.validate import validate
from flopcast.priors.domains import value_problem

pytestmark = pytest.mark.filterwarnings("ignore:PyTensor could not link to a BLAS")

H800 = 989.4e12  # FLOP/s dense BF16 (NVIDIA H100/H800 SXM datasheet)


@pytest.fixture(scope="module")
def plan():
    return engine.plan_for("video-diffusion")


@pytest.fixture(scope="module")
def evidence(plan):
    return load_evidence("video-training", plan)


def test_loads_against_the_scenario(evidence):
    assert evidence.scenario == "video-diffusion" and len(evidence) >= 4
    assert all(o.output == "training_gpu_days" and o.source and o.note and o.label for o in evidence)
    assert all(0.1 <= o.log_sigma <= 0.6 for o in evidence)
    assert len({o.set["params"] for o in evidence}) >= 3  # runs of different model sizes
    assert max(o.value for o in evidence) / min(o.value for o in evidence) > 30  # and of different compute


def test_every_set_names_real_inputs_in_their_domains(evidence, plan):
    inputs = plan.model.inputs
    for obs in evidence:
        unknown = sorted(set(obs.set) - set(inputs))
        assert not unknown, f"{obs.label}: {unknown}"
        problems = {n: value_problem(v, inputs[n].domain) for n, v in obs.set.items()}
        assert not any(problems.values()), f"{obs.label}: {problems}"
        assert not plan.model.check(dict(obs.set)), obs.label
        # the training clip is a whole number of pixel frames (fps x seconds is all the model uses)
        frames = obs.set["fps"] * obs.set["training_clip_seconds"]
        assert frames == pytest.approx(round(frames), abs=1e-9)


# Open-Sora 1.0, README 'Open-Sora 1.0 Model Weights' (commit a97821f1): 16x256x256, 366K clips,
# 80k iterations x batch 8x64, 117 H800-days; STDiT-XL/2 = 28 blocks x 18 x 1152^2 per-token weights,
# factorised attention over F = 16 frames of S = 256 tokens; full gradient checkpointing (recompute 1).
# Closed form: FLOPs = (3 + r)(1 + pad)(1 + enc) x samples x [2 N T + 4 L d (F S^2 + S F^2)], T = F S,
# GPU-days = FLOPs / (peak x u x 86,400).
@pytest.mark.parametrize("utilization, padding, encoder", [(0.3, 0.0, 0.0), (0.12, 0.08, 0.1), (0.05, 0.3, 0.5)])
def test_open_sora_1_0_closed_form(evidence, utilization, padding, encoder):
    obs = next(o for o in evidence if o.label == "Open-Sora 1.0 16x256x256 (366K)")
    samples = 80_000 * 8 * 64
    n_per_token = 28 * 18 * 1152**2
    frames, per_frame = 16, (256 // 8 // 2) ** 2
    tokens = frames * per_frame
    forward = 2 * n_per_token * tokens + 4 * 28 * 1152 * (frames * per_frame**2 + per_frame * frames**2)
    flops = (3 + 1) * (1 + padding) * (1 + encoder) * samples * forward
    want = flops / (H800 * utilization * 86400)
    assert obs.set["training_clips"] == samples and obs.set["params"] == pytest.approx(n_per_token, rel=1e-3)
    at = {
        **obs.set,
        "training_utilization": utilization,
        "training_padding_fraction": padding,
        "training_encoder_fraction": encoder,
    }
    y = engine.evaluate_point("video-diffusion", at=at)
    assert y["training_tokens"] == samples * tokens
    assert y["training_gpu_days"] == pytest.approx(want, rel=2e-3)  # params rounded to 4 figures


def test_open_sora_1_0_implied_utilization_as_noted(evidence):
    """The note's 6.9%: denoiser FLOPs (no recomputation, no encoders) over 117 H800-days at peak."""
    obs = next(o for o in evidence if o.label == "Open-Sora 1.0 16x256x256 (366K)")
    at = {
        **obs.set,
        "training_utilization": 1.0,
        "training_recompute_fraction": 0.0,
        "training_padding_fraction": 0.0,
        "training_encoder_fraction": 0.0,
    }
    implied = engine.evaluate_point("video-diffusion", at=at)["training_gpu_days"] / obs.value
    assert implied == pytest.approx(0.069, abs=0.001) and "6.9%" in obs.note


def test_open_sora_1_2_latent_frames_match_its_vae():
    """OpenSora-VAE-v1.2 encodes 51 frames as 3 micro-batches of 17, each 1 + 16/4 = 5 latent frames;
    the case's 57 frames of a causal 4x VAE give the same 15."""
    from flopcast.models.video_diffusion import latent_frames

    assert latent_frames(57.0, 4.0, 1.0) == 3 * (1 + 16 // 4) == 15


def test_every_case_runs_through_validate():
    v = validate("video-diffusion", "video-training", draws=2000, seed=3)
    assert len(v.cases) >= 4 and all(c.unit == "GPU-days" and c.p05 < c.median < c.p95 for c in v.cases)

"""models/video_diffusion.py and models/video_fleet.py: published architectures, the source's shortcuts,
monotonicity, PyTensor, the two scenarios, bad input and the waterfall."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from flopcast import engine
from flopcast.models import video_diffusion as vd
from flopcast.models import video_fleet as vf

H100 = 989.4e12

# Inputs that do not matter for a single forward pass; training inputs kept tiny and valid.
_NEUTRAL = dict(
    flops_per_param_token=2.0,
    attention_factor=1.0,
    gpu_peak_flops=H100,
    inference_utilization=1.0,
    overhead_fraction=0.0,
    causal_vae=1.0,
    patch_temporal=1.0,
    fps=24.0,
    training_clips=1.0,
    training_clip_seconds=1.0,
    training_width=256.0,
    training_height=256.0,
    training_epochs=1.0,
    training_utilization=0.5,
    fixed_seconds_per_video=0.0,
    training_images=0.0,
    training_padding_fraction=0.0,
    training_recompute_fraction=0.0,
    training_encoder_fraction=0.0,
)


def _eval(**kw):
    x = {k: np.float64(v) for k, v in {**_NEUTRAL, **kw}.items()}
    return vd.evaluate(x)


# --- published architectures --------------------------------------------------------------------
# Each row: the architecture facts, with sources, then the expected token count and per-forward FLOPs
# computed by hand (written out as arithmetic, independent of the model code), and a tolerance.
# "params" counts the weights every video token passes through (see models/video_diffusion.py):
#   DiT-XL/2: 12 L d^2 = 12 x 28 x 1152^2 (adaLN modulation MLPs act once per image, not per token).
#   CogVideoX: 12 L d^2 (4d^2 attention + 8d^2 FFN; expert adaLN acts on the time embedding).
#   Wan 2.1 14B: per block 4d^2 self-attn + 2d^2 cross-attn Q/O + 2 d ffn_dim (K/V see text only).
#   HunyuanVideo, Open-Sora 2.0 (double + single stream MMDiT): 12 d^2 per block on the video stream.
ARCHITECTURES = [
    pytest.param(
        dict(
            params=12 * 28 * 1152**2,
            layers=28,
            hidden_size=1152,
            width=256,
            height=256,
            frames=1,
            vae_temporal=1,
            vae_spatial=8,
            patch_spatial=2,
            flops_per_param_token=1.0,
        ),
        256,
        118.6e9,
        5e-3,
        id="DiT-XL/2 256px: Peebles & Xie 2023 Table 4, 118.6 Gflops (MACs)",
    ),
    pytest.param(
        dict(
            params=12 * 28 * 1152**2,
            layers=28,
            hidden_size=1152,
            width=512,
            height=512,
            frames=1,
            vae_temporal=1,
            vae_spatial=8,
            patch_spatial=2,
            flops_per_param_token=1.0,
        ),
        1024,
        524.6e9,
        5e-3,
        id="DiT-XL/2 512px: Peebles & Xie 2023 Table 4, 524.6 Gflops (MACs); the source's 524e9",
    ),
    pytest.param(
        # THUDM/CogVideo README + diffusers config: 42 layers, 48 heads x 64 = 3072; 720x480, 49 frames,
        # causal VAE 4x8x8, patch 2x2 -> 13 x 45 x 30 tokens
        dict(
            params=12 * 42 * 3072**2,
            layers=42,
            hidden_size=3072,
            width=720,
            height=480,
            frames=49,
            vae_temporal=4,
            vae_spatial=8,
            patch_spatial=2,
        ),
        13 * 45 * 30,
        2 * (12 * 42 * 3072**2) * 17_550 + 4 * 42 * 3072 * 17_550**2,
        1e-12,
        id="CogVideoX-5B: 42 x 3072, 720x480x49, VAE 4x8x8, patch 2",
    ),
    pytest.param(
        # diffusers CogVideoX-2b config: 30 layers, 30 heads x 64 = 1920
        dict(
            params=12 * 30 * 1920**2,
            layers=30,
            hidden_size=1920,
            width=720,
            height=480,
            frames=49,
            vae_temporal=4,
            vae_spatial=8,
            patch_spatial=2,
        ),
        17_550,
        2 * 1_327_104_000 * 17_550 + 4 * 30 * 1920 * 17_550**2,
        1e-12,
        id="CogVideoX-2B: 30 x 1920, 720x480x49",
    ),
    pytest.param(
        # Wan-Video/Wan2.1 wan/configs/wan_t2v_14B.py: dim 5120, ffn_dim 13824, 40 layers, vae_stride
        # (4, 8, 8), patch (1, 2, 2); 1280x720, 81 frames -> 21 x 80 x 45 = 75,600 tokens
        dict(
            params=40 * (6 * 5120**2 + 2 * 5120 * 13824),
            layers=40,
            hidden_size=5120,
            width=1280,
            height=720,
            frames=81,
            vae_temporal=4,
            vae_spatial=8,
            patch_spatial=2,
        ),
        75_600,
        2 * 11_953_766_400 * 75_600 + 4 * 40 * 5120 * 75_600**2,
        1e-12,
        id="Wan 2.1 T2V-14B: 40 x 5120, ffn 13824, 1280x720x81",
    ),
    pytest.param(
        # HunyuanVideo (arXiv:2412.03603): 20 double + 40 single blocks, hidden 3072, causal VAE 4x8x8,
        # patch (1, 2, 2); 1280x720, 129 frames -> 33 x 80 x 45 = 118,800 tokens
        dict(
            params=60 * 12 * 3072**2,
            layers=60,
            hidden_size=3072,
            width=1280,
            height=720,
            frames=129,
            vae_temporal=4,
            vae_spatial=8,
            patch_spatial=2,
        ),
        118_800,
        2 * 6_794_772_480 * 118_800 + 4 * 60 * 3072 * 118_800**2,
        1e-12,
        id="HunyuanVideo 13B: 60 x 3072 (6.79B per token), 1280x720x129",
    ),
    pytest.param(
        # hpcaitech/Open-Sora configs/diffusion/inference/256px.py: depth 19 + 38 single blocks, hidden
        # 3072, HunyuanVideo VAE, patch 2, 129 frames; '768px' 16:9 = 1024x576 -> 33 x 64 x 36 = 76,032
        dict(
            params=57 * 12 * 3072**2,
            layers=57,
            hidden_size=3072,
            width=1024,
            height=576,
            frames=129,
            vae_temporal=4,
            vae_spatial=8,
            patch_spatial=2,
        ),
        76_032,
        2 * 6_455_033_856 * 76_032 + 4 * 57 * 3072 * 76_032**2,
        1e-12,
        id="Open-Sora 2.0 11B: 57 x 3072 (6.46B per token), 1024x576x129",
    ),
]


@pytest.mark.parametrize("arch, tokens, forward, rel", ARCHITECTURES)
def test_published_architectures(arch, tokens, forward, rel):
    y = _eval(sampling_steps=50, cfg_passes=2, **arch)
    assert y["tokens_per_video"] == tokens
    assert y["flops_per_forward"] == pytest.approx(forward, rel=rel)
    assert y["flops_per_video"] == pytest.approx(forward * 2 * 50, rel=max(rel, 1e-12))


def test_latent_frame_conventions():
    causal = _eval(
        params=1e9,
        layers=1,
        hidden_size=1,
        width=16,
        height=16,
        frames=np.array([49.0, 81.0, 129.0]),
        vae_temporal=4,
        vae_spatial=8,
        patch_spatial=2,
        sampling_steps=1,
        cfg_passes=1,
    )
    assert causal["latent_frames"].tolist() == [13.0, 21.0, 33.0]
    source = _eval(
        params=1e9,
        layers=1,
        hidden_size=1,
        width=16,
        height=16,
        frames=1440,
        vae_temporal=8,
        causal_vae=0,
        vae_spatial=8,
        patch_spatial=2,
        sampling_steps=1,
        cfg_passes=1,
    )
    assert source["latent_frames"] == 180.0  # [S04 "180 帧"]


# --- costs the FLOP count leaves out ---------------------------------------------------------------
# Closed forms: GPU-s = FLOPs / (peak x util) + fixed; training = (3 + r) x (F_clip x clips + F_image x images)
# x epochs x (1 + padding) x (1 + encoder), with F the forward FLOPs of one clip / one image (one latent frame).
_TINY = dict(
    params=1e9,
    layers=10,
    hidden_size=1000,
    width=512,
    height=512,
    frames=17,
    vae_temporal=4,
    vae_spatial=8,
    patch_spatial=2,
    fps=8.0,
    training_clip_seconds=2.0,
    training_width=512,
    training_height=512,
    training_clips=1e6,
    training_utilization=0.25,
)


@pytest.mark.parametrize("steps, fixed", [(50, 0.0), (50, 15.0), (6, 15.0)])
def test_fixed_seconds_per_video_add_to_the_denoising_loop(steps, fixed):
    y = _eval(**_TINY, sampling_steps=steps, cfg_passes=1, fixed_seconds_per_video=fixed, inference_utilization=0.4)
    assert y["gpu_seconds_per_video"] == pytest.approx(y["flops_per_video"] / (H100 * 0.4) + fixed, rel=1e-12)


@pytest.mark.parametrize(
    "recompute, padding, encoder, images",
    [
        (0.0, 0.0, 0.0, 0.0),
        (1.0, 0.0, 0.0, 0.0),
        (0.5, 0.1, 0.2, 3e6),
    ],
)
def test_training_terms_closed_form(recompute, padding, encoder, images):
    kw = dict(
        _TINY,
        sampling_steps=1,
        cfg_passes=1,
        training_recompute_fraction=recompute,
        training_padding_fraction=padding,
        training_encoder_fraction=encoder,
        training_images=images,
    )
    y = _eval(**kw)
    clip_tokens = ((16 - 1) // 4 + 1) * 32 * 32
    fwd = lambda t: 2 * 1e9 * t + 4 * 10 * 1000 * t**2  # noqa: E731
    want = (3 + recompute) * (fwd(clip_tokens) * 1e6 + fwd(1024) * images) * (1 + padding) * (1 + encoder)
    assert y["training_flops"] == pytest.approx(want, rel=1e-12)
    assert y["training_gpu_days"] == pytest.approx(want / (H100 * 0.25 * 86400), rel=1e-12)
    assert y["training_gpu_days"] == pytest.approx(y["training_gpu_months"] * 30, rel=1e-12)


# --- the source's shortcuts reproduce the sora model ---------------------------------------------

SOURCE_LIKE = dict(
    params=30 * 524e9 / 1024,  # DiT-XL/2's 524 GMAC per 512^2 image x 30, per each of its 1024 tokens
    layers=28,
    hidden_size=1152,
    attention_factor=0.0,
    flops_per_param_token=1.0,
    width=512,
    height=512,
    vae_spatial=8,
    patch_spatial=2,
    frames=1440,
    fps=24,
    vae_temporal=8,
    causal_vae=0,
    sampling_steps=250,
    cfg_passes=1,
    overhead_fraction=0.0,
    inference_utilization=1.0,
)


def test_source_assumptions_reproduce_the_sora_model():
    sora = engine.evaluate_point("plappert-2024")
    y = _eval(**SOURCE_LIKE)
    assert y["latent_frames"] == 180
    assert y["flops_per_forward"] == pytest.approx(2.83e15, rel=2e-3)  # [S04 "≈ 2.8×10^15"] per step
    assert y["flops_per_video_minute"] == pytest.approx(sora["inference_flops_per_video_minute"], rel=1e-12)
    assert y["flops_per_video_minute"] == pytest.approx(7.07e17, rel=1e-3)
    minutes_per_hour = y["video_seconds_per_gpu_hour"] / 60
    assert minutes_per_hour == pytest.approx(sora["video_minutes_per_h100_hour"], rel=1e-12)
    assert minutes_per_hour == pytest.approx(5.035, rel=1e-3)


# --- monotonicity ----------------------------------------------------------------------------------


@st.composite
def configs(draw):
    vt = draw(st.sampled_from([1, 4, 8]))
    side = 8 * draw(st.sampled_from([1, 2]))
    return dict(
        params=draw(st.floats(1e8, 1e11)),
        layers=draw(st.integers(1, 80)),
        hidden_size=draw(st.integers(64, 8192)),
        width=side * draw(st.integers(1, 160)),
        height=side * draw(st.integers(1, 160)),
        frames=1 + vt * draw(st.integers(0, 200)),
        vae_temporal=vt,
        vae_spatial=8,
        patch_spatial=side // 8,
        sampling_steps=draw(st.integers(1, 300)),
        cfg_passes=draw(st.sampled_from([1, 2, 3])),
        attention_factor=draw(st.sampled_from([0.0, 0.5, 1.0])),
        overhead_fraction=draw(st.floats(0, 0.5)),
    )


@settings(max_examples=100, deadline=None)
@given(cfg=configs(), more=st.integers(1, 50))
def test_more_steps_frames_or_pixels_never_fewer_flops(cfg, more):
    base = _eval(**cfg)["flops_per_video"]
    side = cfg["vae_spatial"] * cfg["patch_spatial"]
    bigger = {
        "sampling_steps": cfg["sampling_steps"] + more,
        "frames": cfg["frames"] + cfg["vae_temporal"] * more,
        "width": cfg["width"] + side * more,
        "height": cfg["height"] + side * more,
    }
    for name, value in bigger.items():
        assert _eval(**{**cfg, name: value})["flops_per_video"] >= base, name
        assert not vd.check({**_NEUTRAL, **cfg, name: value})
    assert _eval(**{**cfg, **bigger})["flops_per_video"] >= base


# (PyTensor and batch-vs-slice: tests/test_model_contract.py, every module)


# --- scenarios ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["video-diffusion", "sora-2026"])
def test_scenarios_run_finite(name):
    result = engine.run(name, draws=2000, seed=1)
    for output, values in result.outputs.items():
        assert np.isfinite(values).all(), output
        assert (values >= 0).all(), output
    headlines = {h.output for h in result.plan.scenario.headlines}
    assert {"video_seconds_per_gpu_hour", "flops_per_video_minute"} <= headlines


def test_sora_2026_is_a_chain_and_lists_the_source_headlines():
    plan = engine.plan_for("sora-2026")
    assert plan.model.name == "video_diffusion+video_fleet"
    assert "video_seconds_per_gpu_hour" not in plan.model.inputs  # produced upstream
    assert any(h.output == "peak_fleet_gpus" and h.value == 720000 for h in plan.scenario.headlines)
    assert any(h.output == "video_seconds_per_gpu_hour" and h.value == 300 for h in plan.scenario.headlines)


def test_documented_override_runs():
    y = engine.evaluate_point("video-diffusion", sets=["params=5e9", "width=720", "height=480", "frames=49"])
    assert y["tokens_per_video"] == 17_550


# --- bad input -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "scenario, override, field",
    [
        ("video-diffusion", "frames=0", "priors.frames"),
        ("sora-2026", "width=4", "priors.width"),  # less than one latent pixel at vae_spatial 8
        ("video-diffusion", "width=0", "priors.width"),
        ("video-diffusion", "height=-720", "priors.height"),
        ("video-diffusion", "params=-1", "priors.params"),
        ("video-diffusion", "height=7", "priors.height"),  # less than one latent pixel
        ("sora-2026", "tiktok_ai_share=1.5", "priors.tiktok_ai_share"),
    ],
)
def test_bad_input_is_one_line_exit_2_nothing_written(scenario, override, field, tmp_path, capsys):
    from flopcast.cli.app import main

    out = tmp_path / "out"
    code = main(["run", scenario, "--set", override, "--draws", "100", "--seed", "1", "--out", str(out)])
    captured = capsys.readouterr()
    assert code == 2
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("flopcast: error:") and field in lines[0], captured.err
    assert not out.exists() and list(tmp_path.iterdir()) == []


def test_check_messages_and_non_integer_points():
    base = {
        **_NEUTRAL,
        "params": 1e9,
        "layers": 1,
        "hidden_size": 64,
        "width": 512,
        "height": 512,
        "vae_spatial": 8,
        "patch_spatial": 2,
        "sampling_steps": 10,
        "cfg_passes": 1,
        "vae_temporal": 8,
    }
    assert not vd.check({**base, "frames": 1441, "causal_vae": 1})  # causal: 1 + 1440 / 8
    assert not vd.check({**base, "frames": 1440, "causal_vae": 1})  # accepted: 180 latent frames, 7 frames dropped
    assert not vd.check({**base, "frames": 1440, "causal_vae": 0})  # the source's 1440 / 8
    ((name, reason),) = vd.check({**base, "frames": 7, "causal_vae": 0})
    assert name == "frames" and "no latent frame" in reason and "at least 8" in reason
    assert vd.check({**base, "causal_vae": 0.5, "frames": 9})[0][0] == "causal_vae"
    assert not vd.check({**base, "frames": 97.5})  # a range's median: an average
    # shares and generations are held by their domains now; check() keeps what a domain cannot say
    assert not vf.INPUTS["tiktok_ai_share"].domain.contains(1.2)
    assert not vf.INPUTS["generations_per_upload"].domain.contains(0.5)
    assert vf.check({"peak_factor": 0.8})[0][0] == "peak_factor"


# --- real configurations the open pipelines accept ---------------------------------------------------
# Each row: configuration, latent frames, tokens per video, and a phrase the notes must contain.
#   CogVideoX1.5-5B (THUDM/CogVideo README; diffusers pipeline_cogvideox.py pads latent frames to the
#     temporal patch): 1360x768, 81 frames, VAE 4x8x8, patch (2, 2, 2): 21 latent frames -> 22 -> 11
#     temporal patches x (170 / 2) x (96 / 2) = 11 x 85 x 48 = 44,880 tokens.
#   Mochi 1 (genmoai/mochi; diffusers pipeline_mochi.py): 848x480, 84 frames, causal VAE 6x8x8,
#     patch 2: (84 - 1) // 6 + 1 = 14 latent frames x 53 x 30 = 22,260 tokens.
#   Allegro (rhymes-ai/Allegro: 88 frames, VAE 4x8x8, non-causal): 88 / 4 = 22 latent x 90 x 45 (1280x720, patch 2)
#   Open-Sora 1.0/1.1 style (2-D VAE, one latent frame per frame): 16 frames, vae_temporal 1, non-causal.
#   An odd size: 1366 px wide at 8x8 and patch 2: 1366 // 8 = 170 latent px -> 85 patches (6 px cropped);
#     1368 px: 171 latent px padded up to 172 -> 86 patches.
REAL = [
    pytest.param(
        dict(width=1360, height=768, frames=81, vae_temporal=4, causal_vae=1, patch_temporal=2),
        21,
        11 * 85 * 48,
        "padded up to 22",
        id="CogVideoX1.5-5B 81 frames, temporal patch 2",
    ),
    pytest.param(
        dict(width=848, height=480, frames=84, vae_temporal=6, causal_vae=1, patch_temporal=1),
        14,
        14 * 53 * 30,
        "(84 - 1) // 6 + 1 = 14",
        id="Mochi 1 84 frames, 6x causal VAE",
    ),
    pytest.param(
        dict(width=1280, height=720, frames=88, vae_temporal=4, causal_vae=0, patch_temporal=1),
        22,
        22 * 80 * 45,
        None,
        id="Allegro 88 frames, non-causal 4x VAE",
    ),
    pytest.param(
        dict(width=512, height=512, frames=16, vae_temporal=1, causal_vae=0, patch_temporal=1),
        16,
        16 * 32 * 32,
        None,
        id="Open-Sora 1.0 16 frames, 2-D VAE",
    ),
    pytest.param(
        dict(width=1366, height=720, frames=49, vae_temporal=4, causal_vae=1, patch_temporal=1),
        13,
        13 * 85 * 45,
        "6 px are cropped",
        id="1366 px wide: cropped to whole latent px",
    ),
    pytest.param(
        dict(width=1368, height=720, frames=49, vae_temporal=4, causal_vae=1, patch_temporal=1),
        13,
        13 * 86 * 45,
        "171 latent px padded up to 172",
        id="1368 px wide: padded to whole patches",
    ),
]


@pytest.mark.parametrize("cfg, latent, n_tokens, note", REAL)
def test_real_configurations_run_and_say_what_was_adjusted(cfg, latent, n_tokens, note):
    x = {
        **_NEUTRAL,
        "params": 1e9,
        "layers": 1,
        "hidden_size": 64,
        "vae_spatial": 8,
        "patch_spatial": 2,
        "sampling_steps": 1,
        "cfg_passes": 1,
        **cfg,
    }
    assert not vd.check(x)
    y = _eval(**{k: v for k, v in x.items() if k in vd.INPUTS})
    assert y["latent_frames"] == latent and y["tokens_per_video"] == n_tokens
    text = " | ".join(vd.notes(x))
    assert (note in text) if note else text == "", text


def test_real_configuration_runs_through_the_cli_scenario():
    y = engine.evaluate_point("video-diffusion", sets=["width=1360", "height=768", "frames=81", "patch_temporal=2"])
    assert y["tokens_per_video"] == 11 * 85 * 48


def test_floor_and_pad_run_on_pytensor_as_on_numpy():
    import pytensor
    import pytensor.tensor as pt

    names = ("frames", "vae_temporal", "causal_vae", "patch_temporal", "width", "vae_spatial", "patch_spatial")
    sym = {n: pt.dscalar(n) for n in names}

    def graph(v):
        lat = vd.latent_frames(v["frames"], v["vae_temporal"], v["causal_vae"])
        return [
            lat,
            vd.patch_count(lat, v["patch_temporal"]),
            vd.patch_count(vd.latent_side(v["width"], v["vae_spatial"]), v["patch_spatial"]),
        ]

    fn = pytensor.function([sym[n] for n in names], graph(sym), mode="FAST_COMPILE")
    for row in [
        (81, 4, 1, 2, 1360, 8, 2),
        (84, 6, 1, 1, 848, 8, 2),
        (88, 4, 0, 1, 1368, 8, 2),
        (97.5, 4, 1, 1, 1000, 11.3, 2),
    ]:
        got = [float(v) for v in fn(*row)]
        want = [float(v) for v in graph({n: np.float64(r) for n, r in zip(names, row)})]
        assert got == want, row


# --- waterfall ---------------------------------------------------------------------------------------


def test_waterfall_runs_from_the_source_to_the_scenario_point():
    from flopcast.analyze.waterfall import waterfall

    wf = waterfall("sora-2026")
    output, unit, bars = wf.output, wf.unit, wf.bars
    assert output == "peak_fleet_gpus" and unit == "GPUs"
    point = engine.evaluate_point("sora-2026")["peak_fleet_gpus"]
    assert bars[-1].value == pytest.approx(point, rel=1e-12)
    assert not any(b.label.startswith("remaining inputs") for b in bars)
    # the start re-derives the source's assumptions: plappert-2024's ~990k, not the printed 720k
    assert bars[0].value == pytest.approx(engine.evaluate_point("plappert-2024")["peak_fleet_h100"], rel=1e-12)
    assert math.prod(b.factor for b in bars[1:]) == pytest.approx(point / bars[0].value, rel=1e-9)

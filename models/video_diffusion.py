"""Video diffusion transformer compute from first principles (beyond the source's shortcuts).

The source (Matthias Plappert, "Under The Hood: How OpenAI's Sora Model Works", Factorial Funds, March 2024,
section "Compute estimates", quoted from its Chinese translation as [S04 "..."]) scales
DiT-XL's per-image figure linearly: [S04 "524×10^9 FLOPS × 30 × 180"]. That leaves out what the
architecture of a video diffusion transformer (DiT) actually implies:

- tokens: pixels -> VAE latents (temporal and spatial compression) -> patches;
- per forward pass: linear layers cost ``flops_per_param_token`` x params x tokens, and full 3-D
  self-attention costs 4 x layers x hidden_size x tokens^2, which is quadratic in clip length and
  resolution (the source's linear extrapolation has no attention term);
- per video: ``cfg_passes`` forward passes per denoising step (classifier-free guidance runs the
  model with and without the prompt), times ``sampling_steps``, plus VAE decoding and text encoding;
- FLOP counting: hardware peaks (989.4 TFLOP/s for an H100) count a multiply-add as 2 FLOPs; the
  DiT paper's "Gflops" count it as 1 (a MAC), and the source divided those by the FLOP/s peak.

References for the architecture facts used in tests and scenarios:
  DiT (Peebles & Xie 2023, arXiv:2212.09748), Table 4: DiT-XL/2 118.6 Gflops at 256x256, 524.6 at 512x512;
  CogVideoX (arXiv:2408.06072; THUDM/CogVideo README); HunyuanVideo (arXiv:2412.03603);
  Wan 2.1 (Wan-Video/Wan2.1, wan/configs/wan_t2v_14B.py); Open-Sora 2.0 (hpcaitech/Open-Sora,
  configs/diffusion/inference/256px.py, opensora/utils/sampling.py).

Every function is pure arithmetic (operators and ``**`` only) so it runs on numpy arrays and
PyTensor tensors alike; switches such as ``causal_vae`` and ``attention_factor`` are numbers.
"""

from __future__ import annotations

import math
from typing import Any, Mapping

from flopcast.models._convention import DENSE, Convention, declare
from flopcast.models.spec import Quantity

SECONDS_PER_HOUR = 3600.0
SECONDS_PER_DAY = 86400.0
SECONDS_PER_MONTH = 30 * 24 * 3600.0  # 30-day months, as in models/sora.py
# FLOP conventions (models/_convention.py): this model counts 2 FLOPs per multiply-add
# (flops_per_param_token = 2) and divides by dense peaks.
COUNT_CONVENTION = declare(
    Convention(count="flop"), Convention(count="flop"), "Kaplan et al. 2020, section 2.1: 2N FLOPs per token"
)
PEAK_CONVENTION = declare(DENSE, DENSE, "NVIDIA H100 SXM datasheet: 989.4 TFLOPS dense BF16")

INPUTS = {
    # --- architecture (read off a model card / config) ---------------------------------------
    "params": Quantity(
        "parameters",
        "parameters every video token passes through (transformer blocks' linear weights)",
        None,
        "Close to the model-card count for single-stream DiTs (Wan 2.1 14B: 11.95B of 14B; CogVideoX-5B: "
        "4.76B of ~5.6B); about half of it for double-stream MMDiTs whose text-stream and modulation "
        "weights never touch a video token (HunyuanVideo: 6.79B of 13B; Open-Sora 2.0: 6.45B of 11B); "
        "DiT-XL/2: 12 x 28 x 1152^2 = 446M of 675M. The card count overstates the linear term.",
        domain="positive",
    ),
    "layers": Quantity(
        "layers",
        "transformer blocks that run self-attention over the video tokens",
        None,
        "model config (e.g. Wan 2.1 14B: 40; HunyuanVideo: 20 double + 40 single = 60)",
        domain="positive",
    ),
    "hidden_size": Quantity(
        "dims",
        "transformer width d (attention inner dimension)",
        None,
        "model config (e.g. Wan 2.1 14B: 5120; HunyuanVideo, CogVideoX-5B: 3072)",
        domain="positive",
    ),
    "width": Quantity("px", "width of the generated video", None, "generation setting", domain="positive"),
    "height": Quantity("px", "height of the generated video", None, "generation setting", domain="positive"),
    "frames": Quantity(
        "frames",
        "frames of the generated video (pixel space)",
        None,
        "generation setting (CogVideoX: 49; Wan 2.1: 81; HunyuanVideo, Open-Sora 2.0: 129)",
        domain="count",
    ),
    "fps": Quantity(
        "frames/s",
        "frame rate of the generated video",
        None,
        "generation setting (CogVideoX: 8; Wan 2.1: 16; HunyuanVideo, Open-Sora 2.0: 24)",
        domain="positive",
    ),
    "vae_temporal": Quantity(
        "frames per latent frame",
        "VAE temporal compression",
        None,
        "4 for CogVideoX, HunyuanVideo, Wan 2.1, Open-Sora 2.0; 8 for LTX-Video",
        domain="count",
    ),
    "vae_spatial": Quantity(
        "px per latent px",
        "VAE spatial compression (per side)",
        None,
        "8 for CogVideoX, HunyuanVideo, Wan 2.1; 16-32 for deep-compression VAEs",
        domain="count",
    ),
    "causal_vae": Quantity(
        "0/1",
        "1: causal VAE, the first frame is encoded alone (latent = (frames - 1) // vae_temporal + 1); "
        "0: non-causal, latent = frames // vae_temporal",
        1.0,
        "Causal: CogVideoX, HunyuanVideo, Wan, Mochi 1, LTX-Video, Open-Sora 1.2 and 2.0 (hence 4k+1 frame counts: "
        "49, 81, 129); non-causal: Allegro, Open-Sora 1.0/1.1 (2-D VAE), the source's 1440 / 8 frames.",
        domain="switch",
    ),
    "patch_temporal": Quantity(
        "latent frames per token",
        "patch size along time",
        1.0,
        "1 for CogVideoX 1.0, HunyuanVideo, Wan 2.1 (patch (1, 2, 2)), Open-Sora 2.0",
        domain="count",
    ),
    "patch_spatial": Quantity(
        "latent px per token side",
        "patch size along height and width",
        None,
        "2 for DiT-XL/2, CogVideoX, HunyuanVideo, Wan 2.1, Open-Sora 2.0",
        domain="count",
    ),
    # --- sampling ------------------------------------------------------------------------------
    "sampling_steps": Quantity(
        "steps",
        "denoising steps per generated video",
        None,
        "50 in the open models' defaults; 250 in DiT and the source; 1-8 for distilled samplers",
        domain="positive",
    ),
    "cfg_passes": Quantity(
        "passes/step",
        "forward passes per denoising step",
        None,
        "2 with classifier-free guidance (CogVideoX, Wan 2.1), 1 when guidance is distilled into the model "
        "(HunyuanVideo's embedded guidance), 3 for Open-Sora 2.0's text + image guidance",
        domain="count",
    ),
    "overhead_fraction": Quantity(
        "fraction",
        "per-step work the FLOP count leaves out (norms, modulation, RoPE, "
        "text tokens in joint attention, scheduler), as a fraction of the denoiser's FLOPs; "
        "per-video work is fixed_seconds_per_video",
        None,
        "judgment, see scenarios",
        domain="nonnegative",
    ),
    "flops_per_param_token": Quantity(
        "FLOP per param per token",
        "FLOPs counted per multiply-accumulate (applies to attention matmuls too)",
        2.0,
        "2: a multiply-add is 2 FLOPs, the convention of GPU peak FLOP/s (Kaplan et al. 2020: 2N per token); "
        "1: MAC counting, as the DiT paper's 'Gflops' (Peebles & Xie 2023, Table 4).",
        domain="positive",
        convention=COUNT_CONVENTION,
    ),
    "attention_factor": Quantity(
        "x full attention",
        "share of full 3-D self-attention computed (0 switches it off, as the source did; "
        "<1 for sparse or windowed attention)",
        1.0,
        "full 3-D attention: CogVideoX, HunyuanVideo, Wan 2.1, Open-Sora 2.0",
        domain="fraction",
    ),
    "gpu_peak_flops": Quantity(
        "FLOP/s",
        "dense BF16 peak of one GPU",
        989.4e12,
        "NVIDIA H100 SXM datasheet: 989.4 TFLOPS dense BF16 (H800 SXM the same)",
        domain="positive",
        convention=PEAK_CONVENTION,
        hardware="peak_flops",
    ),
    "inference_utilization": Quantity(
        "fraction",
        "achieved FLOP/s over peak when generating, on an accelerator "
        "of the H100 SXM's machine balance (989.4 TFLOP/s / 3.35 TB/s = 295 FLOP/byte)",
        None,
        "judgment calibrated on priors/evidence/video-timings.toml (see scenarios)",
        domain="open_fraction",
    ),
    # --- the accelerator and the software stack (added with issue 22) ---------------------------
    "gpu_memory_bandwidth": Quantity(
        "TB/s",
        "memory bandwidth of one GPU",
        3.35,
        "NVIDIA H100 SXM datasheet: 3.35 TB/s",
        domain="positive",
        hardware="memory_bandwidth",
    ),
    "balance_elasticity": Quantity(
        "x",
        "how the time a step spends off peak scales with the accelerator's machine balance (peak / memory "
        "bandwidth): (1/u - 1) ~ balance ^ k; 0: utilization the same on every accelerator",
        0.0,
        "0 reproduces the single-utilization model; see the scenario (FlashAttention-2/-3 on A100 vs H100)",
        domain="nonnegative",
    ),
    "stack_overhead": Quantity(
        "fraction",
        "extra denoising time of the pipeline's software stack over the FLOP count at "
        "inference_utilization (older attention kernels, tiled VAE decoding, CPU offload), as a fraction",
        0.0,
        "0 reproduces the FLOP-only model; see the scenario",
        domain="nonnegative",
    ),
    # --- training --------------------------------------------------------------------------------
    "training_clips": Quantity("clips", "video clips in the training set", None, "judgment", domain="positive"),
    "training_clip_seconds": Quantity("s", "average length of a training clip", None, "judgment", domain="positive"),
    "training_width": Quantity("px", "token-weighted average training width", None, "judgment", domain="positive"),
    "training_height": Quantity("px", "token-weighted average training height", None, "judgment", domain="positive"),
    "training_epochs": Quantity("epochs", "passes over the clip set", None, "judgment", domain="positive"),
    "training_utilization": Quantity(
        "fraction", "achieved FLOP/s over peak when training", None, "judgment", domain="open_fraction"
    ),
    # --- costs the equations above leave out (added with issue 16) --------------------------------
    "fixed_seconds_per_video": Quantity(
        "GPU-s",
        "per-video work that does not scale with steps: text encoding, VAE decoding, weight offload",
        0.0,
        "0 reproduces the FLOP-only model; see the scenarios' priors (published VAE decode times)",
        domain="nonnegative",
    ),
    "training_images": Quantity(
        "images",
        "image samples seen in training (one latent frame each, at the training size), beside the video clips",
        0.0,
        "0: video clips only",
        domain="nonnegative",
    ),
    "training_padding_fraction": Quantity(
        "fraction",
        "extra tokens from padding and bucketing, as a fraction of the real tokens",
        0.0,
        "0: perfectly packed batches",
        domain="nonnegative",
    ),
    "training_recompute_fraction": Quantity(
        "forward passes",
        "extra forward passes per step for activation recomputation (0 none, 1 full "
        "recomputation: 4 forward-equivalents instead of 3)",
        0.0,
        "0: no activation checkpointing",
        domain="nonnegative",
    ),
    "training_encoder_fraction": Quantity(
        "fraction",
        "VAE encoding and text encoding during training, as a fraction of the denoiser's training "
        "FLOPs (0 when latents and text embeddings are cached)",
        0.0,
        "0: cached latents",
        domain="nonnegative",
    ),
}

OUTPUTS = {
    "latent_frames": Quantity("latent frames", "latent frames per generated video", domain="positive"),
    "tokens_per_video": Quantity("tokens", "transformer tokens per generated video", domain="positive"),
    "flops_per_forward": Quantity("FLOP", "one forward pass of the denoiser over one video", domain="positive"),
    "attention_share": Quantity("fraction", "share of a forward pass spent in self-attention", domain="fraction"),
    "flops_per_video": Quantity(
        "FLOP", "all sampling steps, guidance passes and overhead for one video", domain="positive"
    ),
    "flops_per_video_minute": Quantity(
        "FLOP/video min", "inference compute per minute of generated video", domain="positive"
    ),
    "video_seconds": Quantity("s", "length of one generated video", domain="positive"),
    "gpu_seconds_per_video": Quantity("GPU-s", "GPU time per video at inference_utilization", domain="positive"),
    "video_seconds_per_gpu_hour": Quantity(
        "video s/GPU-hour", "seconds of video one GPU generates per hour, at inference_utilization", domain="positive"
    ),
    "training_tokens": Quantity("tokens", "video tokens seen in training", domain="positive"),
    "training_flops": Quantity(
        "FLOP",
        "training compute as the hardware runs it: forward + backward (3x forward) "
        "+ recomputation, over clips and images, with padding and encoder passes",
        domain="positive",
    ),
    "training_gpu_months": Quantity(
        "GPU-months", "GPU-months to train at training_utilization (30-day months)", domain="positive"
    ),
    "training_gpu_days": Quantity(
        "GPU-days",
        "GPU-days to train on GPUs of gpu_peak_flops at training_utilization (the unit training runs are disclosed in)",
        domain="positive",
    ),
}

KEY_OUTPUTS = ("gpu_seconds_per_video", "video_seconds_per_gpu_hour", "training_gpu_months")

# Inputs that are whole numbers in every real configuration. The equations floor and pad them as a
# pipeline does, so a sampled prior over them should be drawn on whole numbers (a step function of a
# continuous draw is still well defined, but reads as an average over configurations).
INTEGER_INPUTS = (
    "layers",
    "hidden_size",
    "width",
    "height",
    "frames",
    "vae_temporal",
    "vae_spatial",
    "patch_temporal",
    "patch_spatial",
    "sampling_steps",
)


# --- tokens ------------------------------------------------------------------------------------


def floor_div(a, b):
    """Whole quotient, rounded down: ``a // b`` (numpy and PyTensor both define it; its gradient is 0)."""
    return a // b


def ceil_div(a, b):
    """Whole quotient, rounded up: ``-((-a) // b)``, operator-only so it runs on PyTensor tensors too."""
    return -((-a) // b)


def latent_frames(frames, vae_temporal, causal_vae):
    """Latent frames from pixel frames, as the open pipelines compute them.

    Causal video VAEs (CogVideoX, HunyuanVideo, Wan, Mochi 1, LTX-Video) encode the first frame on its
    own and every later group of ``vae_temporal`` frames into one latent frame; diffusers' pipelines
    (``pipeline_cogvideox.py``, ``pipeline_hunyuan_video.py``, ``pipeline_mochi.py``: ``(num_frames - 1)
    // vae_scale_factor_temporal + 1``) floor the frames that do not fill a group: 49 -> 13, 81 -> 21,
    129 -> 33 at 4x, Mochi's 84 -> 14 at 6x. A non-causal VAE (Allegro: 88 / 4 = 22; the source's
    [S04 "1440 帧 ... 8 倍压缩 ... 180 帧"]) gives frames // vae_temporal. Both are
    c + (frames - c) // vae_temporal with c = causal_vae in {0, 1}. (Wan's diffusers pipeline first
    rounds num_frames to frames // 4 x 4 + 1; that differs by one latent frame when frames % 4 == 0.)
    """
    return causal_vae + floor_div(frames - causal_vae, vae_temporal)


def patch_count(latent, patch):
    """Patches along one axis, the latent padded UP to a whole number of patches: CogVideoX1.5's
    pipeline pads 21 latent frames to 22 for its temporal patch of 2 (diffusers ``pipeline_cogvideox.py``:
    ``additional_frames = patch_size_t - latent_frames % patch_size_t``)."""
    return ceil_div(latent, patch)


def latent_side(px, vae_spatial):
    """Latent pixels along one side: ``px // vae_spatial`` (diffusers' ``height // vae_scale_factor``)."""
    return floor_div(px, vae_spatial)


def tokens_per_frame(width, height, vae_spatial, patch_spatial):
    """Tokens per latent frame: patches across x patches down, each latent side padded up to whole patches.
    DiT-XL/2 at 512x512: (64 / 2)^2 = 1024; 1280x720 with 8x VAE and 2x2 patches: 80 x 45 = 3600."""
    return patch_count(latent_side(width, vae_spatial), patch_spatial) * patch_count(
        latent_side(height, vae_spatial), patch_spatial
    )


def tokens(latent, patch_temporal, per_frame):
    """Tokens per video: temporal patches (latent frames padded up) x tokens per latent frame
    (Wan 2.1 at 1280x720x81: 21 x 3600 = 75,600; HunyuanVideo at 1280x720x129: 33 x 3600 = 118,800)."""
    return patch_count(latent, patch_temporal) * per_frame


# --- FLOPs per forward pass --------------------------------------------------------------------


def linear_flops(flops_per_param_token, params, n_tokens):
    """Dense layers: every token multiplies every per-token weight once, flops_per_param_token x N x T
    (2 N per token: Kaplan et al. 2020; the source's own rule for LLMs, [S04 "FLOPS = 2 × 参数量 × Token 数量"])."""
    return flops_per_param_token * params * n_tokens


def attention_flops(attention_factor, flops_per_param_token, layers, hidden_size, n_tokens):
    """Self-attention scores and mixing: QK^T and AV are each T^2 x d multiply-adds per layer, so
    2 x flops_per_param_token x layers x d x T^2 = 4 L d T^2 FLOPs at 2 FLOPs per MAC. DiT-XL/2 at 512x512
    (MAC counting): 446M x 1024 + 2 x 28 x 1152 x 1024^2 = 524.3e9, the paper's 524.6 Gflops.
    ``attention_factor`` 0 drops the term, as [S04 "524×10^9 FLOPS × 30 × 180"] implicitly does."""
    return attention_factor * 2.0 * flops_per_param_token * layers * hidden_size * n_tokens**2


def flops_per_video(forward, cfg_passes, sampling_steps, overhead_fraction):
    """[S04 "每个视频有 250 个 diffusion 步骤"] forward passes per step x steps, plus VAE/text-encoder overhead."""
    return forward * cfg_passes * sampling_steps * (1.0 + overhead_fraction)


REFERENCE_BALANCE = 989.4e12 / 3.35e12  # FLOP/byte: the H100 SXM inference_utilization is stated on


def balance(peak_flops, bandwidth_tb_s):
    """Machine balance [FLOP/byte] (Williams, Waterman & Patterson 2009, "Roofline"): H100 SXM 989.4e12 /
    3.35e12 = 295; A100 80GB 312e12 / 2.039e12 = 153; RTX 4090 165.2e12 / 1.008e12 = 164."""
    return peak_flops / (bandwidth_tb_s * 1e12)


def utilization_on(utilization, balance_, elasticity):
    """The share of peak on an accelerator of machine balance B, from the share u at the H100's balance B0:
    time per peak-FLOP = 1 (at peak) + (1/u - 1) (off peak: memory traffic, launches, softmax), and the
    off-peak part scales as (B / B0)^k: 1/u_B = 1 + (1/u - 1) (B / B0)^k. k = 1 is the roofline's
    memory-bound limit (time per byte fixed while the peak grows); FlashAttention-2's attention reaches
    50-73% of an A100's peak (Dao 2023, abstract) but 35% of an H100's (Shah et al. 2024, "FlashAttention-3",
    abstract), k ~ 2 for the same code. Never above 1; u itself at the H100 balance, whatever k."""
    return 1.0 / (1.0 + (1.0 / utilization - 1.0) * (balance_ / REFERENCE_BALANCE) ** elasticity)


def gpu_seconds(flops, peak_flops, utilization):
    """GPU time at a given share of peak."""
    return flops / (peak_flops * utilization)


def video_seconds_per_gpu_hour(video_seconds, gpu_seconds_per_video):
    """[S04 "每小时每张 Nvidia H100 生成 5 分钟的视频"] (at 100%), here at inference_utilization."""
    return video_seconds * SECONDS_PER_HOUR / gpu_seconds_per_video


def training_flops(forward_per_clip, clips, epochs, recompute=0.0):
    """Forward + backward = 3 forward passes: 6 N FLOPs per token (Kaplan et al. 2020) plus 3x the attention;
    activation recomputation adds ``recompute`` forward passes (1 for full checkpointing: Korthikanti et al.
    2022, "Reducing Activation Recomputation in Large Transformer Models", Section 2)."""
    return (3.0 + recompute) * forward_per_clip * clips * epochs


def gpu_seconds_total(per_video_flops, peak_flops, utilization, fixed_seconds):
    """GPU time per video: the denoising loop at a share of peak, plus per-video work (text encoder, VAE)."""
    return per_video_flops / (peak_flops * utilization) + fixed_seconds


def gpu_months(flops, peak_flops, utilization):
    """[S04 "4211 - 10528 张 H100 运行一个月"]: FLOPs / (peak x utilization x 30 days)."""
    return flops / (peak_flops * utilization * SECONDS_PER_MONTH)


def gpu_days(flops, peak_flops, utilization):
    """FLOPs / (peak x utilization x 86,400 s)."""
    return flops / (peak_flops * utilization * SECONDS_PER_DAY)


def _get(x, name):
    """``x[name]``, or the input's default when a caller's mapping predates the input (a name lookup, not
    control flow on values)."""
    return x[name] if name in x else INPUTS[name].default


def _forward(x, n_tokens):
    lin = linear_flops(x["flops_per_param_token"], x["params"], n_tokens)
    att = attention_flops(x["attention_factor"], x["flops_per_param_token"], x["layers"], x["hidden_size"], n_tokens)
    return lin, att


def evaluate(x: Mapping[str, Any]) -> dict[str, Any]:
    latent = latent_frames(x["frames"], x["vae_temporal"], x["causal_vae"])
    per_frame = tokens_per_frame(x["width"], x["height"], x["vae_spatial"], x["patch_spatial"])
    n_tokens = tokens(latent, x["patch_temporal"], per_frame)
    lin, att = _forward(x, n_tokens)
    forward = lin + att
    per_video = flops_per_video(forward, x["cfg_passes"], x["sampling_steps"], x["overhead_fraction"])
    seconds = x["frames"] / x["fps"]
    util = utilization_on(
        x["inference_utilization"],
        balance(x["gpu_peak_flops"], _get(x, "gpu_memory_bandwidth")),
        _get(x, "balance_elasticity"),
    )
    gpu_s = gpu_seconds_total(
        per_video * (1.0 + _get(x, "stack_overhead")), x["gpu_peak_flops"], util, x["fixed_seconds_per_video"]
    )

    clip_frames = x["training_clip_seconds"] * x["fps"]
    clip_latent = latent_frames(clip_frames, x["vae_temporal"], x["causal_vae"])
    frame_tokens = tokens_per_frame(x["training_width"], x["training_height"], x["vae_spatial"], x["patch_spatial"])
    clip_tokens = tokens(clip_latent, x["patch_temporal"], frame_tokens)
    clip_lin, clip_att = _forward(x, clip_tokens)
    image_lin, image_att = _forward(x, frame_tokens)
    recompute = x["training_recompute_fraction"]
    denoiser = training_flops(
        clip_lin + clip_att, x["training_clips"], x["training_epochs"], recompute
    ) + training_flops(image_lin + image_att, x["training_images"], x["training_epochs"], recompute)
    train = denoiser * (1.0 + x["training_padding_fraction"]) * (1.0 + x["training_encoder_fraction"])
    return {
        "latent_frames": latent,
        "tokens_per_video": n_tokens,
        "flops_per_forward": forward,
        "attention_share": att / forward,
        "flops_per_video": per_video,
        "flops_per_video_minute": per_video * 60.0 / seconds,
        "video_seconds": seconds,
        "gpu_seconds_per_video": gpu_s,
        "video_seconds_per_gpu_hour": video_seconds_per_gpu_hour(seconds, gpu_s),
        "training_tokens": (clip_tokens * x["training_clips"] + frame_tokens * x["training_images"])
        * x["training_epochs"],
        "training_flops": train,
        "training_gpu_months": gpu_months(train, x["gpu_peak_flops"], x["training_utilization"]),
        "training_gpu_days": gpu_days(train, x["gpu_peak_flops"], x["training_utilization"]),
    }


# --- constraints a prior cannot express ---------------------------------------------------------

_POSITIVE = (
    "params",
    "layers",
    "hidden_size",
    "width",
    "height",
    "frames",
    "fps",
    "vae_temporal",
    "vae_spatial",
    "patch_temporal",
    "patch_spatial",
    "sampling_steps",
    "cfg_passes",
    "flops_per_param_token",
    "gpu_peak_flops",
    "inference_utilization",
    "training_clips",
    "training_clip_seconds",
    "training_width",
    "training_height",
    "training_epochs",
    "training_utilization",
)
_NON_NEGATIVE = (
    "overhead_fraction",
    "attention_factor",
    "stack_overhead",
    "balance_elasticity",
    "fixed_seconds_per_video",
    "training_images",
    "training_padding_fraction",
    "training_recompute_fraction",
    "training_encoder_fraction",
)
_FRACTIONS = ("inference_utilization", "training_utilization")


def _whole(v) -> bool:
    return float(v) == math.floor(float(v))


def check(x: Mapping[str, float]) -> list[tuple[str, str]]:
    """Sizes must be positive and the video must leave at least one latent frame and one latent pixel
    per side. Any frame count and frame size a real pipeline accepts is accepted: frames that do not
    fill a VAE group are dropped and latents are padded up to whole patches, as the open pipelines do
    (``notes`` says what was adjusted)."""
    problems: list[tuple[str, str]] = []
    for name in _POSITIVE:
        if name in x and not float(x[name]) > 0:
            problems.append((name, f"must be positive, got {float(x[name]):g}"))
    for name in _NON_NEGATIVE:
        if name in x and not float(x[name]) >= 0:
            problems.append((name, f"must be zero or positive, got {float(x[name]):g}"))
    for name in _FRACTIONS:
        if name in x and float(x[name]) > 1:
            problems.append((name, f"a share of peak FLOP/s cannot exceed 1, got {float(x[name]):g}"))
    if "causal_vae" in x and float(x["causal_vae"]) not in (0.0, 1.0):
        problems.append(("causal_vae", f"must be 1 (causal VAE) or 0 (non-causal), got {float(x['causal_vae']):g}"))
    if problems:
        return problems
    get = lambda n: float(x[n]) if n in x else None  # noqa: E731
    frames, vt, causal = get("frames"), get("vae_temporal"), get("causal_vae")
    if None not in (frames, vt, causal) and latent_frames(frames, vt, causal) < 1:
        problems.append(
            (
                "frames",
                f"{frames:g} frames give no latent frame with a non-causal VAE of "
                f"vae_temporal={vt:g}: give at least {vt:g} frames (or causal_vae = 1)",
            )
        )
    vs = get("vae_spatial")
    for name in ("width", "height"):
        size = get(name)
        if None not in (size, vs) and latent_side(size, vs) < 1:
            problems.append(
                (name, f"{size:g} px is less than one latent pixel (vae_spatial={vs:g}): give at least {vs:g} px")
            )
    return problems


def notes(x: Mapping[str, float]) -> list[str]:
    """What the pipeline arithmetic adjusted at the point values ``x``, one sentence each: frames a causal
    or non-causal VAE drops, latents padded up to whole patches, and architecture sizes that are not
    whole numbers (read as averages). Empty when the configuration fits exactly."""
    out: list[str] = []
    get = lambda n: float(x[n]) if n in x else None  # noqa: E731
    frames, vt, causal, pt = get("frames"), get("vae_temporal"), get("causal_vae"), get("patch_temporal")
    for name in ("frames", "vae_temporal", "vae_spatial", "patch_temporal", "patch_spatial", "width", "height"):
        v = get(name)
        if v is not None and not _whole(v):
            out.append(
                f"{name} = {v:g} is not a whole number: the model floors and pads it as a continuous "
                "value, read it as an average over configurations"
            )
    if None not in (frames, vt, causal) and frames > 0 and vt > 0:
        c = 1.0 if causal else 0.0
        latent = latent_frames(frames, vt, c)
        used = c + (latent - c) * vt
        if used < frames and _whole(frames) and _whole(vt):
            rule = f"({frames:g} - 1) // {vt:g} + 1" if c else f"{frames:g} // {vt:g}"
            out.append(
                f"frames: {frames:g} frames give {rule} = {latent:g} latent frames "
                f"({'causal' if c else 'non-causal'} VAE); the last {frames - used:g} frame(s) fill no "
                f"latent frame (diffusers floors them; a pipeline that rounds to {used:g} frames costs the same)"
            )
        if pt is not None and pt > 0 and latent % pt:
            padded = patch_count(latent, pt) * pt
            out.append(
                f"frames: {latent:g} latent frames padded up to {padded:g}, a multiple of patch_temporal="
                f"{pt:g} (as CogVideoX1.5's pipeline pads 21 to 22)"
            )
    vs, ps = get("vae_spatial"), get("patch_spatial")
    for name in ("width", "height"):
        size = get(name)
        if None in (size, vs, ps) or not (size > 0 and vs > 0 and ps > 0):
            continue
        side = latent_side(size, vs)
        if side * vs < size and _whole(size) and _whole(vs):
            out.append(
                f"{name}: {size:g} px // vae_spatial {vs:g} = {side:g} latent px; the last "
                f"{size - side * vs:g} px are cropped"
            )
        if side % ps:
            out.append(
                f"{name}: {side:g} latent px padded up to {patch_count(side, ps) * ps:g}, a multiple of "
                f"patch_spatial={ps:g}"
            )
    return out

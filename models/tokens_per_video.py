"""Tokens (spacetime patches) per generated video, as a broker note quoted by Beijing Business Today
(March 2024) counted them for Sora.

Source: Beijing Business Today (北京商报), March 2024, a news piece on Sora's compute quoting a CITIC
Securities (中信证券) estimate, quoted below as [T "<phrase>"]:
[T "中信证券曾简单估算,一个60帧的视频(约6—8秒)需要约6万个Patches,如果去噪步数是20的话,相当于要生成
120万个Tokens"]. The source gives only the totals; this module makes the patch arithmetic explicit
with the input names of a video-diffusion model (width, height, frames, vae_temporal, vae_spatial,
patch_temporal, patch_spatial, sampling_steps) so the two can be cross-checked:

    latent frames   = frames / vae_temporal   (causal VAE: 1 + (frames - 1) / vae_temporal)
    latent H x W    = height / vae_spatial x width / vae_spatial
    tokens (patches)= latent frames / patch_temporal x latent H / patch_spatial x latent W / patch_spatial
    tokens processed= tokens x sampling_steps

Reading chosen: 60k patches for 60 frames is ~1,000 patches per frame, which is exactly what a
DiT-style image model gives at 512 x 512 with an 8x spatial VAE and 2x2 patches (32 x 32 = 1,024
patches per frame, no temporal compression): 60 x 1,024 = 61,440 ~ "约6万", and x 20 steps =
1.23M ~ "120万". So the scenario's points are width = height = 512, vae_spatial = 8, patch_spatial = 2,
vae_temporal = patch_temporal = 1. Divisions are exact (no rounding up of partial patches), so with
non-dividing sizes the count is a continuous approximation. ``causal_vae`` (default 0, the plain count)
has the meaning it has in models/video_diffusion.py; at vae_temporal = 1 both readings give 60 frames.

Every function is pure arithmetic on named arrays: numpy arrays and PyTensor tensors alike.
"""

from __future__ import annotations

from typing import Any, Mapping

from flopcast.models.spec import Quantity

INPUTS = {
    "width": Quantity(
        "px",
        "frame width in pixels",
        None,
        "not stated; 512 reproduces the source's ~1,000 patches per frame (module docstring)",
        domain="positive",
    ),
    "height": Quantity(
        "px",
        "frame height in pixels",
        None,
        "not stated; 512 reproduces the source's ~1,000 patches per frame (module docstring)",
        domain="positive",
    ),
    "frames": Quantity(
        "frames", "video frames per generated video", None, '[T "一个60帧的视频(约6—8秒)"]', domain="count"
    ),
    "vae_temporal": Quantity(
        "frames per latent frame",
        "temporal compression of the video autoencoder",
        None,
        "not stated; 1 (no temporal compression) reproduces 60 frames -> 60k patches",
        domain="count",
    ),
    "vae_spatial": Quantity(
        "px per latent px",
        "spatial compression of the autoencoder, per side",
        None,
        "not stated; 8 as in DiT / Stable Diffusion VAEs",
        domain="count",
    ),
    "causal_vae": Quantity(
        "0/1",
        "1: causal VAE, the first frame is encoded alone (latent = 1 + (frames - 1) / "
        "vae_temporal); 0: frames / vae_temporal",
        0.0,
        "not stated; 0, the plain count (identical to 1 when vae_temporal = 1, the source's reading). "
        "Same name and meaning as in models/video_diffusion.py, whose default is 1",
        domain="switch",
    ),
    "patch_temporal": Quantity(
        "latent frames per token", "patch size along time", None, "not stated; 1 (per-frame patches)", domain="count"
    ),
    "patch_spatial": Quantity(
        "latent px per token side",
        "patch size per side, in latent pixels",
        None,
        "not stated; 2 as in DiT-XL/2",
        domain="count",
    ),
    "sampling_steps": Quantity(
        "steps", "denoising steps per generated video", None, '[T "如果去噪步数是20的话"]', domain="positive"
    ),
}

OUTPUTS = {
    "latent_frames": Quantity("latent frames", "frames after temporal compression", domain="positive"),
    "patches_per_latent_frame": Quantity(
        "tokens/latent frame", "spatial patches in one latent frame", domain="positive"
    ),
    "tokens_per_video": Quantity("tokens", "spacetime patches (tokens) in one video", domain="positive"),
    "tokens_processed_per_video": Quantity(
        "tokens", "tokens processed over all denoising steps of one video", domain="positive"
    ),
}

KEY_OUTPUTS = ("tokens_per_video", "tokens_processed_per_video")


def latent_frames(frames, vae_temporal, causal_vae):
    """[T "一个60帧的视频"]: frames / temporal compression (1 in the reading that gives 60k patches);
    a causal VAE encodes the first frame alone: causal + (frames - causal) / vae_temporal."""
    return causal_vae + (frames - causal_vae) / vae_temporal


def patches_per_frame(width, height, vae_spatial, patch_spatial):
    """(W / vae / patch) x (H / vae / patch): 512 / 8 / 2 = 32 per side, 1,024 patches per frame."""
    return (width / (vae_spatial * patch_spatial)) * (height / (vae_spatial * patch_spatial))


def tokens(latent, per_frame, patch_temporal):
    """[T "一个60帧的视频 ... 需要约6万个Patches"]: 60 x 1,024 = 61,440."""
    return latent / patch_temporal * per_frame


def tokens_processed(tokens_, steps):
    """[T "如果去噪步数是20的话,相当于要生成120万个Tokens"]: 61,440 x 20 = 1.23M."""
    return tokens_ * steps


def evaluate(x: Mapping[str, Any]) -> dict[str, Any]:
    latent = latent_frames(x["frames"], x["vae_temporal"], x["causal_vae"])
    per_frame = patches_per_frame(x["width"], x["height"], x["vae_spatial"], x["patch_spatial"])
    n = tokens(latent, per_frame, x["patch_temporal"])
    return {
        "latent_frames": latent,
        "patches_per_latent_frame": per_frame,
        "tokens_per_video": n,
        "tokens_processed_per_video": tokens_processed(n, x["sampling_steps"]),
    }

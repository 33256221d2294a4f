"""Sora compute, as Matthias Plappert (Factorial Funds, March 2024) estimated it.

Source: Matthias Plappert, "Under The Hood: How OpenAI's Sora Model Works", Factorial Funds, March 2024,
section "Compute estimates", in its Chinese translation (section 04 "算力估算"), quoted
below as [S04 "<phrase>"]. The source extrapolates linearly from DiT-XL (Peebles & Xie 2023):
parameters x data x latent frames for training, parameters x latent frames x steps for inference.
Every function is pure arithmetic on named arrays: numpy arrays and PyTensor tensors alike.
"""

from __future__ import annotations

from typing import Any, Mapping

from flopcast.models import dit, video_fleet
from flopcast.models.spec import Quantity
from flopcast.models.video_fleet import ai_minutes_per_day  # [S04 "850 万 + 650 万 = 1500 万分钟"]

SECONDS_PER_HOUR = 3600.0
SECONDS_PER_MONTH = 30 * 24 * 3600.0  # [S04 "H100 运行一个月"]: one month = 30 days
HOURS_PER_DAY = 24.0

INPUTS = {
    "dit_params": Quantity(
        "parameters", "DiT-XL parameter count", 675e6, '[S04 "DiT-XL 有 6.75 亿个参数"]', domain="positive"
    ),
    "dit_train_flops": Quantity(
        "FLOP",
        "DiT-XL total training compute",
        1e21,
        '[S04 "使用了大约 10^21 FLOPS 的总计算资源进行训练"]',
        domain="positive",
        convention=dit.TRAIN_CONVENTION,
    ),
    "dit_flops_per_step": Quantity(
        "FLOP",
        "DiT-XL FLOPs per denoising step (one 512x512 image)",
        524e9,
        '[S04 "DiT-XL 每一步推理使用 524×10^9 FLOPS"]',
        domain="positive",
        convention=dit.STEP_CONVENTION,
    ),
    "sora_params": Quantity(
        "parameters",
        "Sora parameter count",
        None,
        '[S04 "200 亿规模的参数量也是有可能的 ... DiT 30 倍"]',
        domain="positive",
    ),
    "video_seconds": Quantity(
        "s", "length of one generated video", None, '[S04 "Sora 最长可以生成 1 分钟的视频"]', domain="positive"
    ),
    "fps": Quantity(
        "frames/s", "frame rate of generated video", None, '[S04 "编码帧率为 24 帧每秒"]', domain="positive"
    ),
    "temporal_compression": Quantity(
        "frames per latent frame",
        "video frames per latent frame",
        None,
        '[S04 "8 倍压缩,那么在 latent space 中就有 180 帧"]',
        domain="positive",
    ),
    "dataset_multiplier": Quantity(
        "x DiT-XL data",
        "training data seen relative to DiT-XL",
        None,
        '[S04 "计算量增加的乘数给到 4 到 10 倍更为合理"]',
        domain="positive",
    ),
    "video_fraction": Quantity(
        "fraction",
        "share of training data that is video",
        None,
        '[S04 "50% 的静态图像和 50% 的视频"]',
        domain="fraction",
    ),
    "sampling_steps": Quantity(
        "steps",
        "denoising steps per generated video",
        None,
        '[S04 "每个视频有 250 个 diffusion 步骤"]',
        domain="positive",
    ),
    "h100_peak_flops": Quantity(
        "FLOP/s",
        "dense BF16 peak of one H100 SXM",
        989.4e12,
        "NVIDIA H100 SXM datasheet: 989.4 TFLOPS dense BF16",
        domain="positive",
        convention=dit.PEAK_CONVENTION,
        hardware="peak_flops",
    ),
    "training_utilization": Quantity(
        "fraction",
        "achieved FLOP/s over peak when training",
        None,
        '[S04 "4211 - 10528 张 H100 运行一个月" assumes 100%]',
        domain="open_fraction",
    ),
    "inference_utilization": Quantity(
        "fraction",
        "achieved FLOP/s over peak when serving",
        None,
        '[S04 "50%的利用率会更符合实际"]',
        domain="open_fraction",
    ),
    # The demand side is the fleet layer's (models/video_fleet.py), shared rather than copied.
    **{
        name: video_fleet.INPUTS[name]
        for name in (
            "tiktok_minutes_per_day",
            "youtube_minutes_per_day",
            "tiktok_ai_share",
            "youtube_ai_share",
            "peak_factor",
            "generations_per_upload",
        )
    },
    # Not in the source: cost and power of the fleet, with documented defaults.
    "h100_usd_per_hour": Quantity(
        "USD/GPU-hour",
        "rental price of one H100",
        2.5,
        "default: typical 2024-2025 on-demand/reserved H100 cloud price, ~2-3 USD/h",
        domain="positive",
        hardware="usd_per_hour",
    ),
    "h100_power_kw": Quantity(
        "kW/GPU",
        "all-in power per H100 (GPU TDP 0.7 kW plus host, network, cooling)",
        1.4,
        "default: 0.7 kW SXM TDP x ~2 for server, network and PUE",
        domain="positive",
        hardware="power_kw",
    ),
}

OUTPUTS = {
    "training_flops": Quantity("FLOP", "total training compute", domain="nonnegative"),
    "training_h100_months": Quantity(
        "H100-months", "H100-months to train at training_utilization (30-day months)", domain="nonnegative"
    ),
    "inference_flops_per_video_minute": Quantity(
        "FLOP/video min", "inference compute per minute of generated video", domain="positive"
    ),
    "video_minutes_per_h100_hour": Quantity(
        "video min/H100-hour", "video generated per H100-hour at 100% utilization", domain="positive"
    ),
    "break_even_video_minutes": Quantity(
        "video min", "minutes generated before inference compute equals training compute", domain="nonnegative"
    ),
    "ai_video_minutes_per_day": Quantity("video min/day", "AI-generated video uploaded per day", domain="nonnegative"),
    "average_fleet_h100_full_utilization": Quantity(
        "H100s", "H100s for flat demand at 100% utilization (the source's 89k step)", domain="nonnegative"
    ),
    "peak_fleet_h100": Quantity("H100s", "H100s to serve peak demand", domain="nonnegative"),
    "inference_usd_per_video_minute": Quantity(
        "USD/video min", "GPU rental cost per generated minute at inference_utilization", domain="positive"
    ),
    "peak_fleet_power_mw": Quantity("MW", "all-in power of the peak fleet", domain="nonnegative"),
}

KEY_OUTPUTS = ("training_h100_months", "break_even_video_minutes", "peak_fleet_h100")


def param_multiplier(sora_params, dit_params):
    """[S04 "Sora 的计算量是 DiT 30 倍"]: 20B / 675M (the source rounds 29.6 to 30)."""
    return sora_params / dit_params


def latent_frames(video_seconds, fps, temporal_compression):
    """[S04 "一个视频就包含多达 1440 帧 ... 8 倍压缩 ... 180 帧"]: 60 s x 24 fps / 8."""
    return video_seconds * fps / temporal_compression


def training_flops(dit_train_flops, multiplier, dataset_multiplier, frames, video_fraction):
    """[S04 "DiT 的基础计算量 × 模型增加 × 数据集增加 × 180 帧(只针对数据集当中的 50%)"]:
    1e21 x 30 x (4 to 10) x (180 / 2). The source counts only the video half, at 180x."""
    return dit_train_flops * multiplier * dataset_multiplier * frames * video_fraction


def gpu_months(flops, peak_flops, utilization):
    """[S04 "相当于 4211 - 10528 张 H100 运行一个月的计算量"]: FLOPs / (peak x util x 30 days)."""
    return flops / (peak_flops * utilization * SECONDS_PER_MONTH)


def inference_flops_per_step(dit_flops_per_step, multiplier, frames):
    """[S04 "524×10^9 FLOPS × 30 × 180 ≈ 2.8×10^15 FLOPS"]."""
    return dit_flops_per_step * multiplier * frames


def per_video_minute(flops_per_video, video_seconds):
    """A video of ``video_seconds`` s; the source's video is 60 s, so per video = per minute."""
    return flops_per_video * 60.0 / video_seconds


def video_minutes_per_gpu_hour(peak_flops, flops_per_minute):
    """[S04 "这大约相当于每小时每张 Nvidia H100 生成 5 分钟的视频"]: 989.4e12 x 3600 / 7.08e17."""
    return peak_flops * SECONDS_PER_HOUR / flops_per_minute


def break_even(train_flops, flops_per_minute):
    """[S04 "需要生成 1530 万分钟的视频 ... 3810万分钟"]: training FLOPs / inference FLOPs per minute."""
    return train_flops / flops_per_minute


def average_fleet(minutes_per_day, minutes_per_gpu_hour):
    """[S04 "1500 万 / 120 ≈ 8.9 万张"]: minutes per day / (minutes per H100-hour x 24 h).
    The source's division is wrong: 15M / 120 = 125k, not 89k (``flopcast audit plappert-2024`` shows it)."""
    return minutes_per_day / (minutes_per_gpu_hour * HOURS_PER_DAY)


def peak_fleet(average, utilization, peak, generations):
    """[S04 "50%的利用率 ... 2 倍; 峰值流量 ... 2X; 每个上传的视频都对应 2 次生成 ... 72 万张"]."""
    return average / utilization * peak * generations


def evaluate(x: Mapping[str, Any]) -> dict[str, Any]:
    mult = param_multiplier(x["sora_params"], x["dit_params"])
    frames = latent_frames(x["video_seconds"], x["fps"], x["temporal_compression"])
    train = training_flops(x["dit_train_flops"], mult, x["dataset_multiplier"], frames, x["video_fraction"])
    per_video = inference_flops_per_step(x["dit_flops_per_step"], mult, frames) * x["sampling_steps"]
    per_minute = per_video_minute(per_video, x["video_seconds"])
    minutes_per_hour = video_minutes_per_gpu_hour(x["h100_peak_flops"], per_minute)
    minutes_per_day = ai_minutes_per_day(
        x["tiktok_minutes_per_day"], x["tiktok_ai_share"], x["youtube_minutes_per_day"], x["youtube_ai_share"]
    )
    average = average_fleet(minutes_per_day, minutes_per_hour)
    peak = peak_fleet(average, x["inference_utilization"], x["peak_factor"], x["generations_per_upload"])
    return {
        "training_flops": train,
        "training_h100_months": gpu_months(train, x["h100_peak_flops"], x["training_utilization"]),
        "inference_flops_per_video_minute": per_minute,
        "video_minutes_per_h100_hour": minutes_per_hour,
        "break_even_video_minutes": break_even(train, per_minute),
        "ai_video_minutes_per_day": minutes_per_day,
        "average_fleet_h100_full_utilization": average,
        "peak_fleet_h100": peak,
        # GPU-hours per minute at achieved utilization, times the hourly price.
        "inference_usd_per_video_minute": x["h100_usd_per_hour"] / (minutes_per_hour * x["inference_utilization"]),
        "peak_fleet_power_mw": peak * x["h100_power_kw"] / 1000.0,
    }

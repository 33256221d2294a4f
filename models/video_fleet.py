"""The fleet layer: GPUs to serve AI-generated uploads to TikTok and YouTube, for any per-video model.

Chain it after a model that produces ``video_seconds_per_gpu_hour`` (``model = "video_diffusion+video_fleet"``).
That figure already includes the serving utilization, so this layer does not divide by it again.
The demand side follows the source (Matthias Plappert, "Under The Hood: How OpenAI's Sora Model Works", Factorial Funds, March 2024,
section "Compute estimates", quoted from its Chinese translation as [S04 "..."]): AI share of the minutes uploaded per day, times generations per upload, times a peak factor.
Pure arithmetic, numpy and PyTensor alike.
"""

from __future__ import annotations

from typing import Any, Mapping

from flopcast.models.spec import Quantity

HOURS_PER_DAY = 24.0
HOURS_PER_YEAR = 8760.0

INPUTS = {
    "video_seconds_per_gpu_hour": Quantity(
        "video s/GPU-hour",
        "seconds of video one GPU generates per hour, at the serving utilization",
        None,
        "produced upstream (e.g. by models/video_diffusion.py)",
        domain="positive",
    ),
    "tiktok_minutes_per_day": Quantity(
        "video min/day",
        "minutes of video uploaded to TikTok per day",
        None,
        '[S04 "每天上传 1700 万分钟的视频(3400 万条 × 30 秒)"]',
        domain="nonnegative",
    ),
    "youtube_minutes_per_day": Quantity(
        "video min/day",
        "minutes of video uploaded to YouTube per day",
        None,
        '[S04 "每天上传 4300 万分钟的视频"]',
        domain="nonnegative",
    ),
    "tiktok_ai_share": Quantity(
        "fraction",
        "share of TikTok uploads that are AI-generated",
        None,
        '[S04 "AI 的渗透率为 50%"]',
        domain="fraction",
    ),
    "youtube_ai_share": Quantity(
        "fraction",
        "share of YouTube uploads that are AI-generated",
        None,
        '[S04 "AI 的渗透率为 15%"]',
        domain="fraction",
    ),
    "peak_factor": Quantity(
        "x average",
        "peak-hour demand over average demand",
        None,
        '[S04 "考虑峰值流量的情况,又要给 GPU 需求数量一个 2X 的乘数"]',
        domain="positive",
    ),
    "generations_per_upload": Quantity(
        "videos/upload",
        "videos generated per video uploaded",
        None,
        '[S04 "平均每个上传的视频都对应 2 次生成"]',
        domain="count",
    ),
    "gpu_usd_per_hour": Quantity(
        "USD/GPU-hour",
        "rental price of one GPU",
        2.5,
        "default: typical 2024-2025 on-demand/reserved H100 cloud price, ~2-3 USD/h (as models/sora.py)",
        domain="positive",
        hardware="usd_per_hour",
    ),
    "gpu_power_kw": Quantity(
        "kW/GPU",
        "all-in power per GPU (GPU, host, network, cooling)",
        1.4,
        "default: 0.7 kW H100 SXM TDP x ~2 for server, network and PUE (as models/sora.py)",
        domain="positive",
        hardware="power_kw",
    ),
}

OUTPUTS = {
    "ai_video_minutes_per_day": Quantity("video min/day", "AI-generated video uploaded per day", domain="nonnegative"),
    "generated_video_minutes_per_day": Quantity(
        "video min/day", "video generated per day (uploads x generations)", domain="nonnegative"
    ),
    "gpu_hours_per_day": Quantity("GPU-hours/day", "GPU time to generate a day's video", domain="nonnegative"),
    "average_fleet_gpus": Quantity("GPUs", "GPUs busy on average over the day", domain="nonnegative"),
    "peak_fleet_gpus": Quantity("GPUs", "GPUs to serve peak demand", domain="nonnegative"),
    "peak_fleet_power_mw": Quantity("MW", "all-in power of the peak fleet", domain="nonnegative"),
    "usd_per_generated_minute": Quantity(
        "USD/video min", "GPU rental cost per generated minute of video", domain="positive"
    ),
    "fleet_usd_per_year": Quantity("USD/year", "renting the peak fleet all year", domain="nonnegative"),
}

KEY_OUTPUTS = ("peak_fleet_gpus", "peak_fleet_power_mw")


def ai_minutes_per_day(tiktok, tiktok_share, youtube, youtube_share):
    """[S04 "850 万 + 650 万 = 1500 万分钟"]: 17M x 50% + 43M x 15% = 14.95M."""
    return tiktok * tiktok_share + youtube * youtube_share


def gpu_hours_per_day(generated_minutes, seconds_per_gpu_hour):
    """Generated minutes x 60 / (video seconds per GPU-hour). Utilization is inside the rate already;
    the source applies it afterwards ([S04 "50%的利用率 ... 2 倍"])."""
    return generated_minutes * 60.0 / seconds_per_gpu_hour


def average_fleet(hours_per_day):
    """[S04 "1500 万 / 120"]: a GPU works 24 hours a day (the source's 120 = 5 min x 24 h)."""
    return hours_per_day / HOURS_PER_DAY


def peak_fleet(average, peak):
    """[S04 "峰值流量 ... 2X ... 72 万张"]."""
    return average * peak


def evaluate(x: Mapping[str, Any]) -> dict[str, Any]:
    minutes = ai_minutes_per_day(
        x["tiktok_minutes_per_day"], x["tiktok_ai_share"], x["youtube_minutes_per_day"], x["youtube_ai_share"]
    )
    generated = minutes * x["generations_per_upload"]
    hours = gpu_hours_per_day(generated, x["video_seconds_per_gpu_hour"])
    average = average_fleet(hours)
    peak = peak_fleet(average, x["peak_factor"])
    return {
        "ai_video_minutes_per_day": minutes,
        "generated_video_minutes_per_day": generated,
        "gpu_hours_per_day": hours,
        "average_fleet_gpus": average,
        "peak_fleet_gpus": peak,
        "peak_fleet_power_mw": peak * x["gpu_power_kw"] / 1000.0,
        "usd_per_generated_minute": x["gpu_usd_per_hour"] * 60.0 / x["video_seconds_per_gpu_hour"],
        "fleet_usd_per_year": peak * x["gpu_usd_per_hour"] * HOURS_PER_YEAR,
    }


def check(x: Mapping[str, float]) -> list[tuple[str, str]]:
    """Peak demand at least the average, at the point. (Volumes, shares and generations are held by
    their domains; peak_factor's is only positive so that a lognormal prior fits.)"""
    if "peak_factor" in x and not float(x["peak_factor"]) >= 1:
        return [("peak_factor", f"peak demand cannot be below average; got {float(x['peak_factor']):g}")]
    return []

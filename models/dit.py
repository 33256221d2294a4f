"""DiT-XL (Peebles & Xie 2023): training compute against inference compute per image, as Matthias
Plappert (Factorial Funds, March 2024) set them side by side.

Source: Matthias Plappert, "Under The Hood: How OpenAI's Sora Model Works", Factorial Funds, March 2024,
section "Compute estimates", in its Chinese translation (section 04 "算力估算"), quoted
below as [S04 "<phrase>"]. The source uses DiT-XL as the image-model baseline for its Sora estimate:
training took ~1e21 FLOP, one 512x512 image takes 524 GFLOP per denoising step x 250 steps, so
inference overtakes training after ~7.6M images, a small fraction of one day of Instagram uploads.

Reading chosen where the source is implicit:
- "FLOPS" in the source means FLOP (a count), not FLOP/s; every count here is in FLOP.
- H100-time is at the dense BF16 peak times a utilization; the source's "0.4 H100-months / 12 days"
  is at 100% (the scenario's point for ``training_utilization`` is 1.0 so ``--point`` reproduces it).
- A month is 30 days, as in models/sora.py.
- The Llama-2-70B comparison uses the source's rule "FLOPS = 2 x 参数量 x 生成的 Token 数量" for a
  1000-token document.

Every function is pure arithmetic on named arrays: numpy arrays and PyTensor tensors alike.
"""

from __future__ import annotations

from typing import Any, Mapping

from flopcast.models._convention import DENSE, FLOP_FORWARD, FLOP_TRAINING, MAC_FORWARD, MAC_TRAINING, declare
from flopcast.models.spec import Quantity

SECONDS_PER_HOUR = 3600.0
SECONDS_PER_DAY = 24 * 3600.0
DAYS_PER_MONTH = 30.0  # as in models/sora.py: [S04 "H100 运行一个月"], one month = 30 days

# The DiT paper counts "Gflops" as multiply-accumulates (Peebles & Xie 2023, arXiv:2212.09748, Table 4:
# DiT-XL/2 at 512x512, 524.6 Gflops per forward pass; MACs per W. Peebles in facebookresearch/DiT issue
# #14, 2023-02-09). Its training compute is those Gflops x batch x steps x 3, so MACs too. These
# equations compare FLOP counts with FLOP/s peaks, which count 2 FLOPs per MAC.
STEP_CONVENTION = declare(
    MAC_FORWARD,
    FLOP_FORWARD,
    "Peebles & Xie 2023 (arXiv:2212.09748) Table 4: 524.6 Gflops, counted with fvcore "
    "(one multiply-add = one flop; facebookresearch/DiT issue #14)",
)
TRAIN_CONVENTION = declare(
    MAC_TRAINING,
    FLOP_TRAINING,
    "Peebles & Xie 2023 (arXiv:2212.09748): training compute = model Gflops x batch size x "
    "training steps x 3, the Gflops counted as MACs (facebookresearch/DiT issue #14)",
)
PEAK_CONVENTION = declare(DENSE, DENSE, "NVIDIA H100 SXM datasheet: 989.4 TFLOPS is the dense BF16 peak")

INPUTS = {
    "dit_train_flops": Quantity(
        "FLOP",
        "DiT-XL total training compute",
        1e21,
        '[S04 "使用了大约 10^21 FLOPS 的总计算资源进行训练"]',
        domain="positive",
        convention=TRAIN_CONVENTION,
    ),
    "dit_flops_per_step": Quantity(
        "FLOP",
        "DiT-XL FLOPs per denoising step (one 512x512 image)",
        524e9,
        '[S04 "DiT-XL 每一步推理使用 524×10^9 FLOPS"]',
        domain="positive",
        convention=STEP_CONVENTION,
    ),
    "sampling_steps": Quantity(
        "steps",
        "denoising steps per generated image",
        None,
        '[S04 "DiT 使用生成一张图片会经过 250 步的 diffusion"]',
        domain="positive",
    ),
    "instagram_images_per_day": Quantity(
        "images/day",
        "images uploaded to Instagram per day",
        None,
        '[S04 "用户每天向 Instagram 上传约 9500 万张图片"]',
        domain="positive",
    ),
    "h100_peak_flops": Quantity(
        "FLOP/s",
        "dense BF16 peak of one H100 SXM",
        989.4e12,
        "NVIDIA H100 SXM datasheet: 989.4 TFLOPS dense BF16",
        domain="positive",
        convention=PEAK_CONVENTION,
        hardware="peak_flops",
    ),
    "training_utilization": Quantity(
        "fraction",
        "achieved FLOP/s over peak when training",
        None,
        '[S04 "相当于使用 0.4 个 Nvidia H100 运行 1 个月,或者单张 H100 运行 12 天"] assumes 100%',
        domain="open_fraction",
    ),
    "inference_utilization": Quantity(
        "fraction",
        "achieved FLOP/s over peak when serving",
        None,
        '[S04 "50%的利用率会更符合实际"] (said of Sora inference)',
        domain="open_fraction",
    ),
    "h100_usd_per_hour": Quantity(
        "USD/GPU-hour",
        "rental price of one H100",
        2.5,
        "default: typical 2024-2025 on-demand/reserved H100 cloud price, ~2-3 USD/h",
        domain="positive",
        hardware="usd_per_hour",
    ),
    "llm_params": Quantity(
        "parameters",
        "parameters of the LLM the source compares against (Llama-2-70B)",
        70e9,
        '[S04 "拥有 6.75 亿参数的 DiT-XL 在推理环节的消耗差不多和 700 亿参数的 LLama 2 相同"]',
        domain="positive",
    ),
    "llm_tokens_per_output": Quantity(
        "tokens",
        "tokens in one LLM output (a document)",
        1000.0,
        '[S04 "我们定义的单个输出是一个包含 1000 个 Token 文本的文档"]',
        domain="positive",
    ),
}

OUTPUTS = {
    "inference_flops_per_image": Quantity("FLOP/image", "inference compute per generated image", domain="positive"),
    "break_even_images": Quantity(
        "images", "images generated before inference compute equals training compute", domain="positive"
    ),
    "days_of_instagram_to_break_even": Quantity(
        "days", "days of Instagram uploads that many images amount to", domain="positive"
    ),
    "training_h100_days": Quantity("H100-days", "H100-days to train DiT-XL at training_utilization", domain="positive"),
    "training_h100_months": Quantity(
        "H100-months", "H100-months to train DiT-XL at training_utilization (30-day months)", domain="positive"
    ),
    "h100_seconds_per_image": Quantity(
        "H100-s/image", "H100-seconds per generated image at inference_utilization", domain="positive"
    ),
    "images_per_h100_hour": Quantity(
        "images/H100-hour", "images generated per H100-hour at inference_utilization", domain="positive"
    ),
    "inference_usd_per_image": Quantity("USD/image", "GPU rental cost per generated image", domain="positive"),
    "llm_flops_per_output": Quantity(
        "FLOP/output", "inference compute of one 1000-token LLM document (2 N tokens)", domain="positive"
    ),
    "image_over_llm_output_flops": Quantity(
        "x LLM output", "inference FLOPs of one image over one LLM document", domain="positive"
    ),
}

KEY_OUTPUTS = ("break_even_images", "days_of_instagram_to_break_even", "h100_seconds_per_image")


def flops_per_image(flops_per_step, steps):
    """[S04 "每一步推理使用 524×10^9 FLOPS ... 250 步的 diffusion,即总共是 131×10^12 FLOPS"]."""
    return flops_per_step * steps


def break_even(train_flops, per_image):
    """[S04 "在生成 760 万张图片之后,最终达到了'推理-训练的临界点'"]: 1e21 / 131e12 = 7.63M."""
    return train_flops / per_image


def days_of_uploads(images, images_per_day):
    """[S04 "作为参考,用户每天向 Instagram 上传约 9500 万张图片"]: 7.63M / 95M per day = 0.08 day."""
    return images / images_per_day


def gpu_seconds(flops, peak_flops, utilization):
    """FLOPs / achieved FLOP/s: the H100-time a job takes."""
    return flops / (peak_flops * utilization)


def training_h100_days(train_flops, peak_flops, utilization):
    """[S04 "单张 H100 运行 12 天"]: 1e21 / 989.4e12 FLOP/s = 1.01e6 s = 11.7 days."""
    return gpu_seconds(train_flops, peak_flops, utilization) / SECONDS_PER_DAY


def days_to_months(days):
    """[S04 "相当于使用 0.4 个 Nvidia H100 运行 1 个月"]: 11.7 days / 30 = 0.39 H100-months."""
    return days / DAYS_PER_MONTH


def per_hour(seconds_per_item):
    """Items an H100 produces per hour."""
    return SECONDS_PER_HOUR / seconds_per_item


def usd_per_item(seconds_per_item, usd_per_hour):
    """GPU-hours per item times the hourly price."""
    return seconds_per_item / SECONDS_PER_HOUR * usd_per_hour


def llm_flops_per_output(params, tokens):
    """[S04 "FLOPS = 2 × 参数量 × 生成的 Token 数量"]: 2 x 70e9 x 1000 = 1.4e14."""
    return 2.0 * params * tokens


def evaluate(x: Mapping[str, Any]) -> dict[str, Any]:
    per_image = flops_per_image(x["dit_flops_per_step"], x["sampling_steps"])
    images = break_even(x["dit_train_flops"], per_image)
    train_days = training_h100_days(x["dit_train_flops"], x["h100_peak_flops"], x["training_utilization"])
    seconds = gpu_seconds(per_image, x["h100_peak_flops"], x["inference_utilization"])
    llm = llm_flops_per_output(x["llm_params"], x["llm_tokens_per_output"])
    return {
        "inference_flops_per_image": per_image,
        "break_even_images": images,
        "days_of_instagram_to_break_even": days_of_uploads(images, x["instagram_images_per_day"]),
        "training_h100_days": train_days,
        "training_h100_months": days_to_months(train_days),
        "h100_seconds_per_image": seconds,
        "images_per_h100_hour": per_hour(seconds),
        "inference_usd_per_image": usd_per_item(seconds, x["h100_usd_per_hour"]),
        "llm_flops_per_output": llm,
        "image_over_llm_output_flops": per_image / llm,
    }

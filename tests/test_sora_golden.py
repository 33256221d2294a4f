"""Golden figures: plappert-2024 at the source's point values reproduces the source
(Matthias Plappert, "Under The Hood: How OpenAI's Sora Model Works", Factorial Funds,
March 2024, section "Compute estimates") to the precision it prints."""

import pytest

from flopcast import engine

# (output, --set overrides, expected, relative tolerance, where the figure comes from)
GOLDEN = [
    ("training_h100_months", [], 4211, 0.5 / 4211, "'4211 - 10528 张 H100 运行一个月' (4x data, 100% util.)"),
    ("training_h100_months", ["dataset_multiplier=10"], 10528, 0.5 / 10528, "same sentence, 10x data"),
    ("training_flops", [], 1.08e25, 1e-9, "1e21 x 30 x 4 x 180/2 = 1.08e25 (printed '≈ 1.1×10^25')"),
    ("training_flops", ["dataset_multiplier=10"], 2.7e25, 1e-9, "'1021 FLOPS × 30 × 10 × (180 / 2) ≈ 2.7×1025'"),
    ("inference_flops_per_video_minute", [], 708e15, 0.005, "'每个视频的总 FLOPS 为 708×1015 FLOPS'"),
    ("video_minutes_per_h100_hour", [], 5.0, 0.01, "'每小时每张 Nvidia H100 生成 5 分钟的视频' (5.035)"),
    ("break_even_video_minutes", [], 15.3e6, 0.05e6 / 15.3e6, "'需要生成 1530 万分钟的视频'"),
    (
        "break_even_video_minutes",
        ["dataset_multiplier=10"],
        38.15e6,
        0.06e6 / 38.15e6,
        "'3810万分钟' (38.17M; the summary says 3810-3820万)",
    ),
    ("ai_video_minutes_per_day", [], 14.95e6, 1e-9, "17M x 0.5 + 43M x 0.15 (printed '1500 万')"),
    (
        "average_fleet_h100_full_utilization",
        [],
        125e3,
        0.012,
        "15M / 120 per H100-day = 125k (the source prints 8.9 万: its own arithmetic slip)",
    ),
    ("peak_fleet_h100", [], 990e3, 0.005, "125k / 0.5 x 2 x 2 (~990k, not the printed 72 万)"),
]


@pytest.mark.parametrize("output, sets, expected, rtol, source", GOLDEN, ids=[f"{g[0]}{g[1]}" for g in GOLDEN])
def test_point_reproduces_source(output, sets, expected, rtol, source):
    value = engine.evaluate_point("plappert-2024", sets=sets)[output]
    assert value == pytest.approx(expected, rel=rtol), source


def test_point_arithmetic_is_the_closed_form():
    # Closed form at the source's values, written out independently of models/sora.py.
    mult, frames = 20.25e9 / 675e6, 60 * 24 / 8
    per_minute = 524e9 * mult * frames * 250
    minutes_per_hour = 989.4e12 * 3600 / per_minute
    fleet = 14.95e6 / (minutes_per_hour * 24) / 0.5 * 2 * 2
    out = engine.evaluate_point("plappert-2024")
    assert out["peak_fleet_h100"] == pytest.approx(fleet, rel=1e-12)
    assert out["break_even_video_minutes"] == pytest.approx(1e21 * mult * 4 * frames * 0.5 / per_minute, rel=1e-12)


def test_720k_needs_about_7_minutes_per_h100_hour():
    # 720k corresponds to ~7 minutes of video per H100-hour (source: 5.035).
    out = engine.evaluate_point("plappert-2024")
    needed = out["video_minutes_per_h100_hour"] * out["peak_fleet_h100"] / 720e3
    assert needed == pytest.approx(6.92, abs=0.05)

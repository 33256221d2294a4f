"""Cross-modality comparison (the log-scale chart in Plappert, "Under The Hood:
How OpenAI's Sora Model Works", Factorial Funds, March 2024, section "Compute estimates")."""

import json

import pytest

from flopcast.analyze import compare_outputs
from flopcast.cli.app import main

# (entry label prefix, point value, tolerance, where it comes from)
POINTS = [
    ("Sora, 1 min of video (plappert", 7.07e17, 0.005, "'每个视频的总 FLOPS 为 708×10^15'"),
    ("DiT-XL", 131e12, 0.005, "'总共是 131×10^12 FLOPS'"),
    ("Llama-2-70B", 2 * 70e9 * 1000, 1e-12, "'FLOPS = 2 × 参数量 × 生成的 Token 数量'"),
]


@pytest.fixture(scope="module")
def entries():
    return compare_outputs.compare_outputs("inference-per-output", draws=4000, seed=1).entries


@pytest.mark.parametrize("label, point, rtol, source", POINTS)
def test_points_are_the_sources(entries, label, point, rtol, source):
    e = next(e for e in entries if e.label.startswith(label))
    assert e.point == pytest.approx(point, rel=rtol), source


def test_sora_is_orders_of_magnitude_above_gpt4(entries):
    # '...Sora 的推理消耗比 GPT-4 还要高出好几个数量级' (several orders of magnitude)
    sora = next(e for e in entries if e.label.startswith("Sora, 1 min of video (plappert"))
    gpt4 = next(e for e in entries if e.label.startswith("GPT-4"))
    assert sora.summary.p05 / gpt4.summary.p95 > 100


def test_cli_writes_figure(capsys, tmp_path):
    assert main(["compare-outputs", "--draws", "2000", "--seed", "1", "--json", "--out", str(tmp_path / "c")]) == 0
    obj = json.loads(capsys.readouterr().out)
    assert len(obj["entries"]) == 5 and (tmp_path / "c" / "compare-outputs.png").exists()

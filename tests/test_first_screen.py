"""What a reader sees first: the terminal answer within one 24-line screen, and every command's text
within 100 columns; Shapley effects shown wherever Sobol indices cannot be computed."""

import re

import pytest

from flopcast.cli.app import main
from flopcast.report.text import columns

WIDTH, SCREEN = 100, 24


def _stdout(capsys, argv, tmp_path):
    assert main([*argv, "--out", str(tmp_path / "o")]) == 0
    return capsys.readouterr().out.splitlines()


def test_run_answers_on_the_first_screen(capsys, tmp_path):
    lines = _stdout(capsys, ["run", "plappert-2024", "--seed", "1", "--draws", "20000"], tmp_path)
    first = "\n".join(lines[:SCREEN])
    # the source's conclusion (lead headline) first, as one sentence: percentile, band, re-derived value
    assert re.search(
        r"peak fleet: 720k H100s is the \d+(st|nd|rd|th) percentile of a 90% band \S+-\S+; the\s+"
        r"source's own\s+assumptions give 990k",
        first,
    ), first
    table_at = next(i for i, line in enumerate(lines) if line.startswith("output "))
    sentences = [line for line in lines[:table_at] if line.startswith("- ")]
    assert len(sentences) == 11  # one per [[headlines]] entry of plappert-2024, all before any table
    assert table_at < SCREEN + 2


@pytest.mark.parametrize(
    "argv",
    [
        ["run", "plappert-2024", "--seed", "1", "--draws", "5000"],
        ["run", "sora-2026", "--seed", "1", "--draws", "5000"],
        ["sensitivity", "plappert-2024", "--output", "peak_fleet_h100", "--log", "--seed", "1", "--n", "64"],
        ["sensitivity", "sora-2026", "--output", "peak_fleet_gpus", "--log", "--seed", "1", "--n", "64"],
        ["compare", "plappert-2024", "--gpu", "H100-SXM", "--gpu", "B200", "--draws", "2000", "--seed", "1"],
        ["compare", "plappert-2024", "sora-2026", "--draws", "2000", "--seed", "1"],
        ["audit", "plappert-2024", "--draws", "5000", "--seed", "1"],
        [
            "stress",
            "plappert-2024",
            "--output",
            "peak_fleet_h100",
            "--headline",
            "720k",
            "--draws",
            "5000",
            "--seed",
            "1",
        ],
        [
            "voi",
            "plappert-2024",
            "--output",
            "peak_fleet_h100",
            "--decision",
            ">= 720k",
            "--draws",
            "5000",
            "--seed",
            "1",
        ],
    ],
)
def test_text_fits_100_columns(capsys, tmp_path, argv):
    lines = _stdout(capsys, argv, tmp_path)
    wide = [line for line in lines if columns(line) > WIDTH]
    assert not wide, "\n".join(wide)


def test_shapley_columns_where_sobol_cannot_be(capsys, tmp_path):
    lines = _stdout(
        capsys,
        ["sensitivity", "sora-2026", "--output", "peak_fleet_gpus", "--log", "--seed", "1", "--n", "64"],
        tmp_path,
    )
    head = next(line for line in lines if line.startswith("input "))
    assert "Shapley ± CI/2" in head and "PAWN" in head and "S1" not in head
    row = next(line for line in lines if line.startswith("sampling_steps"))
    assert re.search(r"0\.\d{3} ± 0\.\d{3}", row)  # a value, not "-"
    md = (tmp_path / "o" / "sensitivity.md").read_text()
    html = (tmp_path / "o" / "report.html").read_text()
    assert "Shapley ± CI/2" in md and "Shapley ± CI/2" in html and "Sobol indices not computed" not in html


def test_variance_figure_draws_shapley_bars_with_intervals():
    from flopcast.analyze import sensitivity
    from flopcast.report.plots import variance_figure

    s = sensitivity.analyze("sora-2026", "peak_fleet_gpus", n=64, seed=1, log=True)
    fig = variance_figure(s)
    ax = fig.axes[0]
    shapley = [v for v in s.inputs.values() if v.shapley is not None]
    assert len(ax.patches) == len(shapley)  # one bar per input
    assert any(c.get_segments() for c in ax.collections)  # the CI error bars
    assert "Shapley" in ax.get_title(loc="left")


def test_many_headlines_stay_on_the_first_screen(capsys, tmp_path):
    """llm-economics publishes 18 figures: the lead and the ones its assumptions do not give come first,
    the rest are counted and pointed to, and the table still starts on the first screen."""
    lines = _stdout(capsys, ["run", "llm-economics", "--seed", "1", "--draws", "5000"], tmp_path)
    table_at = next(i for i, line in enumerate(lines) if line.startswith("output "))
    assert table_at <= SCREEN + 1
    more = [line for line in lines[:table_at] if line.startswith("- and ")]
    assert len(more) == 1 and "flopcast audit llm-economics" in more[0]
    shown = sum(line.startswith("- ") for line in lines[:table_at]) - 1
    assert shown + int(re.search(r"and (\d+) more", more[0]).group(1)) == 18

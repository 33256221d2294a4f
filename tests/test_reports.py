"""Reports a reader acts on: the published figures in every view, an executive summary whose numbers
come from the JSON results, log-scale HDIs, k/M/B numbers, float32 samples that change no printed
digit, terminal text within 100 columns.

Figures from the source: Plappert, "Under The Hood: How OpenAI's Sora Model Works" (Factorial Funds,
March 2024), section "Compute estimates": a peak fleet of 720k H100s; its stated assumptions
(89k x 2 x 2 x 2 with the 15M / 120 = 125k flat fleet) give ~990k.
"""

from __future__ import annotations

import html
import json
import re

import numpy as np
import pytest

from flopcast.cli import main


@pytest.fixture(scope="module")
def plappert(tmp_path_factory):
    out = tmp_path_factory.mktemp("run") / "r"
    assert main(["run", "plappert-2024", "--draws", "20000", "--seed", "3", "--out", str(out)]) == 0
    return out


def _summary_links(page: str) -> list[tuple[str, float, str]]:
    block = page[page.index("<div class='summary'>") :]
    block = block[: block.index("</div>")]
    return [
        (a, float(v), html.unescape(t))
        for a, v, t in re.findall(r"<a href='#([\w-]+)' data-value='([^']+)'>([^<]+)</a>", block)
    ]


def test_summary_numbers_are_the_json_results_and_link_to_their_rows(plappert):
    from flopcast.report.figures import ordinal
    from flopcast.report.style import eng

    page = (plappert / "report.html").read_text()
    obj = json.loads((plappert / "summary.json").read_text())
    links = _summary_links(page)
    assert len(links) >= 5
    for anchor, value, text in links:
        assert f"id='{anchor}'" in page, anchor
        if anchor.startswith("out-"):
            o = obj["outputs"][anchor[4:]]
            assert any(value == pytest.approx(o[k], rel=1e-12) for k in ("median", "p05", "p95")), (anchor, value)
            assert text == eng(value)
        else:
            h = obj["headlines"][int(anchor.split("-")[1])]
            keys = ("published", "rederived", "published_percentile", "rederived_percentile")
            assert any(value == pytest.approx(h[k], rel=1e-12) for k in keys), (anchor, value)
            assert text in (eng(value), f"{ordinal(value)} percentile")


def test_first_screen_says_where_720k_sits_and_what_the_assumptions_give(plappert):
    from flopcast.report.style import eng

    page = (plappert / "report.html").read_text()
    obj = json.loads((plappert / "summary.json").read_text())
    first = page[: page.index("</div>", page.index("<div class='summary'>"))]
    peak = next(h for h in obj["headlines"] if h["output"] == "peak_fleet_h100")
    assert peak["published"] == 720_000
    assert peak["rederived"] == pytest.approx(990_000, rel=0.01)  # the source's own note: ~990k
    o = obj["outputs"]["peak_fleet_h100"]
    for text in ("720k", "990k", eng(o["p05"]), eng(o["p95"])):
        assert text in first, text
    assert 8 <= peak["published_percentile"] <= 20  # ~14th with the bundled priors (issue 14)


def test_percentiles_are_the_share_of_stored_draws_below(plappert):
    from flopcast.samples import load_samples

    obj = json.loads((plappert / "summary.json").read_text())
    ds = load_samples(plappert / "samples.nc")
    for h in obj["headlines"]:
        if h["set"]:  # placed in the band with its set applied (test_headline_percentile_is_one_definition)
            continue
        v = ds[h["output"]].values.astype(float)
        for key, x in (("published_percentile", h["published"]), ("rederived_percentile", h["rederived"])):
            if np.ptp(v) <= 1e-9 * np.max(np.abs(v)):  # a fixed output (AI video minutes/day): no band
                assert h[key] is None, (h["label"], key)
                continue
            # float32 storage moves at most a draw or two across a threshold
            assert h[key] == pytest.approx(100 * np.mean(v < x), abs=100 * 3 / v.size), (h["label"], key)
        assert h["band_has_set"]


@pytest.mark.parametrize(
    "samples, stored", [("all", {"sora_params", "peak_fleet_h100"}), ("outputs", {"peak_fleet_h100"}), ("none", None)]
)
def test_samples_option_and_float32_changes_no_printed_digit(tmp_path, samples, stored):
    from flopcast.report.run import _printed
    from flopcast.samples import load_samples
    from flopcast.summary import Summary, summarize

    out = tmp_path / "r"
    assert (
        main(
            [
                "run",
                "plappert-2024",
                "--draws",
                "5000",
                "--seed",
                "4",
                "--no-report",
                "--samples",
                samples,
                "--out",
                str(out),
            ]
        )
        == 0
    )
    if stored is None:
        assert not (out / "samples.nc").exists()
        return
    ds = load_samples(out / "samples.nc")
    assert stored <= set(ds.data_vars) and ("sora_params" in ds) == (samples == "all")
    obj = json.loads((out / "summary.json").read_text())
    for name, o in obj["outputs"].items():
        want = Summary(
            o["unit"],
            o["mean"],
            o["median"],
            o["p05"],
            o["p95"],
            tuple(o["hdi90"]),
            o["mcse"]["p05"],
            o["mcse"]["p50"],
            o["mcse"]["p95"],
            5000,
        )
        assert _printed(summarize(ds[name].values, o["unit"])) == _printed(want), name
    assert any(ds[n].dtype == np.float32 for n in obj["outputs"])


@pytest.mark.parametrize("mu, sigma", [(0.0, 1.0), (13.0, 1.5), (-3.0, 2.5)])
def test_log_hdi_of_a_lognormal_is_its_central_interval(mu, sigma):
    from flopcast.analyze.headlines import log_hdi90

    x = np.random.default_rng(0).lognormal(mu, sigma, 400_000)
    lo, hi = log_hdi90(x)  # log values are normal: HDI = mu -/+ 1.645 sigma
    assert np.log(lo) == pytest.approx(mu - 1.6449 * sigma, abs=0.02 * sigma)
    assert np.log(hi) == pytest.approx(mu + 1.6449 * sigma, abs=0.02 * sigma)
    assert log_hdi90(np.random.default_rng(0).normal(10, 1, 1000)) is None  # within a decade


@pytest.mark.parametrize(
    "x, text",
    [
        (720_000, "720k"),
        (989_716, "990k"),
        (391_586, "392k"),
        (13.88e6, "13.9M"),
        (4.2e9, "4.2B"),
        (1.1e25, "1.1e25"),
        (999.96, "1k"),
        (5.035, "5.04"),
        (-3500, "-3.5k"),
        (0, "0"),
        (1.7950000000000001e308, "1.8e308"),
        (float("inf"), "inf"),
    ],
)
def test_engineering_numbers(x, text):
    from flopcast.report.style import eng

    assert eng(x) == text


def test_run_terminal_output_fits_100_columns_and_shows_headlines(capsys, tmp_path):
    assert (
        main(["run", "plappert-2024", "--draws", "5000", "--seed", "1", "--no-report", "--out", str(tmp_path / "r")])
        == 0
    )
    out = capsys.readouterr().out
    lines = [ln for ln in out.splitlines() if not ln.startswith("wrote ")]
    assert max(len(ln) for ln in lines) <= 100, max(lines, key=len)
    assert "720k H100s is the" in out and "assumptions give 990k" in out and "not 720k" in out


def test_figures_carry_words_units_and_headline_markers(plappert):
    svg = (plappert / "report.html").read_text()
    assert "H100s to serve peak demand" in svg  # the model's description as the title
    assert "plappert-2024: peak_fleet_h100, 20,000 draws" in svg  # scenario and draws in the subtitle
    assert "published 720k" in svg and "source&#39;s assumptions give 990k" in svg.replace("'", "&#39;")
    assert "90% HDI of log values" in svg
    figure = (plappert / "peak_fleet_h100.svg").read_text()  # the figure file is the figure the page shows
    assert figures_svg_body(figure) in svg


def figures_svg_body(document: str) -> str:
    return document[document.index("<svg") :]


@pytest.mark.parametrize("fmt, small_px, featured_px", [("png", 1200, 1200)])  # report.style: 6 in at 200 dpi
def test_png_figures_are_rendered_once_at_their_width(tmp_path, fmt, small_px, featured_px):
    """Under --figures png every figure file is 1200 px wide (README), thumbnails included."""
    from PIL import Image

    out = tmp_path / "r"
    assert (
        main(
            [
                "run",
                "plappert-2024",
                "--draws",
                "2000",
                "--seed",
                "3",
                "--figures",
                fmt,
                "--samples",
                "none",
                "--out",
                str(out),
            ]
        )
        == 0
    )
    assert not list(out.glob("*.svg"))
    with Image.open(out / "peak_fleet_h100.png") as im:  # a published figure: full size
        assert im.size[0] == featured_px
    with Image.open(out / "peak_fleet_power_mw.png") as im:  # no published figure, not a key output
        assert im.size[0] == small_px
    page = (out / "report.html").read_text()
    assert "<svg" not in page and page.count("data:image/png;base64,") == len(list(out.glob("*.png")))


@pytest.mark.parametrize(
    "argv",
    [
        ["show", "plappert-2024"],
        ["show", "sora-2026"],
        ["show", "llm-economics"],
        [
            "stress",
            "plappert-2024",
            "--output",
            "peak_fleet_h100",
            "--headline",
            "720000",
            "--draws",
            "4000",
            "--seed",
            "1",
        ],
        ["audit", "plappert-2024", "--draws", "4000", "--seed", "1"],
    ],
)
def test_terminal_output_fits_100_columns(capsys, tmp_path, argv):
    from flopcast.report.text import columns

    if argv[0] != "show":
        argv = [*argv, "--out", str(tmp_path / "o")]
    assert main(argv) == 0
    lines = [ln for ln in capsys.readouterr().out.splitlines() if not ln.startswith("wrote ")]
    assert max(columns(ln) for ln in lines) <= 100, max(lines, key=columns)
    if argv[0] == "audit":  # one verdict line per published figure
        assert sum(ln.startswith(("ok ", "OFF ")) for ln in lines) == 11


def test_show_sources_prints_every_source_in_full(capsys):
    assert main(["show", "plappert-2024", "--sources"]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "如果我们保守假设平均每个上传的视频都对应 2" in out and "次生成" in out
    assert "lognormal(mu=" in out


@pytest.mark.parametrize(
    "values, want",
    [
        ([1.0, 2.0], True),
        ([1.0, float("nan")], False),
        ([1.0, float("inf")], False),
        ([1e-40, 1.0], False),
        ([1.0, 1e39], False),
        ([0.0, 1.0], True),
        ([-1.0, 1.0], True),
        ([-float("inf"), 1.0], False),
        ([float("nan")], False),
        ([], True),
        ([-1e-40, 2.0], False),
    ],
)
def test_float32_range_check(values, want):
    """samples.nc stores float32 only for finite values inside float32's normal range (zeros allowed)."""
    import numpy as np

    from flopcast.report.run import in_float32_range

    assert in_float32_range(np.array(values, dtype=float)) is want


@pytest.mark.parametrize("scenario, draws, seed", [("plappert-2024", 20_000, 1), ("llm-economics", 5_000, 2)])
def test_headline_percentile_is_one_definition(scenario, draws, seed):
    """A headline with a ``set`` has one percentile: run (and its report, which renders run's Headlines)
    and audit both place it in the band with the set applied, on the same draws (issue 24: 10th vs 20th)."""
    from flopcast.analyze.audit import audit
    from flopcast.analyze.headlines import headlines
    from flopcast.engine import plan_for, run

    plan = plan_for(scenario)
    hs = headlines(run(plan, draws=draws, seed=seed))
    lines = audit(plan, draws=draws, seed=seed).lines
    assert any(h.set for h in hs.items)
    for h, line in zip(hs.items, lines):
        assert (h.output, h.published) == (line.output, line.published)
        if h.published_percentile is not None:
            assert h.published_percentile == pytest.approx(line.percentile, abs=1e-9), h.label

"""Figures fit for a slide: no text leaves the canvas, the lead figure is the lead headline's output,
published markers are told apart, the HDI is drawn on the axis' scale, fixed outputs are a value."""

import numpy as np
import pytest

from flopcast.analyze.headlines import headlines
from flopcast.engine import plan_for, run
from flopcast.report.run import distribution_figure


@pytest.fixture(scope="module")
def plappert():
    r = run(plan_for("plappert-2024"), draws=20_000, seed=1)
    return r, headlines(r)


def texts_outside(fig) -> list[str]:
    """Visible text whose drawn extent leaves the figure's canvas (1 px slack)."""
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    box = fig.bbox
    undrawn = set()  # tick labels at locations outside the view limits are kept but never drawn
    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            lo, hi = sorted(axis.get_view_interval())
            for tick in axis.get_major_ticks() + axis.get_minor_ticks():
                if not ax.axison or not lo <= tick.get_loc() <= hi:
                    undrawn.update({id(tick.label1), id(tick.label2)})
    bad = []
    for t in fig.findobj(lambda a: hasattr(a, "get_text") and hasattr(a, "get_window_extent")):
        if not t.get_visible() or not t.get_text().strip() or id(t) in undrawn:
            continue
        e = t.get_window_extent(renderer)
        if e.x0 < box.x0 - 1 or e.x1 > box.x1 + 1 or e.y0 < box.y0 - 1 or e.y1 > box.y1 + 1:
            bad.append(t.get_text())
    return bad


@pytest.mark.parametrize("small", [False, True])
def test_no_text_leaves_the_canvas(plappert, small):
    r, hs = plappert
    for name in r.plan.model.outputs:
        fig = distribution_figure(r, name, hs, small=small)
        assert not texts_outside(fig), (name, texts_outside(fig))


def test_published_markers_differ_and_the_legend_is_outside_the_axes(plappert):
    r, hs = plappert
    fig = distribution_figure(r, "training_h100_months", hs)  # two published figures (4x and 10x data)
    ax = fig.axes[0]
    pub = [ln for ln in ax.get_lines() if ln.get_label().startswith("published")]
    assert len(pub) == 2 and pub[0].get_linestyle() != pub[1].get_linestyle()
    fig.canvas.draw()
    legend = fig.legends[0].get_window_extent()
    assert legend.y1 <= ax.get_window_extent().y0  # below the axes: covers no data


def test_hdi_is_on_the_axis_scale(plappert):
    """On a log axis the drawn HDI is the narrowest interval of log(values) (never left of the 90% interval
    for a right-skewed output, the issue's symptom)."""
    r, hs = plappert
    fig = distribution_figure(r, "peak_fleet_h100", hs)
    ax = fig.axes[0]
    assert ax.get_xscale() == "log"
    hdi = [ln.get_xdata()[0] for ln in ax.get_lines() if ln.get_linestyle() == ":" and "HDI" in ln.get_label()]
    hdi += [ln.get_xdata()[0] for ln in ax.get_lines() if ln.get_linestyle() == ":" and ln.get_label().startswith("_")]
    v = np.sort(np.log(r.outputs["peak_fleet_h100"]))
    k = int(np.ceil(0.9 * v.size))
    i = int(np.argmin(v[k - 1 :] - v[: v.size - k + 1]))
    # the run's log HDI (the one its table prints) is read off its order statistics: within 0.5% of the exact
    assert hdi == pytest.approx([np.exp(v[i]), np.exp(v[i + k - 1])], rel=5e-3)


def test_a_fixed_output_is_shown_as_its_value(plappert):
    r, hs = plappert
    fig = distribution_figure(r, "ai_video_minutes_per_day", hs)  # 17M x 0.5 + 43M x 0.15 = 14.95M, no prior
    words = " ".join(t.get_text() for t in fig.findobj(lambda a: hasattr(a, "get_text")))
    assert "Fixed at 15M video min/day" in words and not fig.axes[0].patches


def test_lead_figure_is_the_lead_headlines_output(tmp_path):
    from flopcast.cli.app import main

    out = tmp_path / "r"
    assert main(["run", "plappert-2024", "--draws", "2000", "--seed", "1", "--out", str(out)]) == 0
    page = (out / "report.html").read_text()
    lead = page[page.index("<div class='lead'>") :]
    assert lead.index("peak_fleet_h100") < lead.index("</div>")  # the summary is about the peak fleet


def test_analysis_figures_keep_their_text_on_the_canvas():
    """Tornado, variance shares (Sobol and Shapley), exceedance, conditional shifts, waterfall, compare and
    voi: English titles, k/M/B numbers, nothing clipped."""
    from flopcast.analyze import sensitivity
    from flopcast.analyze.compare import compare
    from flopcast.analyze.stress import stress
    from flopcast.analyze.voi import voi
    from flopcast.analyze.waterfall import waterfall
    from flopcast.report import plots
    from flopcast.report import voi as voi_report
    from flopcast.report.analyses import compare_figure

    sens = sensitivity.analyze("plappert-2024", "peak_fleet_h100", n=64, seed=1, log=True)
    shap = sensitivity.analyze("sora-2026", "peak_fleet_gpus", n=64, seed=1, log=True)
    st = stress(plan_for("plappert-2024"), "peak_fleet_h100", 720_000, draws=5000, seed=1)
    cmp = compare(
        "plappert-2024",
        "plappert-2024",
        sets_a=["accelerator=H100-SXM"],
        sets_b=["accelerator=B200"],
        draws=2000,
        seed=1,
    )
    wf = waterfall("sora-2026")
    v = voi("plappert-2024", "peak_fleet_h100", decision=">= 720k", draws=3000, seed=1)
    figs = {
        "tornado": plots.tornado_figure(sens),
        "sobol": plots.variance_figure(sens),
        "shapley": plots.variance_figure(shap),
        "exceedance": plots.exceedance_figure(st),
        "conditional": plots.conditional_figure(st),
        "waterfall": plots.waterfall_figure(wf.output, wf.unit, wf.bars),
        "compare": compare_figure(cmp),
        "voi": voi_report.figure(v),
    }
    for name, fig in figs.items():
        assert not texts_outside(fig), (name, texts_outside(fig))
        words = " ".join(t.get_text() for t in fig.findobj(lambda a: hasattr(a, "get_text")))
        assert "e+0" not in words, name  # engineering notation (720k), not 7.2e+05
    assert "720k" in " ".join(t.get_text() for t in figs["exceedance"].findobj(lambda a: hasattr(a, "get_text")))
    assert figs["waterfall"].legends  # raises / lowers

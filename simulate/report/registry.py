"""Which renderer and writer serve which result type: one explicit registry, looked up along the
result's class hierarchy (never by class-name strings).

A ``Renderer`` says what a result type looks like to people: ``kind`` (the CLI command and the
folder-name part), ``write`` (the folder it saves), ``html`` (the compact notebook table),
``figure`` (its main matplotlib Figure), ``lines`` (terminal text) and ``wording`` (what it
found, in words: results hold numbers, the wording lives in ``report.text``). Anything left out has a
default: the HTML table of ``result.to_dataframe()``, a figure saying there is none, the repr as
terminal text, and a folder with ``<kind>.json`` (``to_json()``), ``<kind>.csv``
(``to_dataframe()``), ``<kind>.png`` and ``report.html``. So a new analysis registers once::

    from flopcast.report.registry import register
    register(MyResult, kind="mine", figure=my_figure)   # html, lines and write: the defaults

and its results get ``_repr_html_``, ``plot(ax=None)``, ``save(folder)`` and the CLI's ``--json``
(``cli.skeleton.result_outcome``). The registry itself is ``flopcast.protocol`` (results find their
renderer there without importing the report); the bundled result types register at the bottom of
this module, when it is imported (``import flopcast`` and the command line import it).
"""

from __future__ import annotations

import html as _html
import io
import json
from pathlib import Path
from typing import Any, Callable

from flopcast import protocol
from flopcast.analyze.audit import Audit
from flopcast.analyze.calibration.propagation import Calibration
from flopcast.analyze.compare import Comparison
from flopcast.analyze.compare_outputs import OutputsComparison
from flopcast.analyze.hardware import Hardware
from flopcast.analyze.headlines import Headlines
from flopcast.analyze.sensitivity import Sensitivity
from flopcast.analyze.stress import Stress
from flopcast.analyze.validate import Validation
from flopcast.analyze.voi import ValueOfInformation
from flopcast.analyze.waterfall import Waterfall
from flopcast.fmt import num
from flopcast.priors.errors import InputError
from flopcast.report import analyses, calibration, figures, notebook, plots, text, validate, voi
from flopcast.report.figures import message_figure, png_bytes
from flopcast.report.html import html_page, img_tag
from flopcast.report.run import write_point, write_run
from flopcast.results import PointResult, RunResult


def register(
    cls: type, *, kind: str, write=None, html=None, figure=None, lines=None, axes: bool = False, wording=None
) -> protocol.Renderer:
    """Register how results of type ``cls`` (and its subclasses, unless they register their own) are
    rendered and written; returns the ``Renderer``, each part left out filled with its default. A
    second registration of ``cls`` replaces the first. ``axes``: ``figure`` takes ``ax=`` and draws
    into it (otherwise its Figure is placed into a given ``ax`` as an image)."""
    if not isinstance(kind, str) or not kind:
        raise TypeError(f"register() needs a kind (the CLI command's name), got {kind!r}")
    entry = protocol.Renderer(
        kind=kind,
        write=_writer(write, kind),
        html=html if html is not None else table_html,
        figure=_figure(figure, axes),
        lines=lines if lines is not None else (lambda result: [repr(result)]),
        wording=wording if wording is not None else (lambda result: {}),
    )
    return protocol.register(cls, entry)


unregister = protocol.unregister
renderer = protocol.renderer


def _writer(writer, kind: str) -> Callable[..., None]:
    def write(result, folder, **context) -> None:
        fmt = context.get("figure_format", "svg")
        if fmt not in figures.FORMATS:
            raise InputError("figure_format", f"unknown format {fmt!r}; one of {', '.join(figures.FORMATS)}")
        if writer is not None:
            writer(result, folder, **context)
        else:
            write_default(result, folder, kind)

    return write


def _figure(draw, axes: bool) -> Callable[..., Any]:
    def figure(result, *args, ax=None, **context):
        if draw is None:
            fig = message_figure(f"no figure for a {type(result).__name__}")
        elif axes:
            return draw(result, *args, ax=ax, **context)
        else:
            fig = draw(result, *args, **context)
        return fig if ax is None else _into(ax, fig)

    return figure


# -- what every result gets through its renderer ----------------------------------------------


def render_html(result) -> str:
    return renderer(result).html(result)


def render_wording(result) -> dict:
    """What the result found, in words (``result.wording()``): ``{"summary": [sentences], ...}``."""
    return dict(renderer(result).wording(result))


def render_lines(result) -> list[str]:
    return list(renderer(result).lines(result))


def figure(result, *args, ax=None, **context):
    """The result's main figure; with ``ax``, drawn into that Axes (a renderer that cannot draw into
    given axes has its figure placed there as an image) and ``ax.figure`` returned."""
    return renderer(result).figure(result, *args, ax=ax, **context)


def write(result, folder, **context) -> None:
    """Write the folder the result's CLI command writes into ``folder`` (an ``outdir.Stage``: every
    write goes through the one writer)."""
    renderer(result).write(result, folder, **context)


def kind(result) -> str:
    return renderer(result).kind


# -- defaults ------------------------------------------------------------------------------------


def _cell(value) -> str:

    if isinstance(value, float):
        return num(value)
    return "" if value is None else str(value)


def table_html(result, caption: str | None = None) -> str:
    """The result's ``to_dataframe()`` as a compact HTML table, captioned with its repr."""
    frame = result.to_dataframe()
    head = "".join(f"<th>{_html.escape(str(c))}</th>" for c in frame.columns)
    body = "".join(
        "<tr>" + "".join(f"<td>{_html.escape(_cell(v))}</td>" for v in row) + "</tr>"
        for row in frame.itertuples(index=False)
    )
    cap = _html.escape(repr(result) if caption is None else caption)
    return f"<div><div>{cap}</div><table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>"


def write_default(result, folder: Path, name: str) -> None:
    """``<name>.json`` (to_json), ``<name>.csv`` (to_dataframe), ``<name>.png`` (the figure) and a
    ``report.html`` holding the table and the figure."""

    (folder / f"{name}.json").write_text(json.dumps(result.to_json(), indent=2, allow_nan=False) + "\n")
    result.to_dataframe().to_csv(folder / f"{name}.csv", index=False)
    png = figures.png_bytes(figure(result))
    (folder / f"{name}.png").write_bytes(png)
    (folder / "report.html").write_text(
        html_page(
            f"flopcast {name}", [f"<h1>flopcast {_html.escape(name)}</h1>", render_html(result), img_tag(png, name)]
        )
    )


def _into(ax, fig):
    """Place a rendered figure in ``ax`` as an image (for renderers that build their own Figure)."""

    from matplotlib.image import imread

    ax.imshow(imread(io.BytesIO(png_bytes(fig)), format="png"))
    ax.set_axis_off()
    return ax.figure


# -- the bundled result types ---------------------------------------------------------------------
# Registered when this module is imported, one function per result module.


def _only(writer):  # a writer that takes the result and the folder, no report options
    return lambda result, folder, **_: writer(result, folder)


def _runs() -> None:
    register(
        RunResult,
        kind="run",
        html=notebook.run_html,
        figure=notebook.run_figure,
        lines=lambda r: text.run_lines(r, headlines=r._report_context().get("headlines")),
        write=lambda r, folder, report=True, samples="all", figure_format="svg", headlines=None, waterfall=None: (
            write_run(
                r,
                folder,
                report=report,
                waterfall=waterfall,
                headlines=headlines,
                samples=samples,
                figure_format=figure_format,
            )
        ),
    )
    register(
        PointResult,
        kind="point",
        html=notebook.point_html,
        lines=text.point_lines,
        write=lambda r, folder, report=True, **_: write_point(r, folder, report=report),
    )


def _sensitivity() -> None:

    register(
        Sensitivity,
        kind="sensitivity",
        html=notebook.sensitivity_html,
        figure=plots.tornado_figure,
        lines=text.sensitivity_lines,
        write=_only(analyses.write_sensitivity),
    )


def _stress() -> None:

    register(
        Stress,
        kind="stress",
        html=notebook.stress_html,
        figure=plots.exceedance_figure,
        lines=text.stress_lines,
        write=_only(analyses.write_stress),
        wording=lambda st: {"summary": text.stress_sentences(st)},
    )


def _audit() -> None:

    register(
        Audit,
        kind="audit",
        html=notebook.audit_html,
        lines=text.audit_lines,
        write=_only(analyses.write_audit),
        wording=text.audit_wording,
    )


def _compare() -> None:

    register(
        Comparison,
        kind="compare",
        html=notebook.compare_html,
        figure=analyses.compare_figure,
        lines=text.compare_lines,
        write=_only(analyses.write_compare),
    )


def _waterfall() -> None:

    register(
        Waterfall,
        kind="waterfall",
        html=notebook.waterfall_html,
        lines=text.waterfall_lines,
        figure=lambda r: plots.waterfall_figure(r.output, r.unit, r.bars),
        write=_only(analyses.write_waterfall),
    )


def _voi() -> None:

    register(
        ValueOfInformation,
        kind="voi",
        html=voi.render_html,
        figure=voi.figure,
        lines=voi.lines,
        write=_only(voi.write_voi),
    )


def _compare_outputs() -> None:

    register(
        OutputsComparison,
        kind="compare-outputs",
        html=notebook.compare_outputs_html,
        figure=lambda r: plots.compare_outputs_figure(r.title, r.unit, r.entries),
        lines=lambda r: text.compare_outputs_lines(r.title, r.entries, r.draws, r.seed),
        write=lambda r, folder, **_: analyses.write_compare_outputs(r.head, r.entries, r.draws, r.seed, folder),
    )


def _calibration() -> None:

    register(
        Calibration,
        kind="calibrate",
        html=notebook.calibration_html,
        figure=calibration.trace_figure,
        lines=text.calibration_lines,
        write=_only(calibration.write_calibration),
    )


def _validation() -> None:

    register(
        Validation,
        kind="validate",
        html=notebook.validation_html,
        figure=validate.pit_figure,
        lines=lambda v: validate.summary_text(v).splitlines(),
        write=_only(validate.write_validation),
    )


def _headlines() -> None:

    register(
        Headlines,
        kind="headlines",
        html=notebook.headlines_html,
        figure=notebook.headlines_figure,
        lines=notebook.headlines_lines,
        wording=text.headlines_wording,
    )


def _hardware() -> None:

    register(Hardware, kind="hardware", html=notebook.hardware_html, figure=notebook.hardware_figure)


_runs()
_sensitivity()
_stress()
_audit()
_compare()
_waterfall()
_voi()
_compare_outputs()
_calibration()
_validation()
_headlines()
_hardware()

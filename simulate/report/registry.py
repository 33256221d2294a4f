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
(``cli.skeleton.result_outcome``). The bundled result types register at the bottom of this module,
each when a result of its module is first rendered.
"""

from __future__ import annotations

import html as _html
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable


@dataclass(frozen=True)
class Renderer:
    kind: str  # the CLI command that makes this result, and the part of its folder's name
    write: Callable[..., Any] | None = None  # write(result, folder, **context): the folder's files
    html: Callable[[Any], str] | None = None  # the compact notebook table
    figure: Callable[..., Any] | None = None  # figure(result, *args, **context) -> matplotlib Figure
    lines: Callable[[Any], list[str]] | None = None  # terminal text
    axes: bool = False  # figure() takes ``ax=`` and draws into it
    wording: Callable[[Any], dict] | None = None  # what it found, in words: {"summary": [...], ...}


_REGISTRY: dict[type, Renderer] = {}


def register(
    cls: type, *, kind: str, write=None, html=None, figure=None, lines=None, axes: bool = False, wording=None
) -> Renderer:
    """Register how results of type ``cls`` (and its subclasses, unless they register their own) are
    rendered and written; returns the ``Renderer``. A second registration of ``cls`` replaces the first."""
    if not isinstance(cls, type):
        raise TypeError(f"register() takes a class, got {cls!r}")
    entry = Renderer(kind, write, html, figure, lines, axes, wording)
    _REGISTRY[cls] = entry
    return entry


def renderer(result) -> Renderer:
    """The ``Renderer`` of ``result``'s type, found along its class hierarchy (most derived first)."""
    for cls in type(result).__mro__:
        if cls not in _REGISTRY and cls.__module__ in _LOADERS:  # a bundled type: register its module's
            _LOADERS.pop(cls.__module__)()
        if cls in _REGISTRY:
            return _REGISTRY[cls]
    raise TypeError(
        f"no renderer registered for a {type(result).__name__}; register one with flopcast.report.registry.register"
    )


# -- what every result gets through its renderer ----------------------------------------------


def render_html(result) -> str:
    entry = renderer(result)
    return entry.html(result) if entry.html is not None else table_html(result)


def render_wording(result) -> dict:
    """What the result found, in words (``result.wording()``): ``{"summary": [sentences], ...}``."""
    entry = renderer(result)
    return dict(entry.wording(result)) if entry.wording is not None else {}


def render_lines(result) -> list[str]:
    entry = renderer(result)
    return list(entry.lines(result)) if entry.lines is not None else [repr(result)]


def figure(result, *args, ax=None, **context):
    """The result's main figure; with ``ax``, drawn into that Axes (a renderer that cannot draw into
    given axes has its figure placed there as an image) and ``ax.figure`` returned."""
    entry = renderer(result)
    if entry.figure is None:
        from flopcast.report.figures import message_figure

        fig = message_figure(f"no figure for a {type(result).__name__}")
    elif entry.axes:
        return entry.figure(result, *args, ax=ax, **context)
    else:
        fig = entry.figure(result, *args, **context)
    return fig if ax is None else _into(ax, fig)


def write(result, folder, **context) -> None:
    """Write the folder the result's CLI command writes into ``folder`` (an ``outdir.Stage``: every
    write goes through the one writer)."""
    from flopcast.priors.errors import InputError
    from flopcast.report import figures

    fmt = context.get("figure_format", "svg")
    if fmt not in figures.FORMATS:
        raise InputError("figure_format", f"unknown format {fmt!r}; one of {', '.join(figures.FORMATS)}")
    entry = renderer(result)
    if entry.write is not None:
        entry.write(result, folder, **context)
    else:
        write_default(result, folder, entry.kind)


def kind(result) -> str:
    return renderer(result).kind


# -- defaults ------------------------------------------------------------------------------------


def _cell(value) -> str:
    from flopcast.fmt import num

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
    from flopcast.report import figures
    from flopcast.report.run import html_page, img_tag

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
    import io

    from matplotlib.image import imread

    from flopcast.report.figures import png_bytes

    ax.imshow(imread(io.BytesIO(png_bytes(fig)), format="png"))
    ax.set_axis_off()
    return ax.figure


# -- the bundled result types ---------------------------------------------------------------------
# Each bundled result type is registered by the loader of the module that defines it, run the first
# time a result of that module is rendered: ``flopcast run`` imports no analysis it does not show.
# (The module only picks the loader; the lookup itself is by class.)

_LOADERS: dict[str, Callable[[], None]] = {}


def _loads(*modules: str):
    def mark(fn):
        for m in modules:
            _LOADERS[m] = fn
        return fn

    return mark


def _only(writer):  # a writer that takes the result and the folder, no report options
    return lambda result, folder, **_: writer(result, folder)


@_loads("flopcast.results")
def _runs() -> None:
    from flopcast.report import notebook, text
    from flopcast.report.run import write_point, write_run
    from flopcast.results import PointResult, RunResult

    register(
        RunResult,
        kind="run",
        html=notebook.run_html,
        figure=notebook.run_figure,
        lines=lambda r: text.run_lines(r, headlines=r.headlines()),
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


@_loads("flopcast.analyze.sensitivity")
def _sensitivity() -> None:
    from flopcast.analyze.sensitivity import Sensitivity
    from flopcast.report import analyses, notebook, plots, text

    register(
        Sensitivity,
        kind="sensitivity",
        html=notebook.sensitivity_html,
        figure=plots.tornado_figure,
        lines=text.sensitivity_lines,
        write=_only(analyses.write_sensitivity),
    )


@_loads("flopcast.analyze.stress")
def _stress() -> None:
    from flopcast.analyze.stress import Stress
    from flopcast.report import analyses, notebook, plots, text

    register(
        Stress,
        kind="stress",
        html=notebook.stress_html,
        figure=plots.exceedance_figure,
        lines=text.stress_lines,
        write=_only(analyses.write_stress),
        wording=lambda st: {"summary": text.stress_sentences(st)},
    )


@_loads("flopcast.analyze.audit")
def _audit() -> None:
    from flopcast.analyze.audit import Audit
    from flopcast.report import analyses, notebook, text

    register(
        Audit,
        kind="audit",
        html=notebook.audit_html,
        lines=text.audit_lines,
        write=_only(analyses.write_audit),
        wording=text.audit_wording,
    )


@_loads("flopcast.analyze.compare")
def _compare() -> None:
    from flopcast.analyze.compare import Comparison
    from flopcast.report import analyses, notebook, text

    register(
        Comparison,
        kind="compare",
        html=notebook.compare_html,
        figure=analyses.compare_figure,
        lines=text.compare_lines,
        write=_only(analyses.write_compare),
    )


@_loads("flopcast.analyze.waterfall")
def _waterfall() -> None:
    from flopcast.analyze.waterfall import Waterfall
    from flopcast.report import analyses, notebook, plots, text

    register(
        Waterfall,
        kind="waterfall",
        html=notebook.waterfall_html,
        lines=text.waterfall_lines,
        figure=lambda r: plots.waterfall_figure(r.output, r.unit, r.bars),
        write=_only(analyses.write_waterfall),
    )


@_loads("flopcast.analyze.voi")
def _voi() -> None:
    from flopcast.analyze.voi import ValueOfInformation
    from flopcast.report import voi

    register(
        ValueOfInformation,
        kind="voi",
        html=voi.render_html,
        figure=voi.figure,
        lines=voi.lines,
        write=_only(voi.write_voi),
    )


@_loads("flopcast.analyze.compare_outputs")
def _compare_outputs() -> None:
    from flopcast.analyze.compare_outputs import OutputsComparison
    from flopcast.report import analyses, notebook, plots, text

    register(
        OutputsComparison,
        kind="compare-outputs",
        html=notebook.compare_outputs_html,
        figure=lambda r: plots.compare_outputs_figure(r.title, r.unit, r.entries),
        lines=lambda r: text.compare_outputs_lines(r.title, r.entries, r.draws, r.seed),
        write=lambda r, folder, **_: analyses.write_compare_outputs(r.head, r.entries, r.draws, r.seed, folder),
    )


@_loads("flopcast.analyze.calibration.propagation")
def _calibration() -> None:
    from flopcast.analyze.calibration.propagation import Calibration
    from flopcast.report import calibration, notebook, text

    register(
        Calibration,
        kind="calibrate",
        html=notebook.calibration_html,
        figure=calibration.trace_figure,
        lines=text.calibration_lines,
        write=_only(calibration.write_calibration),
    )


@_loads("flopcast.analyze.validate")
def _validation() -> None:
    from flopcast.analyze.validate import Validation
    from flopcast.report import notebook, validate

    register(
        Validation,
        kind="validate",
        html=notebook.validation_html,
        figure=validate.pit_figure,
        lines=lambda v: validate.summary_text(v).splitlines(),
        write=_only(validate.write_validation),
    )


@_loads("flopcast.analyze.headlines")
def _headlines() -> None:
    from flopcast.analyze.headlines import Headlines
    from flopcast.report import notebook, text

    register(
        Headlines,
        kind="headlines",
        html=notebook.headlines_html,
        figure=notebook.headlines_figure,
        lines=notebook.headlines_lines,
        wording=text.headlines_wording,
    )


@_loads("flopcast.analyze.hardware")
def _hardware() -> None:
    from flopcast.analyze.hardware import Hardware
    from flopcast.report import notebook

    register(Hardware, kind="hardware", html=notebook.hardware_html, figure=notebook.hardware_figure)

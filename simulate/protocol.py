"""The protocol every public function's result follows, and the registry it is rendered through.

Every result is a frozen dataclass deriving from ``Result``:

- ``to_json()``: a JSON-ready dict, exactly what the CLI's ``--json`` prints;
- ``to_dataframe()``: a tidy pandas DataFrame (one row per output, input, case...: ``_rows()``);
- ``to_xarray()``: the draws as an ``xarray.Dataset``, on results that hold draws;
- ``__repr__`` / ``_repr_html_``: what it found, in a line or a small table;
- ``plot(ax=None)``: its main figure (a matplotlib Figure; drawn into ``ax`` when given);
- ``save(folder)``: the folder its CLI command writes.

Results hold numbers and sit below the layer that renders them. How a result type looks to people
is a ``Renderer`` the report layer registers (``flopcast.report.registry.register``, which fills in
the defaults); a result finds its renderer here, along its class hierarchy, and never imports the
report. ``import flopcast as fc`` and the command line load the report layer, which registers every
bundled result type, before any result exists.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from flopcast import outdir


@dataclass(frozen=True)
class Renderer:
    """How results of one type are rendered: every field is a callable (the report fills defaults)."""

    kind: str  # the CLI command that makes this result, and the part of its folder's name
    write: Callable[..., None]  # write(result, stage, **context): the folder's files
    html: Callable[[Any], str]  # the compact notebook table
    figure: Callable[..., Any]  # figure(result, *args, ax=None, **context) -> matplotlib Figure
    lines: Callable[[Any], list[str]]  # terminal text
    wording: Callable[[Any], dict]  # what it found, in words: {"summary": [...], ...}


_REGISTRY: dict[type, Renderer] = {}


def register(cls: type, renderer: Renderer) -> Renderer:
    """Results of type ``cls`` (and its subclasses, unless they register their own) are rendered by
    ``renderer``; a second registration of ``cls`` replaces the first."""
    if not isinstance(cls, type):
        raise TypeError(f"register() takes a class, got {cls!r}")
    _REGISTRY[cls] = renderer
    return renderer


def unregister(cls: type) -> None:
    _REGISTRY.pop(cls, None)


def renderer(result: Any) -> Renderer:
    """The ``Renderer`` of ``result``'s type, found along its class hierarchy (most derived first)."""
    for cls in type(result).__mro__:
        if cls in _REGISTRY:
            return _REGISTRY[cls]
    raise TypeError(
        f"no renderer registered for a {type(result).__name__}; register one with "
        "flopcast.report.registry.register (importing flopcast.report.registry registers the bundled ones)"
    )


class Result:
    """The base of every result: ``to_json`` is its own; the rest comes from its ``Renderer``."""

    def to_json(self) -> dict:  # pragma: no cover - every result defines it
        raise NotImplementedError

    _row_name = "name"  # the column that names each record of a mapping (output, input, ...)

    def _rows(self) -> list[dict]:
        """Tidy records for ``to_dataframe``: by default the first list of records in ``to_json()``
        (or a mapping of name -> record, the name becoming the column ``_row_name``), else the
        JSON's scalars as one row."""
        return tidy_records(self.to_json(), self._row_name)

    def to_dataframe(self):
        import pandas as pd

        return pd.DataFrame.from_records(self._rows())

    def __repr__(self) -> str:
        j = self.to_json()
        keys = [
            k
            for k in ("scenario", "output", "headline", "draws", "seed")
            if k in j
            and (isinstance(j[k], (int, float)) or isinstance(j[k], str) and len(j[k]) <= 60 and "\n" not in j[k])
        ]
        return f"<{type(self).__name__} " + ", ".join(f"{k}={j[k]!r}" for k in keys) + ">"

    def wording(self) -> dict:
        """What the result found, in words, written by the report layer (``report.text``): results
        hold numbers, the report holds the wording. ``{"summary": [...], ...}``; empty for most."""
        return dict(renderer(self).wording(self))

    @property
    def sentences(self) -> list[str]:
        """``wording()["summary"]``: the result's findings, one sentence each."""
        return list(self.wording().get("summary", []))

    def _repr_html_(self) -> str:
        return renderer(self).html(self)

    def _report_context(self) -> dict:
        """What the report of this result needs beyond the result itself (computed before the
        report, which only renders); nothing for most results."""
        return {}

    def plot(self, *args, ax=None, **kwargs):
        """The result's main figure (a matplotlib Figure); with ``ax``, drawn into that Axes."""
        return renderer(self).figure(self, *args, ax=ax, **{**self._report_context(), **kwargs})

    def save(self, folder, report: bool = True, figure_format: str = "svg", **options) -> Path:
        """Write what the matching CLI command writes into a new ``folder`` (refused if it exists
        and is not empty); returns the folder. ``figure_format``: a run's figure files, ``"svg"``
        or ``"png"``; ``report=False``: no figures or report (a run: samples and summary only)."""
        context = {**self._report_context(), **options}
        with outdir.staged(Path(folder)) as stage:
            renderer(self).write(self, stage, report=report, figure_format=figure_format, **context)
        return stage.path


def _scalar(v) -> bool:
    return v is None or isinstance(v, (str, int, float, bool))


def flat_record(record: dict, prefix: str = "") -> dict:
    """A record's scalars, nested dicts flattened to ``outer_inner`` columns; lists left out."""
    out = {}
    for k, v in record.items():
        if isinstance(v, dict):
            out.update(flat_record(v, f"{prefix}{k}_"))
        elif _scalar(v):
            out[f"{prefix}{k}"] = v
    return out


def tidy_records(obj: dict, name: str = "name") -> list[dict]:
    """One row per record of the first list of dicts, or mapping of ``name`` -> dict, in ``obj``."""
    for value in obj.values():
        if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            return [flat_record(v) for v in value]
        if isinstance(value, dict) and value and all(isinstance(v, dict) for v in value.values()):
            return [{name: k, **flat_record(v)} for k, v in value.items()]
    return [flat_record(obj)]

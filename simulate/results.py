"""Typed results of a run: draws, summaries and provenance, each with exactly one ``to_json()``.

In a notebook a ``RunResult`` shows itself as a compact table (``_repr_html_``), ``summary()`` gives a
pandas DataFrame, ``samples`` an ``xarray.Dataset``, ``plot(name)`` a matplotlib Figure and
``save(folder)`` writes what ``flopcast run`` writes. Rendering and analyses are imported only when
asked for, so a run that never plots imports no matplotlib.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import numpy as np

from flopcast import __version__
from flopcast.plan import Plan
from flopcast.priors.scenario import Scenario
from flopcast.summary import Summary

SUMMARY_COLUMNS = [
    "unit",
    "mean",
    "median",
    "p05",
    "p95",
    "hdi90_low",
    "hdi90_high",
    "mcse_p05",
    "mcse_p50",
    "mcse_p95",
    "draws",
]


class Result:
    """The protocol every public function's result follows (frozen dataclasses):

    - ``to_json()``: a JSON-ready dict, exactly what the CLI's ``--json`` prints;
    - ``to_dataframe()``: a tidy pandas DataFrame (one row per output, input, case...: ``_rows()``);
    - ``to_xarray()``: the draws as an ``xarray.Dataset``, on results that hold draws;
    - ``__repr__`` / ``_repr_html_``: what it found, in a line or a small table;
    - ``plot(ax=None)``: its main figure (a matplotlib Figure; drawn into ``ax`` when given);
    - ``save(folder)``: the folder its CLI command writes.

    Rendering and writing are looked up in ``flopcast.report.registry`` by the result's type,
    imported only when called (a run that never plots imports no matplotlib)."""

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
        """What the result found, in words, written by the report layer (``report.text``, through the
        registry): results hold numbers, the report holds the wording. ``{"summary": [...], ...}``;
        empty for most results."""
        from flopcast.report.registry import render_wording

        return render_wording(self)

    @property
    def sentences(self) -> list[str]:
        """``wording()["summary"]``: the result's findings, one sentence each."""
        return list(self.wording().get("summary", []))

    def _repr_html_(self) -> str:
        from flopcast.report.registry import render_html

        return render_html(self)

    def _report_context(self) -> dict:
        """What the report of this result needs beyond the result itself (computed here, never by
        the report, which only renders); nothing for most results."""
        return {}

    def plot(self, *args, ax=None, **kwargs):
        """The result's main figure (a matplotlib Figure); with ``ax``, drawn into that Axes."""
        from flopcast.report.registry import figure

        return figure(self, *args, ax=ax, **{**self._report_context(), **kwargs})

    def save(self, folder, report: bool = True, figure_format: str = "svg", **options) -> Path:
        """Write what the matching CLI command writes into a new ``folder`` (refused if it exists
        and is not empty); returns the folder. ``figure_format``: a run's figure files, ``"svg"``
        or ``"png"``; ``report=False``: no figures or report (a run: samples and summary only)."""
        from flopcast import outdir
        from flopcast.report.registry import write

        context = {**self._report_context(), **options}  # a run's summary.json places its headlines either way
        with outdir.staged(Path(folder)) as stage:
            write(self, stage, report=report, figure_format=figure_format, **context)
        return stage.path


Rendered = Result  # the earlier name


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


class Summaries(dict):
    """``{output: Summary}``; calling it gives the same as a DataFrame (one row per output)."""

    def __call__(self):
        import pandas as pd

        rows = {
            name: [
                s.unit,
                s.mean,
                s.median,
                s.p05,
                s.p95,
                s.hdi90[0],
                s.hdi90[1],
                s.mcse_p05,
                s.mcse_p50,
                s.mcse_p95,
                s.draws,
            ]
            for name, s in self.items()
        }
        frame = pd.DataFrame.from_dict(rows, orient="index", columns=SUMMARY_COLUMNS)
        frame.index.name = "output"
        return frame


def rank_correlation(a: np.ndarray, b: np.ndarray) -> float:
    """Spearman's rho of two samples without ties (continuous draws): Pearson on the ranks."""
    ra = np.empty(a.size)
    rb = np.empty(b.size)
    ra[np.argsort(a, kind="stable")] = np.arange(1, a.size + 1)
    rb[np.argsort(b, kind="stable")] = np.arange(1, b.size + 1)
    return float(np.corrcoef(ra, rb)[0, 1])


def convention_json(plan: Plan) -> dict:
    """``{"flop_convention": "corrected", "converted": [...]}`` for a plan whose scenario converted
    published figures to its equations' convention; nothing for one that takes them as published."""
    if plan.scenario.flop_convention == "as_published":
        return {}
    return {
        "flop_convention": plan.scenario.flop_convention,
        "converted": [
            {"input": m.input, "factor": m.factor, "from": str(m.published), "to": str(m.expects)}
            for m in plan.converted
        ],
    }


def _finite(x: float) -> float | None:
    """A number for JSON: None (null) where it is undefined (NaN), e.g. the MCSE of one draw."""
    return None if x is None or not np.isfinite(x) else x


@dataclass(frozen=True, repr=False)
class RunResult(Result):
    plan: Plan
    seed: int
    sampler: str
    draws: int
    inputs: dict[str, np.ndarray]  # uncertain inputs, shape (draws,) (a streamed run: its first `kept`)
    outputs: dict[str, np.ndarray]  # every output, shape (draws,) (a streamed run: its first `kept`)
    summary: Summaries = field(default_factory=Summaries)
    created: str = ""
    kept: int | None = None  # a streamed run keeps only its first draws; None = all kept
    # the summary of each output's draws rounded to float32 (in-memory runs): samples.nc stores an
    # output as float32 only when no printed figure changes
    float32_summary: dict[str, Summary] = field(default_factory=dict, repr=False)
    # the 90% HDI of each output's log (None: not all positive or within a decade), read off the
    # same partition as its summary (in-memory runs)
    log_hdi90: dict[str, tuple[float, float] | None] = field(default_factory=dict, repr=False)
    # streamed runs: per output, {threshold: draws below it} over ALL draws for every value the
    # scenario's published figures place in the band, and the (min, max) of all draws
    below: dict[str, dict[float, int]] = field(default_factory=dict, repr=False)
    extent: dict[str, tuple[float, float]] = field(default_factory=dict, repr=False)

    def __post_init__(self):
        if not isinstance(self.summary, Summaries):
            object.__setattr__(self, "summary", Summaries(self.summary))

    def to_xarray(self):
        """The draws (``samples``): an ``xarray.Dataset`` with dimension ``draw``."""
        return self.samples

    def _rows(self) -> list[dict]:
        return [
            {"output": name, **dict(zip(SUMMARY_COLUMNS, row))}
            for name, row in zip(self.summary, self.summary().itertuples(index=False))
        ]

    @property
    def scenario(self) -> Scenario:
        return self.plan.scenario

    @property
    def samples(self):
        """The draws as an ``xarray.Dataset`` with dimension ``draw``, units and provenance in attrs."""
        from flopcast.samples import to_dataset

        return to_dataset(self).to_xarray()

    def provenance(self) -> dict:
        sc = self.plan.scenario
        return {
            "scenario": sc.name,
            "scenario_file": str(sc.path) if sc.path else "",
            "model": self.plan.model.name,
            "seed": self.seed,
            "sampler": self.sampler,
            "draws": self.draws,
            "overrides": list(sc.overrides),
            "version": __version__,
            "created": self.created,
        }

    def achieved_correlations(self) -> list[dict]:
        """Requested vs achieved Spearman correlation of each correlated pair of inputs."""
        out = []
        for c in self.plan.correlations:
            a, b = (self.inputs[n] for n in c.inputs)
            out.append({"inputs": list(c.inputs), "rank": c.rank, "achieved": rank_correlation(a, b)})
        return out

    def to_json(self) -> dict:
        prov = self.provenance()
        obj = {
            "scenario": prov["scenario"],
            "model": prov["model"],
            "draws": self.draws,
            "seed": self.seed,
            "sampler": self.sampler,
            "overrides": prov["overrides"],
            "version": __version__,
            "correlations": self.achieved_correlations(),
            "outputs": {
                name: {
                    "unit": s.unit,
                    "mean": s.mean,
                    "median": s.median,
                    "p05": s.p05,
                    "p95": s.p95,
                    "hdi90": list(s.hdi90),
                    "mcse": {"p05": _finite(s.mcse_p05), "p50": _finite(s.mcse_p50), "p95": _finite(s.mcse_p95)},
                }
                for name, s in self.summary.items()
            },
        }
        if self.draws < 2:
            obj["note"] = "one draw: the MCSE is undefined (null)"
        obj.update(convention_json(self.plan))
        post = self.plan.scenario.posterior
        if self.plan.joint and post is not None:
            from flopcast.summary import PROBS

            obj["posterior"] = {
                "draws": int(post.draws.shape[0]),
                "chains": post.chains,
                "inputs": list(self.plan.joint),
                "ess": {n: {f"p{round(100 * p):02d}": post.ess(n, p) for p in PROBS} for n in self.plan.joint},
                "mcse_from": "each output's MCSE uses the posterior's quantile ESS (ArviZ) of the inputs that move "
                "it, combined with the run's draws: 1 / (1/ESS + 1/draws)",
            }
        return obj

    # -- notebook conveniences: each hands the result to the layer that owns the work ------------

    def __repr__(self) -> str:
        sc = self.plan.scenario
        return (
            f"<RunResult {sc.name} [{self.plan.model.name}]: {self.draws:,} draws, seed {self.seed}, "
            f"{len(self.summary)} outputs>"
        )

    def _report_context(self) -> dict:
        """What ``flopcast run`` adds to a run's folder, computed here (the report only renders): the
        scenario's published figures placed in this run's band, and its waterfall when it has one."""
        return dict(self._context)

    @cached_property
    def _context(self) -> dict:
        from flopcast.analyze.headlines import headlines

        context = {"headlines": headlines(self)}
        if self.plan.scenario.waterfall is not None:
            from flopcast.analyze.waterfall import waterfall

            context["waterfall"] = waterfall(self.plan)
        return context

    def headlines(self):
        """The scenario's published figures placed in this run's band (``analyze.headlines.Headlines``),
        with the 90% HDI of log(values) of every output spanning more than a decade; all draws count."""
        return self._context["headlines"]

    def sensitivity(self, output: str, **options):
        """Tornado, Sobol indices and rank correlations of ``output`` under this run's plan and seed."""
        from flopcast.analyze.sensitivity import analyze

        return analyze(self.plan, output, seed=options.pop("seed", self.seed), **options)

    def stress(self, output: str, headline: float, **options):
        """Where ``headline`` sits in this run's band of ``output``, on this run's own draws."""
        from flopcast.analyze.stress import stress

        return stress(self.plan, output, headline, result=self, **options)


@dataclass(frozen=True, repr=False)
class PointResult(Result):
    """The model evaluated once at every prior's ``point`` (the source's own values)."""

    plan: Plan
    values: dict[str, float]
    _row_name = "output"

    def __repr__(self) -> str:
        return f"<PointResult {self.plan.scenario.name} [{self.plan.model.name}] at point values: {len(self.values)} outputs>"

    def to_json(self) -> dict:
        plan = self.plan
        return {
            "scenario": plan.scenario.name,
            "model": plan.model.name,
            "point": True,
            "overrides": list(plan.scenario.overrides),
            "outputs": {n: {"unit": plan.unit(n), "value": v} for n, v in self.values.items()},
            "inputs": {n: {"unit": plan.unit(n), "value": v} for n, v in plan.points.items()},
            **convention_json(plan),
        }

"""Typed results of a run: draws, summaries and provenance, each with exactly one ``to_json()``.

In a notebook a ``RunResult`` shows itself as a compact table (``_repr_html_``), ``summary()`` gives a
pandas DataFrame, ``samples`` an ``xarray.Dataset``, ``plot(name)`` a matplotlib Figure and
``save(folder)`` writes what ``flopcast run`` writes: each through the renderer the report layer
registered for its type (``flopcast.protocol``). matplotlib, pandas and xarray load only when a
figure, a table or the draws are asked for, so a run that never plots imports none of them. The
conveniences that hand a run to the analyses (``.stress``, ``.sensitivity``, ``.headlines``) are on
``fc.run``'s result, ``flopcast.api.Run``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from flopcast import __version__
from flopcast.plan import Plan
from flopcast.priors.scenario import Scenario
from flopcast.protocol import Result
from flopcast.samples import to_dataset
from flopcast.summary import PROBS, Summary

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
            obj["posterior"] = {
                "draws": int(post.draws.shape[0]),
                "chains": post.chains,
                "inputs": list(self.plan.joint),
                "ess": {n: {f"p{round(100 * p):02d}": post.ess(n, p) for p in PROBS} for n in self.plan.joint},
                "mcse_from": "each output's MCSE uses the posterior's quantile ESS (ArviZ) of the inputs that move "
                "it, combined with the run's draws: 1 / (1/ESS + 1/draws)",
            }
        return obj

    def __repr__(self) -> str:
        sc = self.plan.scenario
        return (
            f"<RunResult {sc.name} [{self.plan.model.name}]: {self.draws:,} draws, seed {self.seed}, "
            f"{len(self.summary)} outputs>"
        )


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

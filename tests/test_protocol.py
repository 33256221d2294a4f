"""The result protocol: every public function's result is frozen, has to_json (what --json prints),
a tidy to_dataframe, a compact repr and _repr_html_, plot(ax=None) and save(folder); renderers are
found by type in flopcast.report.registry, never by class name. A toy analysis added the documented
way (one module's worth of code, one registration, one CLI function) gets all of it for free."""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass

import numpy as np
import pytest

import flopcast as fc
from flopcast import engine
from flopcast.analyze.compare_outputs import compare_outputs
from flopcast.analyze.hardware import hardware
from flopcast.analyze.sensitivity import analyze as sensitivity
from flopcast.analyze.validate import validate
from flopcast.analyze.voi import voi
from flopcast.protocol import Result
from flopcast.report import registry


@pytest.fixture(scope="module")
def run():
    return fc.run("plappert-2024", draws=4000, seed=2)


def _results(run):
    return {
        "run": lambda: run,
        "point": lambda: fc.point("plappert-2024"),
        "sensitivity": lambda: sensitivity("plappert-2024", "peak_fleet_h100", n=64, seed=1, spearman_draws=2000),
        "stress": lambda: run.stress("peak_fleet_h100", 720_000),
        "audit": lambda: fc.audit("plappert-2024", draws=2000, seed=1),
        "compare": lambda: fc.compare("plappert-2024", "sora-2026", draws=2000, seed=1),
        "waterfall": lambda: fc.waterfall("sora-2026"),
        "voi": lambda: voi("plappert-2024", "peak_fleet_h100", decision=">= 720000", draws=4000, seed=1),
        "compare-outputs": lambda: compare_outputs("inference-per-output", draws=2000, seed=1),
        "headlines": lambda: run.headlines(),
        "hardware": hardware,
        "validate": lambda: validate("video-diffusion", "video-timings", draws=2000, seed=1),
    }


KINDS = list(_results(None))


@pytest.mark.parametrize("kind", KINDS)
def test_every_result_follows_the_protocol(kind, run, tmp_path):
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    res = _results(run)[kind]()
    assert isinstance(res, Result) and registry.kind(res) == kind
    assert dataclasses.is_dataclass(res) and type(res).__dataclass_params__.frozen, "results are frozen"
    obj = res.to_json()
    assert json.loads(json.dumps(obj, allow_nan=False)) == json.loads(json.dumps(obj))
    frame = res.to_dataframe()
    assert len(frame) >= 1 and len(frame.columns) >= 2  # tidy: one row per output / input / case / entry
    assert "\n" not in repr(res) and len(repr(res)) < 300
    html = res._repr_html_()
    assert "<table" in html and len(html) < 8000
    assert isinstance(res.plot(), Figure)
    fig = Figure()
    ax = fig.add_subplot()
    assert res.plot(ax=ax) is fig  # drawn into the given axes
    folder = res.save(tmp_path / kind)
    assert sorted(p.name for p in folder.iterdir())
    assert registry.render_lines(res)


def test_results_are_immutable(run):
    with pytest.raises(dataclasses.FrozenInstanceError):
        run.draws = 1


def test_draws_as_xarray(run):
    ds = run.to_xarray()
    assert ds.sizes["draw"] == 4000 and ds["peak_fleet_h100"].attrs["unit"] == "H100s"
    st = run.stress("peak_fleet_h100", 720_000).to_xarray()
    np.testing.assert_array_equal(st["peak_fleet_h100"].values, run.outputs["peak_fleet_h100"])


def test_renderers_are_found_by_type_not_name(run):
    from flopcast.results import RunResult

    class Sub(RunResult):  # a subclass inherits its parent's renderer
        pass

    sub = Sub(**{f.name: getattr(run, f.name) for f in dataclasses.fields(run)})
    assert registry.renderer(sub) is registry.renderer(run)

    Impostor = type("RunResult", (Result,), {"to_json": lambda self: {"scenario": "x"}})  # same name, no renderer
    with pytest.raises(TypeError, match="no renderer registered"):
        registry.renderer(Impostor())


def test_compare_outputs_json_is_built_by_the_result(tmp_path, capsys):
    from flopcast.cli.app import _main

    res = compare_outputs("inference-per-output", draws=2000, seed=4)
    assert _main(["compare-outputs", "--draws", "2000", "--seed", "4", "--json", "--out", str(tmp_path / "o")]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert {k: v for k, v in printed.items() if k != "folder"} == res.to_json()
    head, entries, seed = res  # the earlier tuple still unpacks
    assert seed == 4 and entries == res.entries


# -- a toy analysis added the documented way ------------------------------------------------------


@dataclass(frozen=True, repr=False)
class Spread(Result):
    """analyze/spread.py: the ratio p95 / p05 of every output of a scenario."""

    scenario: str
    draws: int
    seed: int
    ratios: dict

    def to_json(self) -> dict:
        return {
            "scenario": self.scenario,
            "draws": self.draws,
            "seed": self.seed,
            "outputs": {n: {"p95_over_p05": r} for n, r in self.ratios.items()},
        }


def spread(scenario, draws: int = 2000, seed: int | None = None) -> Spread:
    r = engine.run(scenario, draws=draws, seed=seed)
    return Spread(r.plan.scenario.name, draws, r.seed, {n: s.p95 / s.p05 for n, s in r.summary.items() if s.p05 > 0})


def spread_figure(res, ax=None):  # report/spread.py: draws into given axes
    from flopcast.report.figures import new_figure

    fig = new_figure() if ax is None else ax.figure
    ax = ax or fig.add_subplot()
    ax.barh(list(res.ratios), list(res.ratios.values()))
    ax.set_xscale("log")
    ax.set_xlabel("p95 / p05 (dimensionless)")
    return fig


def cmd_spread(args, opts):  # cli: parse, call, hand the result to the skeleton
    from flopcast.cli.skeleton import result_outcome

    return result_outcome(spread(args.scenario, draws=opts.draws or 2000, seed=opts.seed))


@pytest.fixture()
def toy():
    registry.register(Spread, kind="spread", figure=spread_figure, axes=True)  # the one registration
    yield
    registry.unregister(Spread)


def test_a_toy_analysis_gets_everything_for_free(toy, tmp_path, capsys):
    from matplotlib.figure import Figure

    from flopcast.cli.options import Parser, command
    from flopcast.cli.skeleton import execute

    res = spread("plappert-2024", seed=1)
    assert "<table" in res._repr_html_() and "peak_fleet_h100" in res._repr_html_()
    assert isinstance(res.plot(), Figure)
    assert {"spread.json", "spread.csv", "spread.png", "report.html"} == {
        p.name for p in res.save(tmp_path / "api").iterdir()
    }
    assert json.loads((tmp_path / "api" / "spread.json").read_text()) == res.to_json()
    frame = res.to_dataframe()
    np.testing.assert_allclose(
        frame.set_index("name")["p95_over_p05"].to_dict()["peak_fleet_h100"], res.ratios["peak_fleet_h100"]
    )

    parser = Parser(prog="flopcast")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=Parser)
    command(sub, "spread", cmd_spread, "p95 / p05 of every output", "scenario", "seed", "draws", "json", "out")
    args = parser.parse_args(["spread", "plappert-2024", "--seed", "1", "--json", "--out", str(tmp_path / "cli")])
    assert execute(args.handler, args) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed.pop("folder") == str(tmp_path / "cli") and printed == res.to_json()
    assert sorted(p.name for p in (tmp_path / "cli").iterdir()) == sorted(p.name for p in (tmp_path / "api").iterdir())


@pytest.mark.slow
def test_calibration_follows_the_protocol(tmp_path):
    from matplotlib.figure import Figure

    from flopcast.analyze.calibration import calibrate

    cal = calibrate(
        "video-diffusion",
        "video-timings",
        draws=300,
        tune=300,
        seed=1,
        propagate_draws=2000,
        sets=["fixed_seconds_per_video=8", "stack_overhead=0.1", "balance_elasticity=1.1"],
    )
    assert registry.kind(cal) == "calibrate" and type(cal).__dataclass_params__.frozen
    assert len(repr(cal)) < 300 and len(cal._repr_html_()) < 8000  # was a ~30 KB dump
    assert json.loads(json.dumps(cal.to_json(), allow_nan=False))
    assert "input" in cal.to_dataframe().columns and "chain" in cal.to_xarray().dims
    assert isinstance(cal.plot(), Figure)
    assert (cal.save(tmp_path / "cal") / "calibration.json").exists()


ANALYSES_WITH_A_SET = {  # every analysis of one plan records the overrides it ran under in its JSON
    "stress": lambda s: fc.stress("plappert-2024", "peak_fleet_h100", 720_000, set=s, gpu="B200", draws=4000, seed=1),
    "sensitivity": lambda s: fc.sensitivity("plappert-2024", "peak_fleet_h100", set=s, gpu="B200", n=256, seed=1),
    "audit": lambda s: fc.audit("plappert-2024", set=s, gpu="B200", draws=4000, seed=1),
    "voi": lambda s: fc.voi("plappert-2024", "peak_fleet_h100", set=s, gpu="B200", draws=4000, seed=1),
    "waterfall": lambda s: fc.waterfall("sora-2026", set=s, gpu="B200"),
}


@pytest.mark.parametrize("name", sorted(ANALYSES_WITH_A_SET))
def test_every_analysis_json_names_its_overrides(name):
    """A stress test under --set and --gpu could not be reproduced from its JSON: it now says both."""
    setting = {"sampling_steps": 30} if name == "waterfall" else {"dataset_multiplier": 10}
    got = ANALYSES_WITH_A_SET[name](setting).to_json()["overrides"]
    assert "accelerator=B200" in got and any(o.startswith(next(iter(setting)) + "=") for o in got), got

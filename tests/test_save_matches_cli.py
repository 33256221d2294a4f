"""``fc.run(...).save()`` writes exactly the folder ``flopcast run`` writes, for every bundled
scenario (sora-2026 has a waterfall, which the API's save once left out): the same files and the
same summary.json."""

from __future__ import annotations

import json

import pytest

import flopcast as fc
from flopcast.cli.app import _main
from flopcast.priors.catalog import bundled_scenario_heads

SCENARIOS = [h.name for h in bundled_scenario_heads()]


def test_every_bundled_scenario_is_covered():
    assert "sora-2026" in SCENARIOS and len(SCENARIOS) >= 7


@pytest.mark.parametrize("name", SCENARIOS)
def test_save_is_the_cli_folder(name, tmp_path, capsys):
    api = fc.run(name, draws=3000, seed=5).save(tmp_path / "api")
    assert _main(["run", name, "--draws", "3000", "--seed", "5", "--out", str(tmp_path / "cli")]) == 0
    capsys.readouterr()
    cli = tmp_path / "cli"
    assert sorted(p.name for p in api.iterdir()) == sorted(p.name for p in cli.iterdir())
    assert json.loads((api / "summary.json").read_text()) == json.loads((cli / "summary.json").read_text())
    if name == "sora-2026":
        assert any("waterfall" in p.name for p in api.iterdir())


def test_save_without_report_is_no_report(tmp_path, capsys):
    api = fc.run("sora-2026", draws=2000, seed=5).save(tmp_path / "api", report=False)
    assert (
        _main(["run", "sora-2026", "--draws", "2000", "--seed", "5", "--no-report", "--out", str(tmp_path / "cli")])
        == 0
    )
    capsys.readouterr()
    cli = tmp_path / "cli"
    assert (
        sorted(p.name for p in api.iterdir())
        == sorted(p.name for p in cli.iterdir())
        == ["samples.nc", "summary.csv", "summary.json"]
    )
    assert json.loads((api / "summary.json").read_text()) == json.loads((cli / "summary.json").read_text())

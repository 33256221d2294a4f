"""Writing a scenario in one pass: ``flopcast models`` lists what a model needs, ``flopcast new``
writes a template that, once its REQUIRED blocks are filled, loads and runs; hostile input ends in
one line, exit 2, nothing written. ``compare --map`` matches differently named outputs."""

from __future__ import annotations

import json
import re

import pytest

from flopcast.cli import main
from flopcast.plan import available_models


def fill(text: str) -> str:
    """What a user does: uncomment every REQUIRED block and put numbers in the input's domain."""
    out, active, frac = [], False, False
    for line in text.splitlines():
        if line.startswith("# REQUIRED"):
            active, frac = True, "fraction" in line
            out.append(line)
            continue
        if active and line.startswith("# "):
            line = line[2:]
            nums = (
                {"LOW": "0.2", "MODE": "0.4", "HIGH": "0.6", "VALUE": "0.4"}
                if frac
                else {"LOW": "1", "MODE": "2", "HIGH": "3", "VALUE": "1" if line.startswith("value") else "2"}
            )
            line = re.sub(r"\b(LOW|MODE|HIGH|VALUE)\b", lambda m: nums[m.group(1)], line)  # noqa: B023
        elif not line.strip():
            active = False
        out.append(line)
    return "\n".join(out) + "\n"


@pytest.mark.parametrize("model", available_models())
def test_filled_template_runs(tmp_path, capsys, model):
    path = tmp_path / "mine.toml"
    assert main(["new", "mine", "--model", model, "--out", str(path)]) == 0
    text = path.read_text()
    required = text.count("# REQUIRED")
    if required:  # unfilled: one error naming every missing input
        assert main(["run", str(path), "--point", "--no-report", "--out", str(tmp_path / "x")]) == 2
        err = capsys.readouterr().err
        assert err.count("missing") == required and len(err.strip().splitlines()) == 1
    path.write_text(fill(text))
    assert main(["run", str(path), "--point", "--json", "--no-report", "--out", str(tmp_path / "p")]) == 0
    obj = json.loads(capsys.readouterr().out)
    assert obj["scenario"] == "mine" and obj["outputs"]


def test_models_lists_inputs_outputs_units_domains(capsys):
    assert main(["models", "sora", "--json"]) == 0
    m = json.loads(capsys.readouterr().out)["models"][0]
    assert m["inputs"]["sora_params"]["unit"] == "parameters" and "(0, inf)" in m["inputs"]["sora_params"]["domain"]
    assert m["outputs"]["peak_fleet_h100"]["unit"] == "H100s" and m["inputs"]["h100_usd_per_hour"]["default"] > 0
    assert main(["models"]) == 0
    out = capsys.readouterr().out
    assert all(f"{name}:" in out for name in available_models())
    assert max(len(ln) for ln in out.splitlines()) <= 100


@pytest.mark.parametrize(
    "argv",
    [
        ["new", "../evil", "--model", "sora"],
        ["new", "a/b", "--model", "sora"],
        ["new", "x" * 200, "--model", "sora"],
        ["new", "ok", "--model", "nosuchmodel"],
        ["new", "ok", "--model", "../sora"],
        ["new", "ok", "--model", "sora", "--out", "{tmp}/missing/dir/x.toml"],
        ["new", "ok", "--model", "sora", "--out", "{tmp}/x.txt"],
        ["new", "ok", "--model", "sora", "--out", "{tmp}/exists.toml"],
        ["new", "nan", "--model", ""],
        ["models", "no_such"],
        ["compare", "plappert-2024", "sora-2026", "--map", "peak_fleet_h100"],
        ["compare", "plappert-2024", "sora-2026", "--map", "nope=peak_fleet_h100"],
    ],
)
def test_hostile_authoring_input_is_one_line_exit_2_nothing_written(tmp_path, capsys, monkeypatch, argv):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "exists.toml").write_text("keep me\n")
    argv = [a.replace("{tmp}", str(tmp_path)) for a in argv]
    before = sorted(p.name for p in tmp_path.rglob("*"))
    assert main([*argv, *(["--out", str(tmp_path / "o")] if argv[0] == "compare" else [])]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and err.startswith("flopcast: error:")
    assert sorted(p.name for p in tmp_path.rglob("*")) == before
    assert (tmp_path / "exists.toml").read_text() == "keep me\n"


def test_compare_map_matches_differently_named_outputs(tmp_path, capsys):
    assert (
        main(
            [
                "compare",
                "plappert-2024",
                "sora-2026",
                "--map",
                "peak_fleet_h100=peak_fleet_gpus",
                "--draws",
                "3000",
                "--seed",
                "2",
                "--json",
                "--out",
                str(tmp_path / "c"),
            ]
        )
        == 0
    )
    obj = json.loads(capsys.readouterr().out)
    assert list(obj["outputs"]) == ["peak_fleet_h100=peak_fleet_gpus"]
    # the same draws as running each scenario alone with the same seed and the comparison's columns
    from flopcast.analyze.compare import compare

    same = compare("plappert-2024", "sora-2026", outputs=["peak_fleet_power_mw"], draws=3000, seed=2)
    mapped = compare(
        "plappert-2024", "sora-2026", draws=3000, seed=2, mapping={"peak_fleet_power_mw": "peak_fleet_power_mw"}
    )
    assert mapped.outputs["peak_fleet_power_mw"].ratio == same.outputs["peak_fleet_power_mw"].ratio

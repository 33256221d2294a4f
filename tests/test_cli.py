"""The command line: JSON contract, run folders, and one clear line for every kind of bad input."""

import json
import subprocess
import sys

import pytest
from conftest import MINI

from flopcast.cli.app import main


def run_cli(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_run_json_contract_and_folder(capsys, tmp_path):
    out_dir = tmp_path / "run"
    code, out, err = run_cli(
        capsys, "run", "plappert-2024", "--draws", "3000", "--seed", "7", "--json", "--out", str(out_dir)
    )
    assert code == 0
    obj = json.loads(out)  # exactly one JSON object on stdout
    assert obj["scenario"] == "plappert-2024" and obj["model"] == "sora"
    assert obj["draws"] == 3000 and obj["seed"] == 7
    for name in (
        "training_h100_months",
        "break_even_video_minutes",
        "peak_fleet_h100",
        "training_flops",
        "inference_flops_per_video_minute",
        "video_minutes_per_h100_hour",
        "ai_video_minutes_per_day",
    ):
        o = obj["outputs"][name]
        assert set(o) >= {"unit", "mean", "median", "p05", "p95", "hdi90"}
        assert o["p05"] <= o["median"] <= o["p95"]
    written = {p.name for p in out_dir.iterdir()}
    assert {"samples.nc", "summary.csv", "summary.md", "summary.json", "report.html", "peak_fleet_h100.svg"} <= written
    html = (out_dir / "report.html").read_text()
    assert "<svg" in html and "seed" in html and "sora_params" in html


def test_point_json_contract(capsys, tmp_path):
    code, out, _ = run_cli(capsys, "run", "plappert-2024", "--point", "--json", "--out", str(tmp_path / "p"))
    obj = json.loads(out)
    assert code == 0 and obj["point"] is True and obj["scenario"] == "plappert-2024"
    assert obj["outputs"]["training_h100_months"]["value"] == pytest.approx(4211, abs=0.5)
    assert obj["outputs"]["peak_fleet_h100"]["unit"] == "H100s"


def test_human_output_shows_bands(capsys, tmp_path):
    code, out, _ = run_cli(
        capsys, "run", "plappert-2024", "--draws", "2000", "--seed", "1", "--no-report", "--out", str(tmp_path / "r")
    )
    assert code == 0 and "peak_fleet_h100" in out and "p05" in out and "H100-months" in out
    assert not (tmp_path / "r" / "report.html").exists() and (tmp_path / "r" / "samples.nc").exists()


def test_default_folder_is_new_each_time(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for _ in range(2):
        assert run_cli(capsys, "run", "plappert-2024", "--draws", "500", "--seed", "1", "--no-report")[0] == 0
    folders = sorted(p.name for p in (tmp_path / "outputs").iterdir())
    assert len(folders) == 2 and all(f.startswith("plappert-2024-") and "seed1" in f for f in folders)


def test_set_range_and_value(capsys, tmp_path):
    code, out, _ = run_cli(
        capsys,
        "run",
        "plappert-2024",
        "--draws",
        "4000",
        "--seed",
        "1",
        "--json",
        "--set",
        "sampling_steps=30 to 100",
        "--set",
        "sora_params=20e9",
        "--out",
        str(tmp_path / "s"),
    )
    obj = json.loads(out)
    assert code == 0 and obj["overrides"] == ["sampling_steps=30 to 100", "sora_params=20e9"]


def test_scenarios_and_show(capsys):
    code, out, _ = run_cli(capsys, "scenarios")
    assert code == 0 and "plappert-2024" in out
    code, out, _ = run_cli(capsys, "show", "plappert-2024")
    assert code == 0 and "sora_params" in out and "lognormal" in out and "Plappert (Factorial Funds, March 2024)" in out


# (scenario edit or CLI arguments, fragment the one-line error must contain)
BAD_SCENARIOS = [
    ("[scenario\nname=", "malformed TOML"),
    (MINI.replace('model = "sora"', 'model = "nosuch"'), "unknown model 'nosuch'"),
    (MINI.replace('dist = "uniform"', 'dist = "gamma"'), "priors.dataset_multiplier.dist: unknown distribution"),
    (MINI.replace("low = 4\nhigh = 10", "low = 4"), "priors.dataset_multiplier: uniform takes parameters"),
    (MINI.replace("low = 4\nhigh = 10", "low = 4\nhigh = 10\nsd = 1"), "uniform takes parameters"),
    (MINI.replace("ci90 = [5e9, 60e9]", "ci90 = [60e9, 5e9]"), "priors.sora_params.ci90: lower bound"),
    (MINI.replace("ci90 = [5e9, 60e9]", "ci90 = [-5e9, 60e9]"), "must be > 0"),
    (MINI.replace("ci90 = [0.25, 0.55]", "ci90 = [0.25, 1.5]"), "inside (0, 1)"),
    (
        MINI + '\n[priors.warp_factor]\ndist = "constant"\nvalue = 9\n',
        "priors.warp_factor: the sora model has no input",
    ),
    (MINI.replace('[priors.fps]\ndist = "constant"\nvalue = 24\n', ""), "priors.fps: missing"),
    (MINI.replace("point = 4\n", "point = 40\n"), "priors.dataset_multiplier.point: 40 lies outside"),
]


@pytest.mark.parametrize("text, fragment", BAD_SCENARIOS, ids=[f for _, f in BAD_SCENARIOS])
def test_bad_scenario_is_one_line(capsys, tmp_path, write_scenario, text, fragment):
    path = write_scenario(text)
    out_dir = tmp_path / "never"
    code, out, err = run_cli(capsys, "run", str(path), "--draws", "100", "--out", str(out_dir))
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and err.startswith("flopcast: error: ") and fragment in err, err
    assert "mini.toml" in err or "--" in err
    assert not out_dir.exists()


# (extra CLI arguments, fragment)
BAD_ARGS = [
    (["run", "no-such-scenario"], "unknown scenario"),
    (["run", "/nonexistent/x.toml"], "no such scenario file"),
    (["run", "plappert-2024", "--draws", "0"], "--draws: must be a positive integer"),
    (["run", "plappert-2024", "--draws", "ten"], "--draws: must be a positive integer"),
    (["run", "plappert-2024", "--draws", "1.5"], "--draws: must be a positive integer"),
    (["run", "plappert-2024", "--set", "warp=3"], "unknown input 'warp'"),
    (["run", "plappert-2024", "--set", "fps=fast"], "is not a finite number"),
    (["run", "plappert-2024", "--set", "fps=5 to 2"], "must be below"),
    (["run", "plappert-2024", "--set", "dit_params=1e-320", "--draws", "200"], "NaN or infinite in 200 of 200"),
    (["run", "plappert-2024", "--set", "inference_utilization=0"], "priors.inference_utilization: --set"),
    (["run", "plappert-2024", "--sampler", "quantum"], "invalid choice"),
]


@pytest.mark.parametrize("argv, fragment", BAD_ARGS, ids=[f for _, f in BAD_ARGS])
def test_bad_arguments_are_one_line(capsys, tmp_path, argv, fragment):
    out_dir = tmp_path / "never"
    code, out, err = run_cli(capsys, *argv, "--out", str(out_dir))
    assert code == 2 and out == "" and err.count("\n") == 1 and fragment in err, err
    assert not out_dir.exists()


def test_existing_nonempty_out_is_refused(capsys, tmp_path):
    (tmp_path / "keep.txt").write_text("earlier results")
    code, out, err = run_cli(capsys, "run", "plappert-2024", "--draws", "100", "--out", str(tmp_path))
    assert code == 2 and "not an empty folder" in err
    assert [p.name for p in tmp_path.iterdir()] == ["keep.txt"]


def test_console_script_exits_nonzero_without_traceback(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-m", "flopcast", "run", "plappert-2024", "--draws", "-3"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert proc.returncode == 2 and "Traceback" not in proc.stderr and proc.stderr.count("\n") == 1
    assert not (tmp_path / "outputs").exists()


def test_run_reports_achieved_rank_correlation(capsys, tmp_path, write_scenario):
    from flopcast.priors.scenario import load_scenario

    text = open(load_scenario("plappert-2024").path, encoding="utf-8").read()
    path = write_scenario(text + '\n[[correlations]]\ninputs = ["sora_params", "dataset_multiplier"]\nrank = 0.5\n')
    assert main(["run", str(path), "--draws", "20000", "--seed", "2", "--json", "--out", str(tmp_path / "c")]) == 0
    (corr,) = json.loads(capsys.readouterr().out)["correlations"]
    assert corr["rank"] == 0.5 and abs(corr["achieved"] - 0.5) < 0.03  # ~4 standard errors at n = 20000
    assert "achieved Spearman" in (tmp_path / "c" / "report.html").read_text()

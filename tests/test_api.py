"""The notebook-first API (``import flopcast as fc``): the same numbers as the CLI, ``set`` as a
mapping, every result rendering compactly, seeds spawned per purpose."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import flopcast as fc
from flopcast import seeds
from flopcast.cli import main

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def plappert():
    return fc.run("plappert-2024", draws=40_000, seed=3)


def test_set_mapping_is_the_cli_strings():
    a = fc.run("plappert-2024", draws=5000, seed=2, set={"dataset_multiplier": 10, "sora_params": (5e9, 60e9)})
    b = fc.run("plappert-2024", draws=5000, seed=2, set=["dataset_multiplier=10", "sora_params=5e9 to 60e9"])
    np.testing.assert_array_equal(a.outputs["peak_fleet_h100"], b.outputs["peak_fleet_h100"])
    assert "dataset_multiplier" not in a.inputs  # fixed, not sampled


def test_pair_is_a_90_percent_interval():
    """Closed form: a lognormal with 90% interval [5e9, 60e9] has p05 = 5e9 and p95 = 60e9; with
    200,000 draws the empirical quantiles sit within ~1% (their MCSE is ~0.3%)."""
    r = fc.run("plappert-2024", draws=200_000, seed=5, set={"sora_params": (5e9, 60e9)})
    p05, p95 = np.quantile(r.inputs["sora_params"], [0.05, 0.95])
    assert p05 == pytest.approx(5e9, rel=0.015) and p95 == pytest.approx(60e9, rel=0.015)


@pytest.mark.parametrize("bad", [{"sora_params": "lots"}, {"sora_params": True}, {"sora_params": (1, 2, 3)}])
def test_bad_set_values_are_refused(bad):
    with pytest.raises(fc.InputError):
        fc.run("plappert-2024", draws=100, seed=1, set=bad)


def test_summary_frame_is_the_summaries(plappert):
    frame = plappert.summary()
    assert list(frame.index) == list(plappert.outputs)
    for name, s in plappert.summary.items():
        assert frame.loc[name, "median"] == s.median and frame.loc[name, "unit"] == s.unit
        assert frame.loc[name, "p05"] == np.quantile(plappert.outputs[name], 0.05)  # numpy's linear rule


def test_stress_on_a_run_uses_its_draws(plappert):
    """The run's own draws equal a fresh draw with the same seed, so stress gives the same P."""
    a = plappert.stress("peak_fleet_h100", 720_000)
    b = fc.stress("plappert-2024", "peak_fleet_h100", 720_000, draws=40_000, seed=3)
    assert a.p_exceed == b.p_exceed == np.mean(plappert.outputs["peak_fleet_h100"] >= 720_000)


def test_results_render_compactly(plappert, tmp_path):
    results = [
        plappert,
        fc.point("plappert-2024"),
        plappert.stress("peak_fleet_h100", 720_000),
        fc.audit("plappert-2024", draws=2000, seed=1),
        fc.waterfall("sora-2026"),
        fc.compare("plappert-2024", "sora-2026", draws=2000, seed=1),
    ]
    for i, res in enumerate(results):
        html = res._repr_html_()
        assert "<table" in html and len(html) < 6000, type(res).__name__
        assert len(repr(res)) < 200
        assert json.loads(json.dumps(res.to_json(), allow_nan=False))
        assert type(res.plot()).__name__ == "Figure"
        folder = res.save(tmp_path / f"r{i}")
        assert any(folder.iterdir())


def test_save_writes_what_the_cli_writes(plappert, tmp_path, capsys):
    api = plappert.save(tmp_path / "api")
    assert main(["run", "plappert-2024", "--draws", "40000", "--seed", "3", "--out", str(tmp_path / "cli")]) == 0
    capsys.readouterr()
    assert sorted(p.name for p in api.iterdir()) == sorted(p.name for p in (tmp_path / "cli").iterdir())
    assert (
        json.loads((api / "summary.json").read_text())["outputs"]
        == json.loads((tmp_path / "cli" / "summary.json").read_text())["outputs"]
    )


def test_sampling_stream_is_numpys_default_rng():
    """--seed S draws what numpy.random.default_rng(S) draws: the root SeedSequence itself."""
    a = np.random.Generator(np.random.PCG64(seeds.stream(123, "sampling"))).random(4)
    np.testing.assert_array_equal(a, np.random.default_rng(123).random(4))


def test_every_purpose_has_its_own_stream():
    states = {p: tuple(seeds.stream(7, p).generate_state(4)) for p in seeds.PURPOSES}
    assert len(set(states.values())) == len(states)
    assert states == {p: tuple(seeds.stream(7, p).generate_state(4)) for p in seeds.PURPOSES}  # reproducible


@pytest.mark.parametrize("seed", [-1, 2**63, "3e9", "x", True, 1.5])
def test_seeds_are_checked_the_same_everywhere(seed):
    with pytest.raises(fc.InputError):
        seeds.check_seed(seed)


def test_analyses_share_the_seed_check(tmp_path, capsys):
    """The same --seed is accepted or refused alike by every command (it used to drift)."""
    for argv in (
        ["run", "plappert-2024", "--draws", "100"],
        ["stress", "plappert-2024", "--output", "peak_fleet_h100", "--headline", "1e6", "--draws", "100"],
        ["audit", "plappert-2024", "--draws", "100"],
    ):
        assert main([*argv, "--seed", str(2**64), "--out", str(tmp_path / "x")]) == 2
        assert "--seed" in capsys.readouterr().err


@pytest.mark.slow
def test_notebook_example_runs(tmp_path):
    env = {**os.environ, "MPLBACKEND": "Agg"}
    proc = subprocess.run(
        [sys.executable, str(ROOT / "examples" / "notebook_tour.py"), str(tmp_path / "tour")],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr
    assert "percentile" in proc.stdout and (tmp_path / "tour" / "report.html").is_file()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["tour"]  # nothing stray in the working directory


def test_an_input_set_twice_is_refused_in_the_api():
    """set={"accelerator": ...} and gpu= name the same override: one would silently replace the other."""
    import pytest

    import flopcast as fc
    from flopcast.priors.errors import InputError

    with pytest.raises(InputError, match="given 2 times"):
        fc.run("plappert-2024", draws=1000, seed=1, set={"accelerator": "B200"}, gpu="H100")

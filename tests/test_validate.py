"""flopcast validate: PIT and band membership against closed forms, coverage, the discrepancy term,
leave-one-out, and the CLI (through ``register``, as app.py will wire it)."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from flopcast import engine
from flopcast.analyze.validate import Case, Validation, validate
from flopcast.priors.errors import InputError

pytestmark = pytest.mark.filterwarnings("ignore:PyTensor could not link to a BLAS")

COG5B = dict(params=4.756e9, layers=42, hidden_size=3072, width=720, height=480, frames=49, fps=8, cfg_passes=2)
COG2B = dict(params=1.327e9, layers=30, hidden_size=1920, width=720, height=480, frames=49, fps=8, cfg_passes=2)


def _inline(table: dict) -> str:
    return "{ " + ", ".join(f"{k} = {v!r}" for k, v in table.items()) + " }"


def _evidence(tmp_path, rows) -> str:
    text = '[evidence]\nscenario = "video-diffusion"\n'
    for label, value, sets in rows:
        text += (
            f'\n[[observation]]\nlabel = "{label}"\noutput = "gpu_seconds_per_video"\nvalue = {value!r}\n'
            f'sigma_log = 0.1\nset = {_inline(sets)}\nsource = "synthetic, tests/test_validate.py"\n'
        )
    path = tmp_path / "ev.toml"
    path.write_text(text)
    return str(path)


# --- PIT and bands: the measured value placed at known quantiles of the scenario's own draws ---------
# The scenario's prior band for the CogVideoX-5B configuration, from a run with the same seed and draws;
# a measurement at its q-quantile has PIT q (up to Monte Carlo noise, tolerance from sqrt(q(1-q)/n)).
@pytest.mark.parametrize("q, in50, in90", [(0.5, True, True), (0.15, False, True), (0.97, False, False)])
def test_pit_and_band_membership(tmp_path, q, in50, in90):
    n = 4000
    at_point = engine.plan_for("video-diffusion", [f"{k}={v}" for k, v in COG5B.items()])
    draws = engine.run(at_point, draws=n, seed=5, summarize_outputs=False).outputs["gpu_seconds_per_video"]
    value = float(np.quantile(draws, q))
    v = validate(
        "video-diffusion", _evidence(tmp_path, [("cog5b", value, COG5B)]), draws=n, seed=5, measurement_error=False
    )  # the model's band alone: the run's own draws
    (case,) = v.cases
    assert case.pit == pytest.approx(q, abs=4 * math.sqrt(q * (1 - q) / n) + 1e-3)
    assert (case.in50, case.in90) == (in50, in90)
    assert case.ratio == pytest.approx(float(np.median(draws)) / value, rel=1e-9)


# --- predictive bands: the model's draws widened by the observation's own measurement error ----------
# Closed form: with every input fixed the model gives one value y, so the predictive band is the
# observation's lognormal around it: p05 = y exp(-1.645 s), p95 = y exp(1.645 s), PIT of a measurement m is
# Phi(log(m / y) / s). Tolerance: Monte Carlo error of a quantile of n draws (loose tier).
@pytest.mark.parametrize("shift, rtol", [(0.0, 0.02), (0.2, 0.02)])
def test_measurement_error_band_is_the_lognormal_around_a_fixed_model(tmp_path, shift, rtol):
    from scipy.stats import norm

    n = 20000
    plan = engine.plan_for("video-diffusion", [f"{k}={v}" for k, v in COG5B.items()])
    fixed = [f"{k}={v}" for k, v in plan.points.items() if k in plan.uncertain]
    y = engine.evaluate_point("video-diffusion", fixed, at=COG5B)["gpu_seconds_per_video"]
    m = y * math.exp(shift)
    v = validate("video-diffusion", _evidence(tmp_path, [("cog5b", m, COG5B)]), draws=n, seed=6, sets=fixed)
    (case,) = v.cases
    s = 0.1  # the sigma_log _evidence writes
    assert case.p05 == pytest.approx(y * math.exp(-1.6449 * s), rel=rtol)
    assert case.p95 == pytest.approx(y * math.exp(1.6449 * s), rel=rtol)
    assert case.median == pytest.approx(y, rel=rtol)
    assert case.pit == pytest.approx(norm.cdf(shift / s), abs=4 * math.sqrt(0.25 / n) + 1e-3)
    alone = validate(
        "video-diffusion",
        _evidence(tmp_path, [("cog5b", m, COG5B)]),
        draws=n,
        seed=6,
        sets=fixed,
        measurement_error=False,
    )
    assert alone.cases[0].p05 == alone.cases[0].p95 == pytest.approx(y, rel=1e-12)  # the model alone: no band
    assert v.to_json()["measurement_error"] is True and alone.to_json()["measurement_error"] is False


def test_coverage_and_log_error_closed_form():
    def case(measured, p05, p25, med, p75, p95):
        return Case("c", "y", "s", measured, p05, p25, med, p75, p95, 0.5)

    cases = [
        case(1.0, 0.5, 0.8, 1.0, 1.2, 2.0),  # in both bands, ratio 1
        case(1.5, 0.5, 0.8, 1.0, 1.2, 2.0),  # in 90 only, ratio 1/1.5
        case(4.0, 0.5, 0.8, 2.0, 1.2, 2.0),
    ]  # in neither, ratio 0.5
    v = Validation("s", "e", False, None, "none", 10, 1, cases, 0.0)
    assert v.coverage50 == pytest.approx(1 / 3) and v.coverage90 == pytest.approx(2 / 3)
    assert v.median_abs_log_error == pytest.approx(math.log(1.5))
    assert json.loads(json.dumps(v.to_json()))["coverage90"] == pytest.approx(2 / 3)


def test_bundled_timings_every_case_runs():
    v = validate("video-diffusion", "video-timings", draws=2000, seed=3)
    assert len(v.cases) == 9
    for c in v.cases:  # the PIT (a share of draws) lies between the levels of the quantiles around the value
        levels = ((0.05, c.p05), (0.25, c.p25), (0.5, c.median), (0.75, c.p75), (0.95, c.p95))
        below = [p for p, q in levels if q <= c.measured]
        above = [p for p, q in levels if q >= c.measured]
        assert (below[-1] if below else 0.0) - 1e-3 <= c.pit <= (above[0] if above else 1.0) + 1e-3, c.label
    assert all(c.calibrated_on == 0 for c in v.cases) and v.discrepancy_source == "none"


def test_discrepancy_widens_every_band_by_the_lognormal_it_adds(tmp_path):
    ev = _evidence(tmp_path, [("cog5b", 80.0, COG5B), ("cog2b", 40.0, COG2B)])
    plain = validate("video-diffusion", ev, draws=20000, seed=2)
    wide = validate("video-diffusion", ev, draws=20000, seed=2, discrepancy=0.5)
    assert wide.discrepancy_source == "prior"
    for a, b in zip(plain.cases, wide.cases):
        assert b.p95 / b.p05 > a.p95 / a.p05
        assert b.median == pytest.approx(a.median, rel=0.05)  # a symmetric error on the log scale


@pytest.mark.parametrize(
    "kw, where", [({"discrepancy": -1.0}, "discrepancy: "), ({"draws": 3}, "draws: "), ({"seed": -2}, "seed: ")]
)
def test_bad_arguments(kw, where):
    with pytest.raises(InputError) as info:
        validate("video-diffusion", "video-timings", **kw)
    assert where in str(info.value)


def test_leave_one_out_predicts_the_case_it_did_not_see(tmp_path):
    """Noise-free timings simulated at known inputs: each calibration sees the other case only."""
    truth = {"inference_utilization": 0.45, "overhead_fraction": 0.08}
    sets = ["fixed_seconds_per_video=8"]
    rows = [
        (label, engine.evaluate_point("video-diffusion", sets, at={**truth, **cfg})["gpu_seconds_per_video"], cfg)
        for label, cfg in (("cog5b", COG5B), ("cog2b", COG2B))
    ]
    v = validate("video-diffusion", _evidence(tmp_path, rows), loo=True, draws=300, seed=4, sets=sets)
    assert v.loo and [c.calibrated_on for c in v.cases] == [1, 1]
    assert all(c.in90 for c in v.cases)


# --- the CLI ----------------------------------------------------------------------------------------


def _main(argv: list[str]) -> int:
    from flopcast.cli import main

    return main(argv)


def test_cli_writes_every_file(tmp_path, capsys):
    out = tmp_path / "out"
    code = _main(
        [
            "validate",
            "video-diffusion",
            "--evidence",
            "video-timings",
            "--draws",
            "1000",
            "--seed",
            "1",
            "--discrepancy",
            "0.2",
            "--json",
            "--out",
            str(out),
        ]
    )
    assert code == 0
    obj = json.loads(capsys.readouterr().out)
    assert obj["n"] == 9 and obj["discrepancy"] == 0.2 and obj["folder"] == str(out)
    for name in ("validate.json", "validate.md", "report.html", "pit.png", "predicted_vs_measured.png"):
        assert (out / name).is_file(), name
    assert "data:image/png;base64," in (out / "report.html").read_text()


def test_cli_no_measurement_error_gives_the_model_band(tmp_path, capsys):
    args = ["validate", "video-diffusion", "--evidence", "video-timings", "--draws", "500", "--seed", "1", "--json"]
    assert _main([*args, "--out", str(tmp_path / "a")]) == 0
    wide = json.loads(capsys.readouterr().out)
    assert _main([*args, "--no-measurement-error", "--out", str(tmp_path / "b")]) == 0
    alone = json.loads(capsys.readouterr().out)
    assert wide["measurement_error"] and not alone["measurement_error"]
    for a, b in zip(alone["cases"], wide["cases"]):  # same model draws, widened by sigma_log 0.2-0.3
        assert b["p95"] / b["p05"] > a["p95"] / a["p05"]


def test_cli_bad_input_is_one_line_exit_2_nothing_written(tmp_path, capsys):
    out = tmp_path / "out"
    code = _main(
        ["validate", "video-diffusion", "--evidence", "video-timings", "--discrepancy", "x", "--out", str(out)]
    )
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and "--discrepancy" in err[0] and not out.exists()

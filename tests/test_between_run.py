"""The between-run term an evidence file declares (``[evidence] between_run_sigma_log``): parsed and
checked by flopcast.priors.evidence, on by default in ``calibrate`` and ``validate --loo``, overridden by
``discrepancy=S`` and switched off by ``discrepancy=0``; not added to prior bands."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from flopcast import engine
from flopcast.analyze import calibration
from flopcast.analyze.validate import validate
from flopcast.priors.errors import InputError
from flopcast.priors.evidence import BetweenRun, load_evidence

pytestmark = pytest.mark.filterwarnings("ignore:PyTensor could not link to a BLAS")

COG5B = dict(params=4.756e9, layers=42, hidden_size=3072, width=720, height=480, frames=49, fps=8, cfg_passes=2)
COG2B = dict(params=1.327e9, layers=30, hidden_size=1920, width=720, height=480, frames=49, fps=8, cfg_passes=2)
TRUE = {"inference_utilization": 0.45, "overhead_fraction": 0.08}
FIXED = ["fixed_seconds_per_video=8", "stack_overhead=0.1", "balance_elasticity=1.1"]
DECLARED = '{ prior = "halfnormal", scale = 0.4, source = "tests/test_between_run.py" }'


def _inline(table: dict) -> str:
    return "{ " + ", ".join(f"{k} = {v!r}" for k, v in table.items()) + " }"


def _evidence(tmp_path, between_run: str | None = DECLARED, name: str = "runs.toml") -> str:
    """Two timings simulated at TRUE (noise-free, sigma_log 0.1) under a header that may declare the term."""
    text = '[evidence]\nscenario = "video-diffusion"\n'
    if between_run is not None:
        text += f"between_run_sigma_log = {between_run}\n"
    for label, cfg in (("cog5b", COG5B), ("cog2b", COG2B)):
        y = engine.evaluate_point("video-diffusion", FIXED, at={**TRUE, **cfg})["gpu_seconds_per_video"]
        text += (
            f'\n[[observation]]\nlabel = "{label}"\noutput = "gpu_seconds_per_video"\nvalue = {y!r}\n'
            f'sigma_log = 0.1\nset = {_inline(cfg)}\nsource = "synthetic, tests/test_between_run.py"\n'
        )
    path = tmp_path / name
    path.write_text(text)
    return str(path)


# --- the bundled declaration: its scale is the spread its source lists --------------------------------
# llm-training.toml's scale is the sample sd of ln(MFU) over the 8 published large runs its source names
# (PaLM Table 3: GPT-3 21.3%, Gopher 32.5%, MT-NLG 30.2%, PaLM 46.2%; Korthikanti et al. 2022 54.2%;
# MegaScale 55.2%; Llama 3 Table 4 38-43% -> 40.5%; Nemotron-4 340B 41-42% -> 41.5%), to 2 decimals.
PUBLISHED_MFU = [0.213, 0.325, 0.302, 0.462, 0.542, 0.552, 0.405, 0.415]


def test_llm_training_declares_the_published_mfu_spread():
    term = load_evidence("llm-training").between_run
    assert isinstance(term, BetweenRun) and term.prior == "halfnormal"
    assert term.scale == pytest.approx(float(np.std(np.log(PUBLISHED_MFU), ddof=1)), abs=0.005)
    for figure in ("21.3%", "32.5%", "30.2%", "46.2%", "54.2%", "55.2%", "38-43%", "41-42%"):
        assert figure in term.source
    assert load_evidence("video-timings").between_run is None  # a file that declares none


@pytest.mark.parametrize(
    "spec, where, reason",
    [
        ("0.3", "evidence.between_run_sigma_log", "must be a table"),
        ('{ prior = "cauchy", scale = 0.3, source = "s" }', "evidence.between_run_sigma_log.prior", "must be one of"),
        ('{ scale = 0, source = "s" }', "evidence.between_run_sigma_log.scale", "log-scale sd in (0, 10]"),
        ('{ scale = -0.3, source = "s" }', "evidence.between_run_sigma_log.scale", "log-scale sd"),
        ('{ scale = "wide", source = "s" }', "evidence.between_run_sigma_log.scale", "log-scale sd"),
        ('{ scale = 11, source = "s" }', "evidence.between_run_sigma_log.scale", "log-scale sd"),
        ('{ source = "s" }', "evidence.between_run_sigma_log.scale", "missing"),
        ("{ scale = 0.3 }", "evidence.between_run_sigma_log.source", "missing"),
        ('{ scale = 0.3, source = "s", sigma = 1 }', "evidence.between_run_sigma_log.sigma", "unknown key"),
    ],
)
def test_bad_declarations_are_refused_naming_the_field(tmp_path, spec, where, reason):
    path = _evidence(tmp_path, spec)
    with pytest.raises(InputError) as info:
        load_evidence(path)
    assert f"runs.toml: {where}" in str(info.value) and reason in str(info.value)


def test_bad_declaration_through_the_cli_is_one_line_exit_2_nothing_written(tmp_path, capsys):
    from flopcast.cli import main

    out = tmp_path / "out"
    path = _evidence(tmp_path, '{ scale = -1, source = "s" }')
    code = main(["validate", "video-diffusion", "--evidence", path, "--loo", "--out", str(out)])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and "evidence.between_run_sigma_log.scale" in err[0] and not out.exists()


def test_scale_accepts_the_number_vocabulary(tmp_path):
    assert load_evidence(_evidence(tmp_path, '{ scale = "0.25", source = "s" }')).between_run.scale == 0.25


# --- calibrate: which scale reaches the PyMC model (the sampler stubbed: no NUTS) --------------------


class _Sampled(Exception):
    pass


@pytest.mark.parametrize(
    "declared, given, expected",
    [
        (True, None, 0.4),  # the file's term, on by default
        (True, 0.7, 0.7),  # --discrepancy overrides it
        (True, 0, None),  # --discrepancy 0 switches it off
        (False, None, None),  # no declaration, no option: no term
        (False, 0.7, 0.7),
    ],
)
def test_calibrate_passes_the_declared_scale_to_the_model(tmp_path, monkeypatch, declared, given, expected):
    seen = {}

    def fake_sample(
        plan, evidence, informed, draws, tune, chains, seed, target_accept, discrepancy=None, progress=False
    ):
        seen["discrepancy"] = discrepancy
        raise _Sampled

    monkeypatch.setattr(calibration, "sample", fake_sample)
    path = _evidence(tmp_path, DECLARED if declared else None)
    with pytest.raises(_Sampled):
        calibration.calibrate("video-diffusion", path, draws=10, tune=10, sets=FIXED, discrepancy=given)
    assert seen["discrepancy"] == expected


def test_zero_needs_no_log_scale_observation(tmp_path, monkeypatch):
    """discrepancy=0 is no term at all, so evidence with additive errors only is not refused for it."""
    monkeypatch.setattr(calibration, "sample", lambda *a, **k: (_ for _ in ()).throw(_Sampled()))
    text = (
        '[[observation]]\noutput = "gpu_seconds_per_video"\nvalue = 90.0\nsd = 10\n'
        f'set = {_inline(COG5B)}\nsource = "synthetic"\n'
    )
    path = tmp_path / "additive.toml"
    path.write_text(text)
    with pytest.raises(_Sampled):
        calibration.calibrate("video-diffusion", path, draws=10, tune=10, discrepancy=0)


# --- validate: the declared term in leave-one-out, not in prior bands ---------------------------------


def test_prior_bands_do_not_add_the_declared_term(tmp_path):
    """Without --loo the priors are one run's spread already: the bands equal those of the same cases
    without the declaration, to the bit."""
    a = validate("video-diffusion", _evidence(tmp_path), draws=500, seed=3, sets=FIXED)
    b = validate("video-diffusion", _evidence(tmp_path, None, "plain.toml"), draws=500, seed=3, sets=FIXED)
    assert a.discrepancy is None and a.between_run is None and a.discrepancy_source == "none"
    assert [c.as_json() | {"source": ""} for c in a.cases] == [c.as_json() | {"source": ""} for c in b.cases]


# Closed form: with every input fixed the model gives one value y per case; a calibration stub whose
# posterior of discrepancy_sigma is the constant sigma0 then makes the held-out case's predictive draws
# y exp(sigma0 z1) exp(s z2), a lognormal of log-sd sqrt(sigma0^2 + s^2) (s = the case's sigma_log 0.1):
# p05 = y exp(-1.6449 sqrt(.)), p95 = y exp(+1.6449 sqrt(.)). Tolerance: Monte Carlo error of a 5% quantile
# of 2 x 5000 draws (loose tier).
SIGMA0 = 0.3
LOO_RTOL = 0.03


def _stub_calibration(monkeypatch, calls: list):
    from types import SimpleNamespace

    import flopcast.analyze.validate as validate_module

    def fake_calibrate(plan, rest, draws, tune, chains, seed, target_accept, propagate_draws, discrepancy=None):
        calls.append({"discrepancy": discrepancy, "cases": len(rest), "between_run": rest.between_run})
        scale = discrepancy if discrepancy else None
        return SimpleNamespace(
            informed=(),
            posterior_draws=lambda name: None,
            warnings=[],
            discrepancy=scale,
            discrepancy_draws=None if scale is None else np.full(draws * chains, SIGMA0),
        )

    monkeypatch.setattr(validate_module, "calibration_api", lambda: (fake_calibrate, calibration.load_evidence, True))


@pytest.mark.parametrize(
    "declared, given, scale, source, sd",
    [
        (True, None, 0.4, "posterior", math.hypot(SIGMA0, 0.1)),  # the file's term: sigma's posterior draws
        (True, 0.7, 0.7, "posterior", math.hypot(SIGMA0, 0.1)),  # --discrepancy S overrides the declared scale
        (True, 0, None, "none", 0.1),  # --discrepancy 0: the measurement error alone
        (False, None, None, "none", 0.1),
    ],
)
def test_leave_one_out_predicts_with_the_declared_term(tmp_path, monkeypatch, declared, given, scale, source, sd):
    calls: list = []
    _stub_calibration(monkeypatch, calls)
    every = FIXED + [f"{k}={v}" for k, v in TRUE.items()]  # every input fixed: one value y per case
    path = _evidence(tmp_path, DECLARED if declared else None)
    v = validate("video-diffusion", path, loo=True, discrepancy=given, draws=5000, seed=7, sets=every)
    assert [c["discrepancy"] for c in calls] == [scale if scale is not None else 0] * 2  # each calibration's
    assert all(c["cases"] == 1 for c in calls)
    assert all((c["between_run"] is not None) == declared for c in calls)  # the rest keeps the file's header
    assert v.discrepancy == scale and v.discrepancy_source == source
    assert (v.between_run is not None) == (declared and given is None)
    assert v.to_json()["discrepancy_declared_by_evidence"] == (declared and given is None)
    for case, cfg in zip(v.cases, (COG5B, COG2B)):
        y = engine.evaluate_point("video-diffusion", FIXED, at={**TRUE, **cfg})["gpu_seconds_per_video"]
        assert case.p05 == pytest.approx(y * math.exp(-1.6449 * sd), rel=LOO_RTOL)
        assert case.p95 == pytest.approx(y * math.exp(1.6449 * sd), rel=LOO_RTOL)
        assert case.median == pytest.approx(y, rel=LOO_RTOL)


def test_reports_say_where_the_term_comes_from():
    from flopcast.analyze.validate import Case, Validation
    from flopcast.report.validate import summary_rows, summary_text

    case = Case("run", "training_gpu_hours", "GPU-hours", 1.0, 0.5, 0.8, 1.0, 1.2, 2.0, 0.5)
    term = BetweenRun(0.32, "published MFU spread")
    v = Validation("s", "e.toml", True, 0.32, "posterior", 500, 1, [case], 0.0, between_run=term)
    (row,) = [r for r in summary_rows(v) if r[0] == "model discrepancy"]
    assert (
        row[1] == "HalfNormal(0.32), posterior (the between-run term the evidence file declares: published MFU spread)"
    )
    assert "between-run term HalfNormal(0.32) posterior" in summary_text(v)
    plain = Validation("s", "e.toml", True, 0.5, "posterior", 500, 1, [case], 0.0)
    assert "discrepancy HalfNormal(0.5) posterior" in summary_text(plain)


def test_cli_takes_discrepancy_zero(tmp_path, capsys):
    from flopcast.cli import main

    args = ["validate", "video-diffusion", "--evidence", _evidence(tmp_path), "--draws", "200", "--seed", "1"]
    assert main([*args, "--discrepancy", "0", "--json", "--out", str(tmp_path / "out")]) == 0
    obj = json.loads(capsys.readouterr().out)
    assert obj["discrepancy"] is None and obj["discrepancy_source"] == "none"


@pytest.mark.slow
def test_calibrate_with_the_declared_term_is_calibrate_with_the_option(tmp_path):
    """Two timings a factor 4 apart, each claimed to 5% (the conflicting evidence of tests/test_calibrate.py,
    where the option's posterior of sigma is checked against quadrature): the file declaring HalfNormal(1)
    gives the same posterior, draw for draw, as --discrepancy 1 on the file without it, and says so."""
    sets = ["stack_overhead=0.1", "balance_elasticity=1.1"]
    y0 = engine.evaluate_point(engine.plan_for("video-diffusion", sets))["gpu_seconds_per_video"]
    rows = "".join(
        f'\n[[observation]]\noutput = "gpu_seconds_per_video"\nvalue = {v!r}\nsigma_log = 0.05\nsource = "synthetic"\n'
        for v in (2.0 * y0, 0.5 * y0)
    )
    declared, plain = tmp_path / "declared.toml", tmp_path / "plain.toml"
    declared.write_text(f'[evidence]\nbetween_run_sigma_log = {{ scale = 1.0, source = "test" }}\n{rows}')
    plain.write_text(rows)
    kw = dict(draws=500, tune=500, chains=2, seed=5, propagate_draws=500, sets=sets)
    a = calibration.calibrate("video-diffusion", str(declared), **kw)
    b = calibration.calibrate("video-diffusion", str(plain), discrepancy=1.0, **kw)
    assert np.array_equal(a.discrepancy_draws, b.discrepancy_draws) and a.discrepancy == b.discrepancy == 1.0
    assert np.array_equal(a.posterior_draws("inference_utilization"), b.posterior_draws("inference_utilization"))
    assert a.to_json()["discrepancy"]["declared_by_evidence"] is True
    assert b.to_json()["discrepancy"]["declared_by_evidence"] is False
    assert "the between-run term the evidence file declares (HalfNormal(1))" in a.posterior_text
    # residuals measured against sqrt(0.05^2 + sigma^2), not 0.05 alone (log 2 / 0.05 = 14 sigma_log)
    assert not any("the evidence and the priors disagree" in w for w in a.warnings + b.warnings)

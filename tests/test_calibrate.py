"""Bayesian calibration (flopcast.analyze.calibration): evidence files, recovery of known inputs, a
conjugate closed form, convergence failures reported, bad evidence refused, and the calibrated
scenario running like any other. Few draws throughout: the whole file takes well under 90 s."""

from __future__ import annotations

import json
import math
import textwrap
from pathlib import Path

import numpy as np
import pytest

from flopcast import engine
from flopcast.analyze.calibration import (
    CalibrationFailed,
    Evidence,
    Observation,
    build_model,
    calibrate,
    calibrated_scenario_text,
    load_evidence,
)
from flopcast.priors.errors import ConvergenceError, InputError
from flopcast.priors.families._base import Z95
from flopcast.priors.scenario import load_scenario

pytestmark = pytest.mark.filterwarnings("ignore:PyTensor could not link to a BLAS")

ROOT = Path(__file__).resolve().parent.parent
EVIDENCE = ROOT / "priors" / "evidence"

TRUE = {"inference_utilization": 0.45, "overhead_fraction": 0.08}
# the per-video cost, the stack overhead and the balance elasticity held at their points: the timings
# inform the two above (stack_overhead only scales the time, so it and the utilization are identified as a ratio)
FIXED = ["fixed_seconds_per_video=8", "stack_overhead=0.1", "balance_elasticity=1.1"]
CONFIGS = {  # architectures the timings were "measured" on (video-timings.toml's, plus the Wan default)
    "cog5b": dict(params=4.756e9, layers=42, hidden_size=3072, width=720, height=480, frames=49, fps=8, cfg_passes=2),
    "cog2b": dict(params=1.327e9, layers=30, hidden_size=1920, width=720, height=480, frames=49, fps=8, cfg_passes=2),
    "opensora": dict(
        params=6.455e9, layers=57, hidden_size=3072, width=1024, height=576, frames=129, fps=24, cfg_passes=3
    ),
    "wan": {},
}


def _inline(table: dict) -> str:
    return "{ " + ", ".join(f"{k} = {v!r}" for k, v in table.items()) + " }"


def _observation(output, value, spread, sets=None, source="test", extra=""):
    lines = ["[[observation]]", f'output = "{output}"', f"value = {value!r}", spread]
    if sets:
        lines.append(f"set = {_inline(sets)}")
    lines.append(f'source = "{source}"')
    if extra:
        lines.append(extra)
    return "\n".join(lines) + "\n\n"


def _recovery_evidence(tmp_path: Path) -> Path:
    """Noise-free timings simulated at the true inputs, plus a direct look at overhead_fraction."""
    text = ""
    for label, sets in CONFIGS.items():
        y = engine.evaluate_point("video-diffusion", FIXED, at={**TRUE, **sets})["gpu_seconds_per_video"]
        text += _observation("gpu_seconds_per_video", y, "sigma_log = 0.1", sets, extra=f'label = "{label}"')
    text += _observation("overhead_fraction", TRUE["overhead_fraction"], "sigma_log = 0.3")
    path = tmp_path / "recovery.toml"
    path.write_text(text)
    return path


# --- the CLI ----------------------------------------------------------------------------------------


def _main(argv: list[str]) -> int:
    from flopcast.cli import main

    return main(argv)


# --- evidence files -------------------------------------------------------------------------------


def test_bundled_evidence_fits_its_scenarios():
    timings = load_evidence(EVIDENCE / "video-timings.toml", engine.plan_for("video-diffusion"))
    assert timings.scenario == "video-diffusion" and len(timings) == 9
    assert all(
        o.output == "gpu_seconds_per_video" and o.source and o.note and 0.2 <= o.sigma_log <= 0.3
        for o in timings
        if "HunyuanVideo" not in o.label
    )
    opensora = next(o for o in timings if "Open-Sora" in o.label)
    assert opensora.set["cfg_passes"] == 3 and opensora.set["width"] * opensora.set["height"] == 768 * 768
    economics = load_evidence(EVIDENCE / "sora2-economics.toml", engine.plan_for("sora-2026"))
    assert economics and all(o.log_sigma >= 0.5 and "unverified" in o.note for o in economics)


def test_interval90_is_a_centred_lognormal(tmp_path):
    path = tmp_path / "ev.toml"
    path.write_text(_observation("gpu_seconds_per_video", 100.0, "interval90 = [50.0, 400.0]"))
    (obs,) = load_evidence(path)
    assert obs.center == pytest.approx(math.sqrt(50 * 400))
    assert obs.log_sigma == pytest.approx(math.log(8) / (2 * Z95))


BAD = {
    "unknown output": (
        _observation("gpu_hours_per_video", 90.0, "sigma_log = 0.2"),
        "observation[0].output: unknown output or input 'gpu_hours_per_video'",
    ),
    "negative sigma": (
        _observation("gpu_seconds_per_video", 90.0, "sigma_log = -0.2"),
        "observation[0].sigma_log: must be a positive number",
    ),
    "set of an unknown input": (
        _observation("gpu_seconds_per_video", 90.0, "sigma_log = 0.2", {"bogus": 1}),
        "observation[0].set.bogus: unknown input 'bogus'",
    ),
    "observation of a constant": (
        _observation("params", 5e9, "sigma_log = 0.2"),
        "cannot calibrate params: the scenario fixes it as a constant; give it a prior",
    ),
    "two spreads": (
        _observation("gpu_seconds_per_video", 90.0, "sigma_log = 0.2\nsd = 10"),
        "give exactly one of sigma_log, sd, interval90",
    ),
    "no source": (
        _observation("gpu_seconds_per_video", 90.0, "sigma_log = 0.2", source=""),
        "observation[0].source: missing",
    ),
    "value outside its interval": (
        _observation("gpu_seconds_per_video", 900.0, "interval90 = [50.0, 400.0]"),
        "lies outside its interval90",
    ),
    "frames that give no latent frame": (
        _observation("gpu_seconds_per_video", 90.0, "sigma_log = 0.2", {"frames": 3, "causal_vae": 0}),
        "give no latent frame",
    ),
    "nothing uncertain to inform": (
        _observation("tokens_per_video", 7e4, "sigma_log = 0.2"),
        "does not depend on any uncertain input",
    ),
}


@pytest.mark.parametrize("case", list(BAD))
def test_bad_evidence_is_one_line_exit_2_nothing_written(case, tmp_path, capsys):
    text, message = BAD[case]
    evidence = tmp_path / "bad.toml"
    evidence.write_text(text)
    out = tmp_path / "out"
    code = _main(["calibrate", "video-diffusion", "--evidence", str(evidence), "--out", str(out), "--seed", "1"])
    captured = capsys.readouterr()
    assert code == 2
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("flopcast: error: bad.toml: ") and message in lines[0], lines
    assert captured.out == ""
    assert not out.exists() and not any(p.name.startswith(".out") for p in tmp_path.iterdir())


def test_bad_options_are_refused(tmp_path, capsys):
    evidence = _recovery_evidence(tmp_path)
    for flag, value in (
        ("--draws", "0"),
        ("--chains", "two"),
        ("--target-accept", "1.5"),
        ("--discrepancy", "-0.5"),  # 0 is allowed: no discrepancy term (tests/test_between_run.py)
        ("--discrepancy", "wide"),
        ("--discrepancy", "inf"),
    ):
        code = _main(["calibrate", "video-diffusion", "--evidence", str(evidence), flag, value])
        err = capsys.readouterr().err.strip().splitlines()
        assert code == 2 and len(err) == 1 and flag in err[0]


# --- the PyMC prior is the prior `run` samples ----------------------------------------------------

COPULA_SCENARIO = """
[scenario]
name = "copula"
model = "video_diffusion"

[priors.params]
dist = "lognormal"
ci90 = [2e9, 20e9]
[priors.layers]
dist = "pert"
low = 20
mode = 40
high = 64
[priors.width]
dist = "triangular"
low = 640
mode = 1280
high = 1920
[priors.height]
dist = "uniform"
low = 360
high = 1080
[priors.inference_utilization]
dist = "beta"
ci90 = [0.25, 0.6]
[priors.overhead_fraction]
dist = "loguniform"
low = 0.01
high = 0.5

[[correlations]]
inputs = ["params", "layers"]
rank = 0.6
[[correlations]]
inputs = ["width", "height"]
rank = 0.8
[[correlations]]
inputs = ["inference_utilization", "overhead_fraction"]
rank = -0.4
"""


def test_copula_density_matches_scipy(tmp_path):
    """The joint log density PyMC samples (marginals + Gaussian copula) against an independent
    computation with the families' numpy CDFs and scipy densities, at random prior draws."""
    from scipy import special, stats

    from flopcast.sampling import rank_to_pearson

    defaults = {n: v for n, v in engine.plan_for("video-diffusion").points.items()}
    text = COPULA_SCENARIO + "".join(
        f'[priors.{n}]\ndist = "constant"\nvalue = {v!r}\n'
        for n, v in defaults.items()
        if n not in ("params", "layers", "width", "height", "inference_utilization", "overhead_fraction")
    )
    (tmp_path / "copula.toml").write_text(text)
    plan = engine.plan_for(str(tmp_path / "copula.toml"))
    names = tuple(plan.uncertain)
    from pymc.model.transform.conditioning import remove_value_transforms

    model = remove_value_transforms(build_model(plan, [], names))
    logp = model.compile_logp(jacobian=False)
    draws = engine.run(plan, draws=3, seed=5).inputs

    def pymc_logp(i):
        point = {}
        for rv in model.free_RVs:
            if rv.name.endswith("_unit"):  # PERT: a beta on (0, 1), rescaled
                d = plan.dists[rv.name[:-5]]
                value = (draws[rv.name[:-5]][i] - d.low) / (d.high - d.low)
            elif rv.name.endswith("_log"):  # log-uniform: a uniform on the log
                value = math.log(draws[rv.name[:-4]][i])
            else:
                value = draws[rv.name][i]
            point[model.rvs_to_values[rv].name] = np.float64(value)
        return float(logp(point))

    def scipy_logp(i):
        x = {n: draws[n][i] for n in names}
        d = plan.dists
        a, b = d["layers"].shape
        tri = d["width"]
        lp = (
            stats.lognorm.logpdf(x["params"], d["params"].sigma, scale=math.exp(d["params"].mu))
            + stats.beta.logpdf((x["layers"] - 20) / 44, a, b)  # the unit beta PyMC samples
            + stats.triang.logpdf(
                x["width"], (tri.mode - tri.low) / (tri.high - tri.low), loc=tri.low, scale=tri.high - tri.low
            )
            + stats.uniform.logpdf(x["height"], 360, 720)
            + stats.beta.logpdf(
                x["inference_utilization"], d["inference_utilization"].alpha, d["inference_utilization"].beta
            )
            + stats.uniform.logpdf(math.log(x["overhead_fraction"]), math.log(0.01), math.log(50))
        )
        r = np.eye(len(names))
        for c in plan.correlations:
            i1, i2 = names.index(c.inputs[0]), names.index(c.inputs[1])
            r[i1, i2] = r[i2, i1] = rank_to_pearson(c.rank)
        z = special.ndtri(np.array([float(d[n].cdf(x[n])) for n in names]))
        return lp - 0.5 * np.linalg.slogdet(r)[1] - 0.5 * z @ (np.linalg.inv(r) - np.eye(len(names))) @ z

    for i in range(3):
        assert pymc_logp(i) == pytest.approx(scipy_logp(i), abs=1e-6)


# --- sampling ---------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def recovery(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("recovery")
    evidence = _recovery_evidence(tmp)
    cal = calibrate(
        "video-diffusion", evidence, draws=300, tune=300, chains=2, seed=11, propagate_draws=5000, sets=FIXED
    )
    from flopcast.report.calibration import write_calibration

    folder = tmp / "calibration"
    folder.mkdir()
    written = write_calibration(cal, folder)
    return cal, folder, written, evidence


def test_recovers_known_inputs(recovery):
    cal, *_ = recovery
    assert cal.diagnostics.ok and cal.diagnostics.divergences == 0
    assert set(cal.informed) == {"inference_utilization", "overhead_fraction"}  # not training_*
    for name, truth in TRUE.items():
        shift = cal.inputs[name]
        assert shift.posterior.p05 <= truth <= shift.posterior.p95, (name, shift.posterior)
        assert shift.width_ratio < 0.8 and shift.moved
    # the observed output's band collapses onto the measurements
    for fit in cal.fits:
        assert fit.posterior.p05 <= fit.observation.value <= fit.posterior.p95
        assert fit.posterior.p95 - fit.posterior.p05 < fit.prior.p95 - fit.prior.p05
    # propagation: same seed, so the uninformed training inputs give identical bands
    t = cal.outputs["training_gpu_months"]
    assert t.prior == t.posterior
    g = cal.outputs["gpu_seconds_per_video"]
    assert g.posterior.p95 - g.posterior.p05 < 0.5 * (g.prior.p95 - g.prior.p05)


def test_calibration_folder_and_calibrated_scenario_run(recovery):
    cal, folder, written, evidence = recovery
    for name in (
        "posterior.nc",
        "video-diffusion-calibrated.toml",
        "calibration.json",
        "calibration.md",
        "report.html",
        "input_inference_utilization.png",
        "output_gpu_seconds_per_video.png",
    ):
        assert (folder / name).is_file() and name in written, name
    html = (folder / "report.html").read_text()
    assert "data:image/png;base64," in html and "r_hat" in html and "<script" not in html
    obj = json.loads((folder / "calibration.json").read_text())
    assert obj["observations"] == 5 and obj["diagnostics"]["divergences"] == 0
    assert set(obj["inputs"]) == set(TRUE) and obj["outputs"]["gpu_seconds_per_video"]["unit"] == "GPU-s"

    scenario = load_scenario(folder / "video-diffusion-calibrated.toml")
    assert scenario.name == "video-diffusion-calibrated"
    assert scenario.posterior.inputs == cal.informed and "5 measurements" in scenario.posterior.note
    run = engine.run(scenario, draws=4000, seed=2)
    posterior = cal.posterior_draws("inference_utilization")
    assert set(np.unique(run.inputs["inference_utilization"])) <= set(posterior)
    np.testing.assert_allclose(
        run.summary["gpu_seconds_per_video"].median, cal.outputs["gpu_seconds_per_video"].posterior.median, rtol=0.05
    )
    # the engine's other analyses take it too
    from flopcast.analyze import sensitivity

    s = sensitivity.analyze(str(folder / "video-diffusion-calibrated.toml"), "gpu_seconds_per_video", n=64, seed=1)
    assert np.isfinite(s.inputs["inference_utilization"].spearman)


def test_too_few_draws_fail_loudly(tmp_path, capsys):
    evidence = _recovery_evidence(tmp_path)
    with pytest.raises(CalibrationFailed) as info:
        calibrate("video-diffusion", evidence, draws=5, tune=5, chains=2, seed=3)
    assert "did not converge" in str(info.value) and "ESS" in str(info.value) and "--tune" in str(info.value)
    assert isinstance(info.value, ConvergenceError) and not isinstance(info.value, InputError)
    assert not info.value.diagnostics.ok
    out = tmp_path / "out"
    code = _main(
        [
            "calibrate",
            "video-diffusion",
            "--evidence",
            str(evidence),
            "--draws",
            "5",
            "--tune",
            "5",
            "--seed",
            "3",
            "--out",
            str(out),
        ]
    )
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 3 and len(err) == 1 and "did not converge" in err[0]  # flopcast.errors.EXIT_CODES
    assert not out.exists()


def test_conjugate_lognormal_posterior_through_the_cli(tmp_path, capsys):
    """One lognormal input, an output proportional to it (attention off, everything else fixed), a
    lognormal observation of the output and an interval90 observation of the input itself: the
    posterior of log(params) is normal with the precision-weighted closed form."""
    sets = [
        "inference_utilization=0.4",
        "overhead_fraction=0",
        "fixed_seconds_per_video=0",
        "attention_factor=0",
        "stack_overhead=0",
        "balance_elasticity=0",
        "params=5e9 to 20e9",
    ]
    plan = engine.plan_for("video-diffusion", sets)
    c = engine.evaluate_point(plan, at={"params": 1.0})["gpu_seconds_per_video"]
    y, s1 = 3000.0, 0.3
    lo, hi = 6e9, 15e9
    evidence = tmp_path / "conjugate.toml"
    evidence.write_text(
        _observation("gpu_seconds_per_video", y, f"sigma_log = {s1}")
        + _observation("params", 9e9, f"interval90 = [{lo!r}, {hi!r}]")
    )
    out = tmp_path / "out"
    argv = [
        "calibrate",
        "video-diffusion",
        "--evidence",
        str(evidence),
        "--draws",
        "500",
        "--tune",
        "500",
        "--chains",
        "2",
        "--seed",
        "7",
        "--propagate-draws",
        "5000",
        "--json",
        "--out",
        str(out),
    ]
    for s in sets:
        argv += ["--set", s]
    assert _main(argv) == 0
    obj = json.loads(capsys.readouterr().out)
    assert set(obj) >= {
        "scenario",
        "evidence",
        "observations",
        "draws",
        "chains",
        "seed",
        "diagnostics",
        "inputs",
        "outputs",
        "posterior_scenario",
        "folder",
    }
    assert obj["observations"] == 2 and obj["draws"] == 500 and obj["chains"] == 2 and obj["seed"] == 7
    assert list(obj["inputs"]) == ["params"] and obj["diagnostics"]["ok"]

    mu0, s0 = math.log(math.sqrt(5e9 * 20e9)), math.log(4.0) / (2 * Z95)
    s2 = math.log(hi / lo) / (2 * Z95)
    precision = 1 / s0**2 + 1 / s1**2 + 1 / s2**2
    mu_post = (mu0 / s0**2 + (math.log(y) - math.log(c)) / s1**2 + math.log(math.sqrt(lo * hi)) / s2**2) / precision
    sd_post = precision**-0.5
    import xarray as xr

    with xr.open_dataset(out / "posterior.nc", group="posterior", engine="h5netcdf") as ds:
        log_params = np.log(ds["params"].values.reshape(-1))
    assert log_params.mean() == pytest.approx(mu_post, abs=0.15 * sd_post)
    assert log_params.std() == pytest.approx(sd_post, rel=0.12)
    assert abs(math.log(obj["inputs"]["params"]["posterior"]["median"]) - mu_post) < 0.2 * sd_post

    # the calibrated scenario keeps the --set overrides and runs without them being repeated
    calibrated = load_scenario(obj["posterior_scenario"])
    assert calibrated.priors["inference_utilization"].is_constant
    assert calibrated.priors["inference_utilization"].point == 0.4
    run = engine.run(calibrated, draws=3000, seed=1)
    ratio = run.outputs["gpu_seconds_per_video"] / run.inputs["params"]
    np.testing.assert_allclose(ratio, c, rtol=1e-9)


def test_calibrated_text_drops_correlations_the_posterior_carries(tmp_path):
    """sora-2026 correlates params with layers and hidden_size, width with height: correlations among
    posterior inputs are commented out (the joint draws carry them), the others stay, and the
    calibrated copy runs."""
    import xarray as xr

    plan = engine.plan_for("sora-2026")
    informed = ("params", "layers", "hidden_size", "inference_utilization")
    rng = np.random.default_rng(0)
    data = {
        "params": rng.lognormal(math.log(12e9), 0.3, (2, 200)),
        "layers": rng.uniform(30, 50, (2, 200)),
        "hidden_size": rng.uniform(3072, 6144, (2, 200)),
        "inference_utilization": rng.uniform(0.3, 0.5, (2, 200)),
    }
    xr.Dataset({k: (("chain", "draw"), v) for k, v in data.items()}).to_netcdf(
        tmp_path / "posterior.nc", group="posterior", engine="h5netcdf"
    )
    evidence = Evidence([Observation(0, "usd_per_generated_minute", 7.8, "test", sigma_log=0.7)])
    text = calibrated_scenario_text(plan, informed, "posterior.nc", "test note", evidence, 1)
    path = tmp_path / "sora-2026-calibrated.toml"
    path.write_text(text)
    scenario = load_scenario(path)
    assert {c.inputs for c in scenario.correlations} == {("width", "height"), ("sampling_steps", "cfg_passes")}
    assert "# (carried by the joint posterior draws) [[correlations]]" in text
    run = engine.run(scenario, draws=2000, seed=1)
    assert run.inputs["params"].min() >= data["params"].min()
    assert scenario.headlines and scenario.waterfall is not None  # the rest of the file is intact


def test_a_calibrated_scenario_is_not_calibrated_again(recovery):
    cal, folder, _, evidence = recovery
    with pytest.raises(InputError, match="calibrated scenario already"):
        calibrate(str(folder / "video-diffusion-calibrated.toml"), evidence, draws=10, tune=10)


def test_evidence_header_mismatch_is_a_warning_not_an_error(tmp_path):
    text = textwrap.dedent("""
        [evidence]
        scenario = "sora-2026"
    """) + _observation("overhead_fraction", 0.1, "sigma_log = 0.3")
    path = tmp_path / "ev.toml"
    path.write_text(text)
    ev = load_evidence(path, engine.plan_for("video-diffusion"))
    assert ev.scenario == "sora-2026" and len(ev) == 1


# --- model discrepancy (Kennedy & O'Hagan 2001) -----------------------------------------------------

DISCREPANCY_SCALE = 1.0
# (quantity, tolerance) for the conflicting-evidence case below
DISCREPANCY_TOLERANCES = {
    "discrepancy median vs the grid posterior (relative)": 0.06,  # ~3 Monte Carlo s.e. of a median at ESS ~800
    "smallest discrepancy median (log-scale sd)": 0.4,
    "largest width ratio without discrepancy": 0.4,
    "smallest width ratio with discrepancy": 0.7,
}


# the accelerator-balance and stack terms at their points: the scenario as it was before issue 22 plus a
# fixed factor, so the conflict below is between two measurements, not a ridge between stack and utilization
CONFLICT_SETS = ["stack_overhead=0.1", "balance_elasticity=1.1"]


def _conflicting_evidence(tmp_path: Path) -> tuple[Path, tuple[float, float]]:
    """Two measurements of the same output under the same settings, a factor 4 apart, each claimed
    to within 5% (sigma_log 0.05): no value of the inputs fits both."""
    y0 = engine.evaluate_point(engine.plan_for("video-diffusion", CONFLICT_SETS))["gpu_seconds_per_video"]
    values = (2.0 * y0, 0.5 * y0)
    path = tmp_path / "conflict.toml"
    path.write_text("".join(_observation("gpu_seconds_per_video", v, "sigma_log = 0.05") for v in values))
    return path, values


def _grid_posterior_median(values, scale: float) -> float:
    """The marginal posterior of discrepancy_sigma by quadrature, independently of PyMC: on a grid of
    sigma, HalfNormal(scale) density x the prior-predictive average (over ``run``'s prior draws of
    the output) of prod_i Normal(log y_i; log output, sqrt(0.05^2 + sigma^2))."""
    from scipy import stats

    plan = engine.plan_for("video-diffusion", CONFLICT_SETS)
    log_f = np.log(engine.run(plan, draws=40_000, seed=8).outputs["gpu_seconds_per_video"])
    sigma = np.linspace(1e-4, 6.0 * scale, 1201)
    tau = np.sqrt(0.05**2 + sigma**2)[:, None]
    loglik = sum(stats.norm.logpdf(math.log(v), loc=log_f[None, :], scale=tau) for v in values)
    post = stats.halfnorm.pdf(sigma, scale=scale) * np.exp(loglik).mean(axis=1)
    cdf = np.cumsum(post) / post.sum()
    return float(np.interp(0.5, cdf, sigma))


@pytest.mark.slow
def test_discrepancy_widens_the_posterior_of_evidence_the_equations_cannot_fit(tmp_path):
    evidence, values = _conflicting_evidence(tmp_path)
    tol = DISCREPANCY_TOLERANCES
    kwargs = dict(draws=500, tune=500, chains=2, seed=5, propagate_draws=2000, sets=CONFLICT_SETS)
    plain = calibrate("video-diffusion", evidence, **kwargs)
    wide = calibrate("video-diffusion", evidence, discrepancy=DISCREPANCY_SCALE, **kwargs)
    assert plain.diagnostics.ok and wide.diagnostics.ok
    assert plain.discrepancy_draws is None and "discrepancy" not in plain.to_json()
    assert "discrepancy_sigma" not in plain.idata.posterior

    # the input both measurements inform: pinned (wrongly precise) without, wide with the discrepancy
    before, after = plain.inputs["inference_utilization"], wide.inputs["inference_utilization"]
    assert before.width_ratio < tol["largest width ratio without discrepancy"]
    assert after.width_ratio > tol["smallest width ratio with discrepancy"]
    assert after.posterior.p95 - after.posterior.p05 > before.posterior.p95 - before.posterior.p05

    draws = wide.discrepancy_draws
    assert draws.ndim == 1 and draws.size == 2 * 500 and np.all(draws > 0)
    median = float(np.median(draws))
    assert median > tol["smallest discrepancy median (log-scale sd)"]
    assert median == pytest.approx(
        _grid_posterior_median(values, DISCREPANCY_SCALE),
        rel=tol["discrepancy median vs the grid posterior (relative)"],
    )
    obj = wide.to_json()["discrepancy"]
    assert obj["scale"] == DISCREPANCY_SCALE and obj["posterior"]["median"] == pytest.approx(median)
    assert obj["posterior"]["p05"] < median < obj["posterior"]["p95"]
    assert "discrepancy_sigma" in wide.diagnostics.r_hat  # its convergence is checked like the inputs'
    assert "with a model discrepancy term (HalfNormal(1))" in wide.posterior_text  # the calibrated note says so


def test_discrepancy_needs_a_log_scale_observation_and_a_positive_scale(tmp_path):
    path = tmp_path / "additive.toml"
    path.write_text(_observation("gpu_seconds_per_video", 90.0, "sd = 10"))
    with pytest.raises(InputError, match="no sigma_log or interval90 observation"):
        calibrate("video-diffusion", path, draws=10, tune=10, discrepancy=0.5)
    for bad in (-1.0, float("nan"), True, "0.5"):  # 0: no term (tests/test_between_run.py)
        with pytest.raises(InputError, match="discrepancy: must be a positive number"):
            calibrate("video-diffusion", path, draws=10, tune=10, discrepancy=bad)

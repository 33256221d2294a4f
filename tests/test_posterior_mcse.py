"""A calibrated scenario's MCSE comes from its posterior's effective sample size (issue 12).

The posterior here is two chains of an autocorrelated (AR(1)) sampler, as NUTS produces: 2 x 1,000
draws hold far fewer independent ones. A run that resamples them 200,000 times cannot know its
quantiles better than the posterior does, so its MCSE must agree with ArviZ's quantile MCSE computed
on the posterior draws of the same output (``arviz.mcse(..., method="quantile")``, the reference of
the issue's "Done when"), and be several times the naive MCSE of 200,000 independent draws.
"""

import numpy as np
import pytest
import xarray as xr

from flopcast import engine
from flopcast.priors.scenario import load_scenario
from flopcast.summary import PROBS, summarize

# (AR(1) coefficient of the posterior chains, run draws, tolerance on MCSE / ArviZ's MCSE)
CASES = [(0.6, 200_000, 0.20), (0.9, 200_000, 0.20), (0.0, 200_000, 0.20)]


def _ar1_chains(rho: float, chains: int = 2, n: int = 1000, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    z = np.empty((chains, n))
    z[:, 0] = rng.normal(size=chains)
    for t in range(1, n):  # the sampler's autocorrelation; loops over 1,000 posterior steps, not draws
        z[:, t] = rho * z[:, t - 1] + np.sqrt(1 - rho**2) * rng.normal(size=chains)
    return z


def _calibrated(tmp_path, rho):
    util = 0.2 + 0.25 / (1 + np.exp(-_ar1_chains(rho)))  # a fraction in (0.2, 0.45)
    xr.Dataset({"inference_utilization": (("chain", "draw"), util)}).to_netcdf(
        tmp_path / "posterior.nc", group="posterior", engine="h5netcdf"
    )
    text = open(load_scenario("plappert-2024").path, encoding="utf-8").read()
    text += '\n[posterior]\nfile = "posterior.nc"\ninputs = ["inference_utilization"]\nnote = "AR(1) test"\n'
    path = tmp_path / "calibrated.toml"
    path.write_text(text)
    return path, util


@pytest.mark.parametrize("rho, draws, tol", CASES)
def test_calibrated_mcse_agrees_with_arviz_on_the_posterior(tmp_path, rho, draws, tol):
    import arviz as az

    path, util = _calibrated(tmp_path, rho)
    base = engine.plan_for(str(path))
    # every other uncertain input fixed: the output is a function of the posterior draws alone
    sets = [f"{n}={base.points[n]!r}" for n in base.uncertain if n not in base.joint]
    plan = engine.plan_for(str(path), sets)
    assert plan.joint == ("inference_utilization",) and plan.uncertain == ["inference_utilization"]
    out = "peak_fleet_h100"
    result = engine.run(plan, draws=draws, seed=5)
    x = {n: np.float64(v) for n, v in plan.constants.items()} | {"inference_utilization": util}
    on_posterior = np.asarray(plan.model.evaluate(x)[out])  # (chain, draw)
    s = result.summary[out]
    naive_ratio = []
    for p, got in zip(PROBS, (s.mcse_p05, s.mcse_p50, s.mcse_p95)):
        want = float(az.mcse(on_posterior, method="quantile", prob=p))
        assert got == pytest.approx(want, rel=tol), (p, got, want)
        naive_ratio.append(got / summarize(result.outputs[out]).as_dict()[f"mcse_p{round(100 * p):02d}"])
    assert min(naive_ratio) > 5  # 200,000 resampled draws are not 200,000 independent ones
    assert plan.posterior_note(draws) is not None and plan.posterior_note(100) is None


def test_streamed_calibrated_run_keeps_the_posterior_mcse(tmp_path):
    path, _ = _calibrated(tmp_path, 0.6)
    base = engine.plan_for(str(path))
    plan = engine.plan_for(str(path), [f"{n}={base.points[n]!r}" for n in base.uncertain if n not in base.joint])
    mem = engine.run(plan, draws=300_000, seed=2).summary["peak_fleet_h100"]
    streamed = engine.run(plan, draws=300_000, seed=2, stream=True).summary["peak_fleet_h100"]
    for field in ("mcse_p05", "mcse_p50", "mcse_p95"):
        assert getattr(streamed, field) == pytest.approx(getattr(mem, field), rel=0.05)


def test_independent_runs_unchanged():
    plan = engine.plan_for("plappert-2024")
    assert plan.mcse_ess(1000, PROBS) is None and plan.posterior_note(10**9) is None


def test_one_draw_mcse_is_undefined_not_zero():
    r = engine.run("plappert-2024", draws=1, seed=1)
    j = r.to_json()
    assert all(v is None for o in j["outputs"].values() for v in o["mcse"].values())
    assert "note" in j

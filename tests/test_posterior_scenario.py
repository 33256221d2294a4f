"""A scenario whose inputs come from posterior draws ([posterior] table): sampled jointly."""

import numpy as np
import pytest
import xarray as xr

from flopcast import engine
from flopcast.analyze import sensitivity
from flopcast.priors.scenario import load_scenario


def _posterior_scenario(tmp_path, write_scenario):
    rng = np.random.default_rng(0)
    util = rng.uniform(0.3, 0.5, size=(2, 500))
    peak = 1.0 + 4.0 * util  # a function of util: joint sampling must keep the pairs
    xr.Dataset(
        {"inference_utilization": (("chain", "draw"), util), "peak_factor": (("chain", "draw"), peak)}
    ).to_netcdf(tmp_path / "posterior.nc", group="posterior", engine="h5netcdf")
    text = open(load_scenario("plappert-2024").path, encoding="utf-8").read()
    text += '\n[posterior]\nfile = "posterior.nc"\ninputs = ["inference_utilization", "peak_factor"]\nnote = "test"\n'
    return write_scenario(text, "post.toml")


def test_posterior_inputs_are_drawn_jointly(tmp_path, write_scenario):
    path = _posterior_scenario(tmp_path, write_scenario)
    r = engine.run(str(path), draws=3000, seed=1)
    np.testing.assert_allclose(r.inputs["peak_factor"], 1.0 + 4.0 * r.inputs["inference_utilization"])
    assert 0.3 <= r.inputs["inference_utilization"].min() and r.inputs["inference_utilization"].max() <= 0.5
    # the other priors are untouched
    assert r.inputs["sora_params"].size == 3000


def test_posterior_scenario_gets_shapley_not_sobol(tmp_path, write_scenario):
    path = _posterior_scenario(tmp_path, write_scenario)
    s = sensitivity.analyze(str(path), "peak_fleet_h100", n=128, seed=1, log=True)
    assert s.inputs["peak_factor"].s1 is None and any("jointly" in w for w in s.warnings)
    assert np.isfinite(s.inputs["peak_factor"].spearman)
    # Shapley effects stay defined: they sum to 1, and two inputs that are functions of each other
    # (peak = 1 + 4 util) earn the same share (the symmetry axiom)
    # (negative estimates are clipped at 0 and kept in s.shapley["clipped"]: with them the sum is 1)
    assert sum(v.shapley for v in s.inputs.values()) + sum(s.shapley["clipped"].values()) == pytest.approx(1.0)
    assert s.inputs["peak_factor"].shapley == pytest.approx(s.inputs["inference_utilization"].shapley, abs=0.02)
    assert any("Gaussian copula fitted" in w for w in s.warnings)

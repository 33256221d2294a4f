"""Goal seek carries its Monte Carlo error (issue 12): the reported MCSE of each found value agrees
with the spread of the found values over independent seeds (the reference: repeated experiments),
and the JSON says how many draws the medians used."""

import numpy as np
import pytest

from flopcast import engine
from flopcast.analyze import stress

# sora's peak fleet is a product of lognormal inputs (exponent +1 or -1): a smooth median in each
SETS = [
    "sora_params=5e9 to 60e9",
    "peak_factor=1.3 to 3.5",
    "temporal_compression=3 to 12",
    "sampling_steps=100 to 300",
    "inference_utilization=0.4",
    "generations_per_upload=2",
    "dataset_multiplier=4",
    "training_utilization=0.4",
]

# (draws per goal seek, seeds, accepted range of mean reported MCSE / sd over seeds)
CASES = [(2_000, 40, (0.6, 1.6))]


@pytest.mark.slow
@pytest.mark.parametrize("draws, seeds, band", CASES)
def test_goal_seek_mcse_matches_the_spread_over_seeds(draws, seeds, band):
    plan = engine.plan_for("plappert-2024", SETS)
    target = 1.5 * engine.run(plan, draws=50_000, seed=0).summary["peak_fleet_h100"].median
    found = {n: [] for n in ("sora_params", "peak_factor")}
    errors = {n: [] for n in found}
    for seed in range(seeds):
        g = stress.goal_seek(plan, "peak_fleet_h100", target, seed=seed, draws=draws)
        assert g.draws == draws
        for n in found:
            found[n].append(g.values[n])
            errors[n].append(g.mcse[n])
    for n in found:
        sd = float(np.std(found[n], ddof=1))
        ratio = float(np.mean(errors[n])) / sd
        assert band[0] < ratio < band[1], (n, ratio, sd)


def test_goal_seek_json_has_mcse_and_draws():
    plan = engine.plan_for("plappert-2024", SETS)
    st = stress.stress(plan, "peak_fleet_h100", 3e5, draws=5_000, seed=1)
    j = st.to_json()
    assert j["goal_seek_draws"] == stress.GOAL_DRAWS and set(j["goal_seek_mcse"]) == set(j["goal_seek"])
    for n, v in j["goal_seek"].items():
        e = j["goal_seek_mcse"][n]
        assert (v is None) == (e is None) or v is not None
        if e is not None:
            assert 0 < e < abs(v)
    assert any("MCSE" in s and "goal seek" in s for s in st.sentences)


def test_one_draw_stress_json_has_no_zero_mcse():  # counting draws (auto would sample the tail instead)
    st = stress.stress(engine.plan_for("plappert-2024"), "peak_fleet_h100", 7e5, draws=1, seed=1, tail="mc")
    assert st.to_json()["p_exceed_mcse"] is None

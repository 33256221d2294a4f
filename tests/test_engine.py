"""The engine: analytic checks (loose, in MC standard errors), seeded determinism (exact)."""

import numpy as np
import pytest
from scipy import stats

from flopcast import engine
from flopcast.priors.errors import InputError
from flopcast.priors.scenario import load_scenario
from flopcast.sampling import unit_cube_chunks

# Lognormal priors on inputs that enter peak_fleet_h100 purely multiplicatively.
LOGNORMAL_INPUTS = {  # name: (ci90, exponent in peak_fleet_h100)
    "sora_params": ((5e9, 60e9), 1),
    "sampling_steps": ((30, 300), 1),
    "peak_factor": ((1.3, 3.5), 1),
    "temporal_compression": ((3.0, 12.0), -1),
}
# (a range on a fraction or a count builds a beta or a loguniform, not a lognormal: those are fixed)


def _multiplicative_scenario(write_scenario):
    text = open(load_scenario("plappert-2024").path, encoding="utf-8").read()
    path = write_scenario(text)
    sets = [f"{n}={lo} to {hi}" for n, ((lo, hi), _) in LOGNORMAL_INPUTS.items()]
    sets += [
        "dataset_multiplier=4",
        "inference_utilization=0.4",
        "generations_per_upload=2",
        "training_utilization=0.4",
    ]
    return path, sets


def _closed_form(path, sets):
    """log(peak fleet) = log c + sum(+/- log x_i): normal with known mean and variance."""
    ones = engine.evaluate_point(str(path), sets=sets, at={n: 1.0 for n in LOGNORMAL_INPUTS})["peak_fleet_h100"]
    z = stats.norm.ppf(0.95)
    mu = np.log(ones) + sum(s * (np.log(lo) + np.log(hi)) / 2 for (lo, hi), s in LOGNORMAL_INPUTS.values())
    sigma = np.sqrt(sum(((np.log(hi) - np.log(lo)) / (2 * z)) ** 2 for (lo, hi), _ in LOGNORMAL_INPUTS.values()))
    return stats.lognorm(sigma, scale=np.exp(mu))


# (sampler, draws, tolerance in Monte Carlo standard errors)
ANALYTIC = [("mc", 100_000, 4.0), ("lhs", 50_000, 4.0), ("sobol", 2**15, 4.0)]


@pytest.mark.parametrize("sampler, draws, n_se", ANALYTIC)
def test_product_of_lognormals_has_closed_form_quantiles(write_scenario, sampler, draws, n_se):
    path, sets = _multiplicative_scenario(write_scenario)
    ref = _closed_form(path, sets)
    s = engine.run(str(path), draws=draws, seed=11, sampler=sampler, sets=sets).summary["peak_fleet_h100"]
    for q, got, se in ((0.05, s.p05, s.mcse_p05), (0.5, s.median, s.mcse_p50), (0.95, s.p95, s.mcse_p95)):
        assert abs(got - ref.ppf(q)) < n_se * se, (q, got, ref.ppf(q), se)


# (sampler, chunk sizes whose results must be bit-identical)
CHUNKS = [("mc", (1000, 7919, 50_000)), ("lhs", (1000, 7919, 50_000)), ("sobol", (1024, 7919, 50_000))]


@pytest.mark.parametrize("sampler, sizes", CHUNKS)
def test_same_seed_same_numbers_whatever_the_chunk_size(sampler, sizes):
    runs = [
        engine.run("plappert-2024", draws=20_000, seed=5, sampler=sampler, chunk_size=c, summarize_outputs=False)
        for c in sizes
    ]
    for other in runs[1:]:
        for name, values in runs[0].outputs.items():
            assert np.array_equal(values, other.outputs[name]), name


def test_rerun_is_identical_and_another_seed_is_not():
    a = engine.run("plappert-2024", draws=5_000, seed=2)
    b = engine.run("plappert-2024", draws=5_000, seed=2)
    c = engine.run("plappert-2024", draws=5_000, seed=3)
    assert a.summary == b.summary
    assert a.summary["peak_fleet_h100"].median != c.summary["peak_fleet_h100"].median


def test_batched_evaluation_equals_slice_by_slice():
    r = engine.run("plappert-2024", draws=64, seed=4, summarize_outputs=False)
    plan = r.plan
    for i in range(0, 64, 7):
        x = {**plan.constants, **{n: v[i] for n, v in r.inputs.items()}}
        y = plan.model.evaluate(x)
        for name, values in r.outputs.items():
            assert values[i] == y[name], (name, i)


@pytest.mark.parametrize("sampler", ["mc", "lhs", "sobol"])
def test_unit_cube_is_strictly_inside(sampler):
    rng = np.random.default_rng(0)
    u = np.concatenate(list(unit_cube_chunks(sampler, 4096, 3, rng, 1000)))
    assert u.shape == (4096, 3) and u.min() > 0 and u.max() < 1


def test_lhs_stratifies_every_column():
    rng = np.random.default_rng(0)
    u = np.concatenate(list(unit_cube_chunks("lhs", 1000, 4, rng, 300)))
    for j in range(4):
        assert np.array_equal(np.sort(np.floor(u[:, j] * 1000)), np.arange(1000))


def test_copula_achieves_requested_rank_correlation(write_scenario):
    text = open(load_scenario("plappert-2024").path, encoding="utf-8").read()
    path = write_scenario(text + '\n[[correlations]]\ninputs = ["sora_params", "dataset_multiplier"]\nrank = 0.6\n')
    r = engine.run(str(path), draws=40_000, seed=9, summarize_outputs=False)
    rho = stats.spearmanr(r.inputs["sora_params"], r.inputs["dataset_multiplier"]).statistic
    assert rho == pytest.approx(0.6, abs=3 / np.sqrt(40_000) * 1.1)
    # the marginals are untouched: the prior's median stays where it was
    assert np.median(r.inputs["sora_params"]) == pytest.approx(
        load_scenario("plappert-2024").priors["sora_params"].dist.median, rel=0.02
    )


def test_non_psd_correlations_are_refused(write_scenario):
    text = open(load_scenario("plappert-2024").path, encoding="utf-8").read()
    for a, b, rank in (
        ("sora_params", "dataset_multiplier", 0.9),
        ("sora_params", "peak_factor", 0.9),
        ("dataset_multiplier", "peak_factor", -0.9),
    ):
        text += f'\n[[correlations]]\ninputs = ["{a}", "{b}"]\nrank = {rank}\n'
    path = write_scenario(text)
    with pytest.raises(InputError, match="positive semi-definite"):
        engine.run(str(path), draws=100, seed=1)


def test_non_finite_outputs_are_reported_with_their_inputs():
    with pytest.raises(InputError) as info:
        engine.run("plappert-2024", draws=2_000, seed=1, sets=["dit_params=1e-320"])  # in its domain, overflows
    msg = str(info.value)
    assert "NaN or infinite in 2000 of 2000 draws" in msg and "dit_params=1e-320" in msg


def test_point_evaluation_names_the_input_behind_a_non_finite_output():
    """A point evaluation whose output is infinite says which output and which input (zero here)."""
    from flopcast import engine
    from flopcast.priors.errors import InputError

    with pytest.raises(InputError, match=r"peak_fleet_h100 is inf at the point values.*inference_utilization=0"):
        engine.evaluate_point("plappert-2024", at={"inference_utilization": 0.0})

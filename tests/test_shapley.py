"""Shapley effects (analyze/shapley.py) against closed forms, Sobol indices and dependent scenarios."""

from itertools import combinations
from math import comb

import numpy as np
import pytest
from scipy import special

from flopcast.analyze import sensitivity
from flopcast.analyze.shapley import shapley_effects


def linear_gaussian_shapley(beta: np.ndarray, cov: np.ndarray) -> np.ndarray:
    """Exact Shapley effects of Y = beta . X, X ~ N(0, cov): the Shapley value of the closed cost
    c(u) = Var(E[Y | X_u]) = b^T cov[:, u] cov[u, u]^-1 cov[u, :] b (Owen & Prieur 2017; Iooss & Prieur,
    Int. J. Uncertainty Quantification 9(5), 2019, section 3), enumerated over all subsets."""
    d = len(beta)

    def cost(u):
        if not u:
            return 0.0
        u = list(u)
        a = cov[:, u] @ np.linalg.solve(cov[np.ix_(u, u)], cov[u, :])
        return float(beta @ a @ beta)

    total = float(beta @ cov @ beta)
    sh = np.zeros(d)
    for i in range(d):
        rest = [j for j in range(d) if j != i]
        for k in range(d):
            for u in combinations(rest, k):
                sh[i] += (cost(set(u) | {i}) - cost(u)) / (d * comb(d - 1, k))
    return sh / total


def iooss_prieur_three(s1, s2, s3, rho):
    """Iooss & Prieur (2019), section 3.1: Y = X1 + X2 + X3, X1 independent of (X2, X3), corr(X2, X3) = rho."""
    v = s1**2 + s2**2 + s3**2 + 2 * rho * s2 * s3
    return (
        np.array(
            [
                s1**2,
                s2**2 * (1 - rho**2 / 2) + rho * s2 * s3 + rho**2 * s3**2 / 2,
                s3**2 * (1 - rho**2 / 2) + rho * s2 * s3 + rho**2 * s2**2 / 2,
            ]
        )
        / v
    )


def _normal_ppfs(sd):
    return [(lambda s: lambda u: s * special.ndtri(u))(s) for s in sd]  # noqa: B023 (s is bound by the outer call)


@pytest.mark.parametrize(
    "sd, rho, tol",
    [
        ((1.0, 1.0, 1.0), 0.0, 0.015),
        ((1.0, 1.5, 2.0), 0.7, 0.015),
        ((1.0, 1.0, 3.0), -0.5, 0.015),
        ((2.0, 1.0, 1.0), 0.95, 0.015),
    ],
)
def test_three_input_linear_gaussian_matches_iooss_prieur(sd, rho, tol):
    sd = np.array(sd)
    corr = np.array([[1, 0, 0], [0, 1, rho], [0, rho, 1.0]])
    want = iooss_prieur_three(*sd, rho)
    np.testing.assert_allclose(linear_gaussian_shapley(np.ones(3), corr * np.outer(sd, sd)), want, atol=1e-12)
    y = np.random.default_rng(0).multivariate_normal(np.zeros(3), corr * np.outer(sd, sd), 20_000).sum(axis=1)
    got = shapley_effects(lambda x: x.sum(axis=1), _normal_ppfs(sd), corr, y, np.random.SeedSequence(1))
    assert got.effects.sum() == pytest.approx(1.0)
    np.testing.assert_allclose(got.effects, want, atol=tol)
    assert np.all(got.ci[:, 0] - tol <= want) and np.all(want <= got.ci[:, 1] + tol)


@pytest.mark.parametrize(
    "beta, pairs, tol",
    [
        ((1.0, -2.0, 0.5, 1.5, 0.0), [(0, 1, 0.6), (2, 3, -0.4), (1, 3, 0.3)], 0.02),
        ((1.0, 1.0, 1.0, 1.0, 1.0), [(0, 4, 0.8)], 0.02),
    ],
)
def test_linear_gaussian_with_several_correlations(beta, pairs, tol):
    beta = np.array(beta)
    corr = np.eye(5)
    for i, j, r in pairs:
        corr[i, j] = corr[j, i] = r
    want = linear_gaussian_shapley(beta, corr)
    y = np.random.default_rng(1).multivariate_normal(np.zeros(5), corr, 20_000) @ beta
    got = shapley_effects(lambda x: x @ beta, _normal_ppfs(np.ones(5)), corr, y, np.random.SeedSequence(2))
    np.testing.assert_allclose(got.effects, want, atol=tol)


# plappert-2024's fleet is a product of its inputs, so log(fleet) is additive: S1 = ST = Shapley.
@pytest.mark.parametrize("scenario, output, tol", [("plappert-2024", "peak_fleet_h100", 0.02)])
def test_agrees_with_sobol_on_an_independent_scenario(scenario, output, tol):
    s = sensitivity.analyze(scenario, output, n=2048, seed=1, log=True, shapley=True)
    shares = [v.shapley for v in s.inputs.values()]
    assert sum(shares) == pytest.approx(1.0)
    for v in s.inputs.values():
        assert min(v.s1, v.st) - tol <= v.shapley <= max(v.s1, v.st) + tol, v


def test_correlated_scenario_gets_shapley_and_pawn():
    s = sensitivity.analyze("sora-2026", "peak_fleet_gpus", n=64, seed=1, log=True)
    assert all(v.s1 is None for v in s.inputs.values())
    # the estimates sum to 1; negative ones are clipped at 0 and kept in "clipped"
    assert sum(v.shapley for v in s.inputs.values()) + sum(s.shapley["clipped"].values()) == pytest.approx(1.0)
    assert all(v.shapley >= 0 for v in s.inputs.values())
    assert s.shapley["permutations"] >= 100 and "training_epochs" in s.shapley["null_inputs"]
    assert s.inputs["training_epochs"].shapley == 0.0  # the fleet ignores training inputs
    top = max(s.inputs.values(), key=lambda v: v.shapley)
    assert top.shapley_ci[0] > 0.1 and 0 < top.pawn < 1
    assert any("Shapley effects" in w for w in s.warnings)
    j = s.to_json()["inputs"][top.input]
    assert j["shapley"] == top.shapley and len(j["shapley_ci"]) == 2


def test_negative_estimates_are_clipped_at_zero_with_a_note():
    """Y = X_a + X_b + X_c with sd (1, 0.05, 1), corr(a, c) = 0.5: b's exact effect is 0.0025 / 3.0025 = 0.0008
    (linear_gaussian_shapley), below the noise of 300 permutations; seed 0 estimates it at -0.008. Shapley
    effects are >= 0 (Song, Nelson & Staum 2016), so the estimate and its interval are clipped at 0 and named."""
    sd = np.array([1.0, 0.05, 1.0])
    corr = np.array([[1, 0, 0.5], [0, 1, 0], [0.5, 0, 1.0]])
    exact = linear_gaussian_shapley(np.ones(3), corr * np.outer(sd, sd))
    assert exact[1] == pytest.approx(0.0025 / 3.0025)
    y = np.random.default_rng(0).multivariate_normal(np.zeros(3), corr * np.outer(sd, sd), 20_000).sum(axis=1)
    got = shapley_effects(
        lambda x: x.sum(axis=1), _normal_ppfs(sd), corr, y, np.random.SeedSequence(0), ["a", "b", "c"], permutations=300
    )
    assert set(got.clipped) == {"b"} and got.clipped["b"] < 0
    assert got.effects[1] == 0.0 and np.all(got.effects >= 0) and np.all(got.ci >= 0)
    assert got.ci[1, 1] > exact[1]  # the interval still reaches the true small effect
    assert "b (-0.008)" in got.clip_note()

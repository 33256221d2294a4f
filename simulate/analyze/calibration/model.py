"""The PyMC model of a calibration, and sampling it with NUTS.

Every uncertain input on which some observation depends becomes a random variable through its
prior's ``to_pymc`` (constants stay numbers); the scenario's rank correlations among them enter as a
Gaussian-copula density (``pm.Potential``), so the PyMC prior is the prior ``run`` samples. Uncertain
inputs no observation depends on (directly or through a correlation) are independent of the evidence
a posteriori: they keep their exact priors and are not sampled. The model equations are the ones
``run`` evaluates with numpy, here on PyTensor tensors.

With a model discrepancy scale s_d, one more variable, ``discrepancy_sigma ~ HalfNormal(s_d)``, widens
every log-scale likelihood (see ``flopcast.analyze.calibration.likelihood``; Kennedy & O'Hagan 2001).
"""

from __future__ import annotations

import math
import time
from typing import Any, Mapping, Sequence

import numpy as np

from flopcast.analyze.calibration.diagnostics import quiet
from flopcast.analyze.calibration.likelihood import Observation, add_likelihood, base_inputs, observed
from flopcast.plan import Plan
from flopcast.priors.errors import InputError
from flopcast.sampling import rank_to_pearson

DISCREPANCY = "discrepancy_sigma"
DISCREPANCY_UNIT = "log-scale sd (1 = a factor e)"


def build_model(plan: Plan, evidence: Sequence[Observation], informed: Sequence[str], discrepancy: float | None = None):
    """The PyMC model: priors of the informed inputs (with their copula), one likelihood per observation;
    with ``discrepancy`` (a positive scale s_d) also ``discrepancy_sigma ~ HalfNormal(s_d)``."""
    import pymc as pm

    with pm.Model() as model:
        rvs = {}
        for n in informed:
            try:
                rvs[n] = plan.dists[n].to_pymc(n)
            except NotImplementedError:
                raise InputError(
                    f"{plan.scenario.file}: priors.{n}",
                    f"a {plan.dists[n].family} prior cannot be calibrated (no PyMC form)",
                ) from None
        _copula_potential(plan, informed, rvs)
        delta = pm.HalfNormal(DISCREPANCY, sigma=float(discrepancy)) if discrepancy is not None else None
        x = {**base_inputs(plan), **rvs}
        for obs in evidence:
            add_likelihood(obs, observed(plan, obs, x), delta)
    return model


def _normal_score(dist, x, where: str):
    """Phi^-1(F(x)) for a prior's marginal CDF F, as a PyTensor expression."""
    import pymc as pm
    import pytensor.tensor as pt

    fam = dist.family
    if fam == "lognormal":
        return (pt.log(x) - dist.mu) / dist.sigma
    if fam == "normal":
        return (x - dist.mu) / dist.sigma
    if fam == "uniform":
        u = (x - dist.low) / (dist.high - dist.low)
    elif fam == "loguniform":
        u = (pt.log(x) - math.log(dist.low)) / (math.log(dist.high) - math.log(dist.low))
    elif fam == "beta":
        u = pt.exp(pm.logcdf(pm.Beta.dist(alpha=dist.alpha, beta=dist.beta), x))
    elif fam == "pert":
        a, b = dist.shape
        u = pt.exp(pm.logcdf(pm.Beta.dist(alpha=a, beta=b), (x - dist.low) / (dist.high - dist.low)))
    elif fam == "triangular":
        span = dist.high - dist.low
        c = (dist.mode - dist.low) / span
        t = (x - dist.low) / span
        if c <= 0:
            u = 1.0 - (1.0 - t) ** 2
        elif c >= 1:
            u = t**2
        else:
            u = pt.switch(t <= c, t**2 / c, 1.0 - (1.0 - t) ** 2 / (1.0 - c))
    else:
        raise InputError(where, f"a correlated {fam} prior cannot be calibrated")
    u = pt.clip(u, 1e-12, 1.0 - 1e-12)
    return math.sqrt(2.0) * pt.erfinv(2.0 * u - 1.0)


def _copula_potential(plan: Plan, informed: Sequence[str], rvs: Mapping[str, Any]) -> None:
    """The scenario's Gaussian copula among the informed inputs: log c(z) = -1/2 log|R| - 1/2 z'(R^-1 - I)z
    with z = Phi^-1(F(x)) and R the Pearson matrix ``run`` uses (2 sin(pi rank / 6))."""
    corrs = [c for c in plan.correlations if c.inputs[0] in rvs and c.inputs[1] in rvs]
    if not corrs:
        return
    import pymc as pm

    names = [n for n in informed if any(n in c.inputs for c in corrs)]
    index = {n: i for i, n in enumerate(names)}
    r = np.eye(len(names))
    for c in corrs:
        i, j = index[c.inputs[0]], index[c.inputs[1]]
        r[i, j] = r[j, i] = rank_to_pearson(c.rank)
    eig = np.linalg.eigvalsh(r)
    if eig.min() < 1e-8:
        raise InputError(
            f"{plan.scenario.file}: correlations",
            f"the correlation matrix is (nearly) singular (smallest eigenvalue {eig.min():.2g}); "
            "calibration needs every |rank| clearly below 1",
        )
    precision = np.linalg.inv(r) - np.eye(len(names))
    z = [_normal_score(plan.dists[n], rvs[n], f"{plan.scenario.file}: priors.{n}") for n in names]
    # the quadratic form written out (a few terms): no BLAS dot for a handful of scalars
    quad = sum(
        float(precision[i, j]) * z[i] * z[j]
        for i in range(len(names))
        for j in range(len(names))
        if abs(precision[i, j]) > 1e-15
    )
    logdet = float(np.sum(np.log(eig)))
    pm.Potential("prior_copula", -0.5 * logdet - 0.5 * quad)


def sample(plan, evidence, informed, draws, tune, chains, seed, target_accept, discrepancy=None, progress=False):
    """NUTS draws of the model; returns the inference data, the variables to diagnose, and seconds.
    ``progress``: PyMC's own progress bar (the CLI asks for it on a terminal)."""
    import pymc as pm

    model = build_model(plan, evidence, informed, discrepancy)
    sampled = [rv.name for rv in model.free_RVs]
    model_vars = list(dict.fromkeys(sampled + [n for n in informed if n not in sampled]))
    t0 = time.perf_counter()
    with quiet(), model:
        idata = pm.sample(
            draws=draws,
            tune=tune,
            chains=chains,
            cores=1,
            random_seed=seed,
            target_accept=target_accept,
            progressbar=bool(progress),
            compute_convergence_checks=False,
            return_inferencedata=True,
            idata_kwargs={"log_likelihood": False},
        )
    seconds = time.perf_counter() - t0
    idata.posterior.attrs.update({"flopcast_inputs": " ".join(informed), "seed": seed, "scenario": plan.scenario.name})
    for n in informed:
        idata.posterior[n].attrs["unit"] = plan.unit(n)
    if discrepancy is not None:
        idata.posterior[DISCREPANCY].attrs.update({"unit": DISCREPANCY_UNIT, "prior": f"HalfNormal({discrepancy:g})"})
    return idata, model_vars, seconds

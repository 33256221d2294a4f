"""Draws on the unit cube, then each prior's inverse CDF (SALib/scipy.stats.qmc style).

Plain Monte Carlo, Latin hypercube and scrambled Sobol all produce an (n, k) array of uniforms in
(0, 1), delivered in chunks. For a given seed the concatenated chunks do not depend on the chunk size:
MC reads one Generator stream row by row, Sobol continues one sequence, and a Latin hypercube is a
property of the whole sample, so it is drawn once and sliced.
"""

from __future__ import annotations

import warnings
from typing import Iterator, Sequence

import numpy as np
from scipy import special
from scipy.stats import qmc

from priors.errors import InputError
from priors.scenario import Correlation

SAMPLERS = ("mc", "lhs", "sobol")
_HALF_ULP = 2.0**-54  # random() returns k / 2**53 in [0, 1); shifting by half a step keeps u inside (0, 1)


def unit_cube_chunks(
    sampler: str, n: int, k: int, rng: np.random.Generator, chunk_size: int
) -> Iterator[np.ndarray]:
    """Yield consecutive (m, k) blocks of an n-row design; the blocks' union is chunk-size invariant."""
    if sampler not in SAMPLERS:
        raise InputError("--sampler", f"unknown sampler {sampler!r}; one of {', '.join(SAMPLERS)}")
    if chunk_size <= 0:
        raise InputError("--chunk-size", "must be a positive integer")
    if k == 0:
        for start in range(0, n, chunk_size):
            yield np.empty((min(chunk_size, n - start), 0))
        return
    if sampler == "lhs":
        design = qmc.LatinHypercube(d=k, rng=rng).random(n)
        for start in range(0, n, chunk_size):
            yield design[start : start + chunk_size]
        return
    sobol = qmc.Sobol(d=k, scramble=True, rng=rng) if sampler == "sobol" else None
    for start in range(0, n, chunk_size):
        m = min(chunk_size, n - start)
        if sobol is not None:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", UserWarning)  # balance warning for n not a power of 2
                u = sobol.random(m)
        else:
            u = rng.random((m, k))
        u += _HALF_ULP
        yield u


def rank_to_pearson(rank: float) -> float:
    """Spearman rho of a bivariate normal -> its Pearson correlation: 2 sin(pi rho / 6)."""
    return 2.0 * np.sin(np.pi * rank / 6.0)


def copula_factor(
    correlations: Sequence[Correlation], names: Sequence[str], where: str = "correlations"
) -> np.ndarray | None:
    """Factor L of the Gaussian copula's correlation matrix (C = L L^T), or None if independent."""
    if not correlations:
        return None
    index = {name: i for i, name in enumerate(names)}
    c = np.eye(len(names))
    for corr in correlations:
        i, j = index[corr.inputs[0]], index[corr.inputs[1]]
        c[i, j] = c[j, i] = rank_to_pearson(corr.rank)
    eigval, eigvec = np.linalg.eigh(c)
    if eigval.min() < -1e-10:
        raise InputError(
            where,
            f"the rank correlations do not form a valid (positive semi-definite) matrix "
            f"(smallest eigenvalue {eigval.min():.3g}); weaken some of them",
        )
    return eigvec * np.sqrt(np.clip(eigval, 0.0, None))


def apply_copula(u: np.ndarray, factor: np.ndarray | None) -> np.ndarray:
    """Correlate the columns of u through a Gaussian copula; marginals stay uniform."""
    if factor is None:
        return u
    return np.clip(special.ndtr(special.ndtri(u) @ factor.T), _HALF_ULP, 1.0 - 2.0**-53)

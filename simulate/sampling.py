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

from flopcast.priors.errors import InputError
from flopcast.priors.scenario import Correlation

SAMPLERS = ("mc", "lhs", "sobol")
_HALF_ULP = 2.0**-54  # random() returns k / 2**53 in [0, 1); shifting by half a step keeps u inside (0, 1)


class Design:
    """An n-row design on the unit cube with random access to any block of rows.

    ``block(start, m)`` returns rows [start, start + m) and does not depend on which other blocks
    were drawn or in what order, so chunks can be computed in any order, in threads or on dask
    workers, and the concatenation never depends on the chunk size:
    - mc: one PCG64 stream read row by row; a block starts at ``advance(start * k)``;
    - sobol: one scrambled Sobol sequence; a block starts at ``fast_forward(start)``;
    - lhs: a Latin hypercube is a property of the whole sample, so it is drawn once and sliced
      (in memory only: n x k doubles).
    """

    def __init__(self, sampler: str, n: int, k: int, seed: int):
        if sampler not in SAMPLERS:
            raise InputError("sampler", f"unknown sampler {sampler!r}; one of {', '.join(SAMPLERS)}")
        self.sampler, self.n, self.k, self.seed = sampler, n, k, seed
        self._lhs: np.ndarray | None = None

    @property
    def random_access(self) -> bool:
        return self.sampler != "lhs"

    def block(self, start: int, m: int) -> np.ndarray:
        k = self.k
        if k == 0:
            return np.empty((m, 0))
        if self.sampler != "mc":
            from scipy.stats import qmc  # only the quasi-random samplers need scipy.stats
        if self.sampler == "lhs":
            if self._lhs is None:
                self._lhs = qmc.LatinHypercube(d=k, rng=np.random.default_rng(self.seed)).random(self.n)
            return self._lhs[start : start + m]
        if self.sampler == "sobol":
            sobol = qmc.Sobol(d=k, scramble=True, rng=np.random.default_rng(self.seed))
            if start:
                sobol.fast_forward(start)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", UserWarning)  # balance warning for m not a power of 2
                u = sobol.random(m)
        else:
            bits = np.random.PCG64(self.seed)
            if start:
                bits.advance(start * k)  # random() uses one 64-bit output per double
            u = np.random.Generator(bits).random((m, k))
        u += _HALF_ULP
        return u


def unit_cube_chunks(sampler: str, n: int, k: int, rng_or_seed, chunk_size: int) -> Iterator[np.ndarray]:
    """Yield consecutive (m, k) blocks of an n-row design (see ``Design``)."""
    if chunk_size <= 0:
        raise InputError("chunk_size", "must be a positive integer")
    seed = rng_or_seed if isinstance(rng_or_seed, (int, np.integer)) else int(rng_or_seed.integers(2**63))
    design = Design(sampler, n, k, int(seed))
    for start in range(0, n, chunk_size):
        yield design.block(start, min(chunk_size, n - start))


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

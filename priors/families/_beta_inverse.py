"""A fast inverse CDF of Beta(alpha, beta) and the beta fit to two quantiles, with scipy.special only.

Importing scipy.stats (for UNU.RAN's PINV) or scipy.optimize costs about half a second per process,
more than a million draws do, so a run that only draws priors imports neither.

Inverse: ``x(z) = F^-1(Phi(z))`` is smooth in the standard-normal score z for shapes >= 1, so it is
tabulated at exact ``special.betaincinv`` nodes every 1/256 in z over the whole range the unit-cube
design reaches (u in [2^-54, 1 - 2^-53]) and interpolated by piecewise cubic Hermite polynomials with
exact slopes ``dx/dz = phi(z) / f(x)`` (Fritsch & Carlson, "Monotone piecewise cubic interpolation",
SIAM J. Numer. Anal. 17(2), 1980, eq. 2; error O(h^4)). The u-error |F(x) - u| stays below 1e-12
(PINV's bound is 1e-10); tests check it, and monotonicity, on dense grids and in both tails.
About 25-35 ns per draw (``special.betaincinv``: ~3 us), a few ms to build.
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np
from scipy import special

U_LOW, U_HIGH = 2.0**-54, 1.0 - 2.0**-53  # the unit-cube design's range (flopcast.sampling)
NODES_PER_UNIT_Z = 256
_LOG_SQRT_2PI = 0.5 * math.log(2.0 * math.pi)


class BetaInverse:
    """``BetaInverse(alpha, beta)(u)``: the Hermite-interpolated inverse CDF (shapes >= 1)."""

    def __init__(self, alpha: float, beta: float):
        self.alpha, self.beta = alpha, beta
        h = 1.0 / NODES_PER_UNIT_Z
        self.z0 = float(special.ndtri(U_LOW)) - 4 * h
        n = int(math.ceil((float(special.ndtri(U_HIGH)) + 4 * h - self.z0) / h)) + 1
        z = self.z0 + h * np.arange(n)
        x = special.betaincinv(alpha, beta, special.ndtr(z))
        inside = (x > 0.0) & (x < 1.0)
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            log_pdf = (alpha - 1.0) * np.log(x) + (beta - 1.0) * np.log1p(-x) - special.betaln(alpha, beta)
            slope = np.where(inside, np.exp(-0.5 * z * z - _LOG_SQRT_2PI - log_pdf), 0.0)  # dx/dz
        rise, s0, s1 = np.diff(x), h * slope[:-1], h * slope[1:]
        # x = c0 + t (c1 + t (c2 + t c3)) on [z_i, z_i + h], t = (z - z_i) / h
        self._c = (x[:-1].copy(), s0, 3.0 * rise - 2.0 * s0 - s1, -2.0 * rise + s0 + s1)
        self._inv_h, self._last = 1.0 / h, n - 2
        self.u_range = (float(special.ndtr(z[0])), float(special.ndtr(z[-1])))

    def __call__(self, u):
        u = np.asarray(u, dtype=float)
        t = special.ndtri(u)
        t -= self.z0
        t *= self._inv_h
        inside = (t >= 0.0) & (t < self._last + 1.0)  # beyond the table (no draw of the design), u = 0 or 1:
        everywhere = bool(inside.all())  # the exact inverse there
        if not everywhere:
            t[~inside] = 0.0
        i = t.astype(np.intp)
        np.minimum(i, self._last, out=i)
        t -= i
        c0, c1, c2, c3 = self._c
        x = np.take(c3, i)
        x *= t
        x += np.take(c2, i)
        x *= t
        x += np.take(c1, i)
        x *= t
        x += np.take(c0, i)
        if not everywhere:
            x[~inside] = special.betaincinv(self.alpha, self.beta, u[~inside])
        return x


@lru_cache(maxsize=64)
def fast_beta_inverse(alpha: float, beta: float):
    """The interpolated inverse CDF of Beta(alpha, beta), or None for shapes below 1 (a pole at an
    end: callers use the exact ``special.betaincinv``)."""
    if alpha < 1.0 or beta < 1.0:
        return None
    return BetaInverse(float(alpha), float(beta))


def fit_quantiles(lo: float, hi: float, p_lo: float, p_hi: float) -> tuple[float, float] | None:
    """(alpha, beta) whose ``p_lo`` and ``p_hi`` quantiles are ``lo`` and ``hi``: Newton's method on
    the logit-scale quantile equations in (log alpha, log beta), central-difference Jacobian,
    backtracking, started from the moment match of a normal with the same interval. None when it
    does not converge (the caller then tries scipy.optimize)."""
    z = float(special.ndtri(p_hi))
    m, sd = (lo + hi) / 2.0, (hi - lo) / (2.0 * z)
    k = max(m * (1 - m) / sd**2 - 1.0, 0.5)
    target = special.logit(np.array([lo, hi]))
    probs = np.array([p_lo, p_hi])

    def residual(t: np.ndarray) -> np.ndarray:
        return special.logit(special.betaincinv(math.exp(t[0]), math.exp(t[1]), probs)) - target

    t = np.log([m * k, (1 - m) * k])
    r = residual(t)
    for _ in range(100):
        if not np.all(np.isfinite(r)):
            return None
        if np.max(np.abs(r)) < 1e-13:
            return float(math.exp(t[0])), float(math.exp(t[1]))
        step = 1e-6
        jac = np.column_stack([(residual(t + e) - residual(t - e)) / (2 * step) for e in np.eye(2) * step])
        try:
            delta = np.linalg.solve(jac, -r)
        except np.linalg.LinAlgError:
            return None
        norm, scale = float(r @ r), 1.0
        while scale > 1e-6:
            trial = t + scale * delta
            rt = residual(trial)
            if np.all(np.isfinite(rt)) and float(rt @ rt) < norm:
                break
            scale /= 2.0
        else:
            return None
        if np.max(np.abs(trial - t)) < 1e-15:
            t, r = trial, rt
            return float(math.exp(t[0])), float(math.exp(t[1]))
        t, r = trial, rt
    return None

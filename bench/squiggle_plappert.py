"""plappert-2024 in squigglepy (issue 13): the same priors and Sora equations, the same summary
(mean, p05, p50, p95 of every output and their MCSE, from ``numpy_plappert.summarize``: one
``np.partition`` per output, which is what ``sq.get_percentiles`` (``np.percentile``) costs too).

Priors, read from the same scenario TOML:

* lognormals: ``sq.lognorm(lo, hi)``, squigglepy's 90%-credible-interval form (the same closed form:
  norm_mean and norm_sd equal flopcast's mu, sigma to the last digit);
* betas: ``sq.beta(alpha, beta)``; squigglepy has no credible-interval form for a beta, so alpha and
  beta come from the same fit to ci90 that flopcast uses (``beta_from_ci90`` in ``numpy_plappert.py``);
* PERT: ``sq.pert(low, mode, high, lam=4)``, squigglepy's own PERT (lambda 4, as flopcast's).

Two ways to write the model (``--mode``):

* ``arrays`` (default, the fast correct one): draw each prior once with ``sq.sample(dist, n)`` and
  push the arrays through the equations (plain array expressions, as a squigglepy user writes them). Writing each output as one squigglepy distribution
  expression and calling ``sq.sample`` on it is NOT equivalent: squigglepy samples every occurrence
  of a leaf independently (``sq.sample(a - a)`` is not 0), so outputs that share inputs
  (break_even_video_minutes has sora_params and temporal_compression in numerator and denominator)
  would get wrong marginals, and outputs would not be jointly consistent.
* ``function``: squigglepy's idiom for shared inputs, ``sq.sample(model_fn, n)`` with ``~dist``
  inside the function: one Python call per draw, ~0.3-0.4 ms each here; only for small ``--draws``.

    python bench/squiggle_plappert.py --draws 10000000 --seed 1 [--mode arrays|function] [--json]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import tomllib
from pathlib import Path

import numpy as np
import squigglepy as sq

try:  # run as a script (bench/ on sys.path) or imported as bench.squiggle_plappert
    from numpy_plappert import DEFAULTS, SCENARIO, beta_from_ci90, model, print_summary, summarize
except ImportError:  # pragma: no cover
    from bench.numpy_plappert import DEFAULTS, SCENARIO, beta_from_ci90, model, print_summary, summarize


def load_priors(path: Path = SCENARIO) -> tuple[dict, dict[str, float]]:
    """-> ({name: squigglepy distribution}, {name: constant})."""
    with open(path, "rb") as f:
        priors = tomllib.load(f)["priors"]
    dists: dict = {}
    constants: dict[str, float] = dict(DEFAULTS)
    for name, p in priors.items():
        dist = p["dist"]
        if dist == "constant":
            constants[name] = float(p["value"])
        elif dist == "lognormal":
            lo, hi = p["ci90"]
            dists[name] = sq.lognorm(lo, hi)  # credibility=90 by default
        elif dist == "beta":
            dists[name] = sq.beta(*beta_from_ci90(*p["ci90"]))
        elif dist == "pert":
            dists[name] = sq.pert(p["low"], p["mode"], p["high"], lam=4)
        else:  # pragma: no cover
            raise ValueError(f"{name}: family {dist!r} not mapped to squigglepy here")
    return dists, constants


def summarize_all(y: dict[str, np.ndarray]) -> dict[str, dict[str, float]]:
    return {name: summarize(np.asarray(v) if np.ndim(v) else np.float64(v)) for name, v in y.items()}


def run(draws: int, seed: int = 1, mode: str = "arrays", path: Path = SCENARIO) -> dict[str, dict[str, float]]:
    dists, constants = load_priors(path)
    sq.set_seed(seed)
    if mode == "arrays":
        x = {**constants, **{name: sq.sample(d, draws) for name, d in dists.items()}}
        with np.errstate(all="ignore"):
            y = model(x)
        del x
        return summarize_all(y)
    if mode == "function":
        names = list(model({**constants, **{name: 1.0 for name in dists}}))

        def one_draw():
            out = model({**constants, **{name: ~d for name, d in dists.items()}})
            return np.array([float(out[name]) for name in names])

        rows = np.asarray(sq.sample(one_draw, draws)).reshape(draws, -1)
        return summarize_all({name: np.ascontiguousarray(rows[:, j]) for j, name in enumerate(names)})
    raise ValueError(f"unknown mode {mode!r}")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--draws", type=int, default=200_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--mode", choices=("arrays", "function"), default="arrays")
    ap.add_argument("--json", action="store_true", help="print one JSON object")
    args = ap.parse_args(argv)
    if args.draws <= 0:
        ap.error("--draws must be positive")
    t0 = time.perf_counter()
    summary = run(args.draws, args.seed, args.mode)
    elapsed = time.perf_counter() - t0
    if args.json:
        print(
            json.dumps(
                {"draws": args.draws, "seed": args.seed, "mode": args.mode, "seconds": elapsed, "outputs": summary}
            )
        )
        return 0
    print_summary(
        f"plappert-2024 (squigglepy {sq.__version__}, mode={args.mode})  draws={args.draws:,}  "
        f"seed={args.seed}  {elapsed:.2f} s",
        summary,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

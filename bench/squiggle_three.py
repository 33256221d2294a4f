"""The three-factor product (bench/three.toml) in squigglepy, as its README writes a model: one
``sq.lognorm(lo, hi)`` per 90% interval (the same closed form as flopcast's ci90), ``sq.sample`` once
per prior, the product as array arithmetic (``sq.sample(a * b * c, n)`` would do the same work
through squigglepy's expression tree), and p05/p50/p95 with their MCSE from one partition
(``numpy_plappert.summarize``, what ``sq.get_percentiles`` costs too).

    python bench/squiggle_three.py --draws 1000000 --seed 1 [--json]
"""

from __future__ import annotations

import argparse
import json
import sys

import numpy as np
import squigglepy as sq

try:  # run as a script (bench/ on sys.path) or imported as bench.squiggle_three
    from numpy_plappert import summarize
except ImportError:  # pragma: no cover
    from bench.numpy_plappert import summarize


def run(draws: int, seed: int = 1) -> dict[str, dict[str, float]]:
    sq.set_seed(seed)
    a, b, c = sq.lognorm(1, 10), sq.lognorm(0.5, 2), sq.lognorm(100, 1000)
    y = np.asarray(sq.sample(a, draws)) * np.asarray(sq.sample(b, draws)) * np.asarray(sq.sample(c, draws))
    return {"y": summarize(y)}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--draws", type=int, default=1_000_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    out = run(args.draws, args.seed)
    print(json.dumps({"outputs": out}) if args.json else out)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""plappert-2024 written as plain, hand-written numpy: the baseline flopcast is measured against
(GitHub issue 7).

Nothing from flopcast is imported. The script reads the same scenario TOML, derives every prior's
parameters with the same closed forms flopcast uses (lognormal from ci90: mu = mean of the log
bounds, sigma = log-width / (2 z95); PERT: Beta(1 + 4 (mode - low) / span, 1 + 4 (high - mode) / span)
on [low, high]; beta from ci90: the same least-squares solve of the two quantile equations in
(log alpha, log beta), since no closed form exists), samples with numpy's Generator the way one would
by hand, evaluates the same Sora equations, and summarizes every output by mean, p05, p50, p95.

Samplers (``--sampler``):

* ``direct`` (default, what a person writes): ``exp(mu + sigma * rng.standard_normal(n))`` for the
  lognormals, ``rng.beta(a, b, n)`` for the betas and the PERT.
* ``ppf``: unit-cube draws ``rng.random((n, k))`` through exact inverse CDFs from ``scipy.special``
  (``ndtri`` for lognormals, ``betaincinv`` for beta/PERT), i.e. flopcast's design without its fast
  PINV inverse. ``betaincinv`` costs ~3.5 us per draw, so this is slow by design.

    python bench/numpy_plappert.py --draws 10000000 --seed 1 [--sampler direct|ppf] [--json]
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
import tomllib
from pathlib import Path

import numpy as np
from scipy import optimize, special

SCENARIO = Path(__file__).resolve().parent.parent / "priors" / "scenarios" / "plappert-2024.toml"
Z95 = 1.6448536269514722  # standard normal 95th percentile
PERT_LAMBDA = 4.0
PROBS = (0.05, 0.5, 0.95)

# Model defaults of models/sora.py for inputs the scenario does not set (it sets all but these two).
DEFAULTS = {"h100_usd_per_hour": 2.5, "h100_power_kw": 1.4}


# -- priors ---------------------------------------------------------------------------------------

def lognormal_from_ci90(lo: float, hi: float) -> tuple[float, float]:
    return (math.log(lo) + math.log(hi)) / 2.0, (math.log(hi) - math.log(lo)) / (2.0 * Z95)


def beta_from_ci90(lo: float, hi: float) -> tuple[float, float]:
    """Alpha, beta whose 5th/95th percentiles are lo, hi: least squares on the logit scale, started
    from the moment match of a normal with the same interval."""
    m, sd = (lo + hi) / 2.0, (hi - lo) / (2.0 * Z95)
    k = max(m * (1 - m) / sd**2 - 1.0, 0.5)
    target = special.logit(np.array([lo, hi]))

    def residual(log_ab):
        a, b = np.exp(log_ab)
        return special.logit(special.betaincinv(a, b, np.array([0.05, 0.95]))) - target

    fit = optimize.least_squares(residual, np.log([m * k, (1 - m) * k]), xtol=1e-12, ftol=1e-12)
    a, b = np.exp(fit.x)
    return float(a), float(b)


def pert_shape(low: float, mode: float, high: float) -> tuple[float, float]:
    span = high - low
    return 1.0 + PERT_LAMBDA * (mode - low) / span, 1.0 + PERT_LAMBDA * (high - mode) / span


def load_priors(path: Path = SCENARIO) -> tuple[dict[str, tuple], dict[str, float]]:
    """-> ({name: (family, params...)} for uncertain inputs in file order, {name: value} constants)."""
    with open(path, "rb") as f:
        priors = tomllib.load(f)["priors"]
    uncertain: dict[str, tuple] = {}
    constants: dict[str, float] = dict(DEFAULTS)
    for name, p in priors.items():
        dist = p["dist"]
        if dist == "constant":
            constants[name] = float(p["value"])
        elif dist == "lognormal":
            uncertain[name] = ("lognormal", *lognormal_from_ci90(*p["ci90"]))
        elif dist == "beta":
            uncertain[name] = ("beta", *beta_from_ci90(*p["ci90"]))
        elif dist == "pert":
            uncertain[name] = ("pert", p["low"], p["high"], *pert_shape(p["low"], p["mode"], p["high"]))
        else:  # pragma: no cover - plappert-2024 uses only these four
            raise ValueError(f"{name}: family {dist!r} not hand-written here")
    return uncertain, constants


def sample(uncertain: dict[str, tuple], n: int, rng: np.random.Generator, sampler: str = "direct") -> dict[str, np.ndarray]:
    x: dict[str, np.ndarray] = {}
    if sampler == "ppf":
        u = rng.random((n, len(uncertain)))
        u += 2.0**-54  # keep strictly inside (0, 1)
    for j, (name, (family, *par)) in enumerate(uncertain.items()):
        if family == "lognormal":
            mu, sigma = par
            z = rng.standard_normal(n) if sampler == "direct" else special.ndtri(u[:, j])
            z *= sigma
            z += mu
            x[name] = np.exp(z, out=z)
        elif family == "beta":
            a, b = par
            x[name] = rng.beta(a, b, n) if sampler == "direct" else special.betaincinv(a, b, u[:, j])
        elif family == "pert":
            low, high, a, b = par
            v = rng.beta(a, b, n) if sampler == "direct" else special.betaincinv(a, b, u[:, j])
            v *= high - low
            v += low
            x[name] = v
    return x


# -- the Sora equations (Plappert 2024), written out -----------------------------------------------

def model(x: dict) -> dict[str, np.ndarray]:
    mult = x["sora_params"] / x["dit_params"]
    frames = x["video_seconds"] * x["fps"] / x["temporal_compression"]
    train = x["dit_train_flops"] * mult * x["dataset_multiplier"] * frames * x["video_fraction"]
    per_video = x["dit_flops_per_step"] * mult * frames * x["sampling_steps"]
    per_minute = per_video * 60.0 / x["video_seconds"]
    minutes_per_hour = x["h100_peak_flops"] * 3600.0 / per_minute
    minutes_per_day = (x["tiktok_minutes_per_day"] * x["tiktok_ai_share"]
                       + x["youtube_minutes_per_day"] * x["youtube_ai_share"])
    average = minutes_per_day / (minutes_per_hour * 24.0)
    peak = average / x["inference_utilization"] * x["peak_factor"] * x["generations_per_upload"]
    return {
        "training_flops": train,
        "training_h100_months": train / (x["h100_peak_flops"] * x["training_utilization"] * (30 * 24 * 3600.0)),
        "inference_flops_per_video_minute": per_minute,
        "video_minutes_per_h100_hour": minutes_per_hour,
        "break_even_video_minutes": train / per_minute,
        "ai_video_minutes_per_day": minutes_per_day,
        "average_fleet_h100_full_utilization": average,
        "peak_fleet_h100": peak,
        "inference_usd_per_video_minute": x["h100_usd_per_hour"] / (minutes_per_hour * x["inference_utilization"]),
        "peak_fleet_power_mw": peak * x["h100_power_kw"] / 1000.0,
    }


def summarize(y: dict[str, np.ndarray], n: int) -> dict[str, dict[str, float]]:
    out = {}
    for name, v in y.items():
        v = np.broadcast_to(v, (n,))
        p05, p50, p95 = np.quantile(v, PROBS)
        out[name] = {"mean": float(v.mean()), "p05": float(p05), "p50": float(p50), "p95": float(p95)}
    return out


def run(draws: int, seed: int = 1, sampler: str = "direct", path: Path = SCENARIO) -> dict[str, dict[str, float]]:
    """Everything flopcast's ``engine.run`` does for this comparison: read the scenario, derive the
    priors, sample, evaluate, summarize every output."""
    uncertain, constants = load_priors(path)
    rng = np.random.default_rng(seed)
    x = {**constants, **sample(uncertain, draws, rng, sampler)}
    with np.errstate(all="ignore"):
        y = model(x)
    del x
    return summarize(y, draws)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--draws", type=int, default=200_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--sampler", choices=("direct", "ppf"), default="direct")
    ap.add_argument("--json", action="store_true", help="print one JSON object")
    args = ap.parse_args(argv)
    if args.draws <= 0:
        ap.error("--draws must be positive")
    t0 = time.perf_counter()
    summary = run(args.draws, args.seed, args.sampler)
    elapsed = time.perf_counter() - t0
    if args.json:
        print(json.dumps({"draws": args.draws, "seed": args.seed, "sampler": args.sampler,
                          "seconds": elapsed, "outputs": summary}))
        return 0
    print_summary(f"plappert-2024 (hand-written numpy, sampler={args.sampler})  draws={args.draws:,}  "
                  f"seed={args.seed}  {elapsed:.2f} s", summary)
    return 0


def print_summary(title: str, summary: dict[str, dict[str, float]]) -> None:
    print(title)
    print(f"{'output':38s} {'mean':>11s} {'p05':>11s} {'p50':>11s} {'p95':>11s}")
    for name, s in summary.items():
        print(f"{name:38s} {s['mean']:11.4g} {s['p05']:11.4g} {s['p50']:11.4g} {s['p95']:11.4g}")


if __name__ == "__main__":
    sys.exit(main())

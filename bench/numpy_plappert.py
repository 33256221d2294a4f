"""plappert-2024 as a numpy expert writes it: the reference flopcast is measured against (issue 13).

Nothing from flopcast is imported. The script reads the same scenario TOML, derives every prior's
parameters with the same closed forms flopcast uses (lognormal from ci90: mu = mean of the log
bounds, sigma = log-width / (2 z95); PERT: Beta(1 + 4 (mode - low) / span, 1 + 4 (high - mode) / span)
on [low, high]; beta from ci90: the two quantile equations solved for (log alpha, log beta) by
Newton's method with ``scipy.special.betaincinv``, no ``scipy.optimize``), then, on one thread:

* draws in chunks of ``--chunk`` (2^20 ~ 1e6) with numpy's Generator (``standard_normal`` into a
  reused buffer for the lognormals, ``beta`` for the betas and the PERT);
* the Sora equations of Plappert (Factorial Funds, "Understanding the Sora compute", March 2024,
  section "Compute estimate"; flopcast's models/sora.py), scalar constants folded once, array
  arithmetic in place (``out=``) straight into one preallocated (outputs x draws) array;
* per output: the mean, then ONE ``np.partition`` at every order statistic needed for p05, p50,
  p95 (numpy's default 'linear' quantile) and their Monte Carlo standard error (the order
  statistics one binomial standard deviation of rank either side, as ArviZ's quantile MCSE with
  ESS = draws, in its normal approximation). An output that depends on no sampled input
  (ai_video_minutes_per_day) is summarised as its value.

    python bench/numpy_plappert.py --draws 10000000 --seed 1 [--chunk 1048576] [--json]
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):  # one thread
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import json  # noqa: E402
import math  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
import tomllib  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
from scipy import special  # noqa: E402

SCENARIO = Path(__file__).resolve().parent.parent / "priors" / "scenarios" / "plappert-2024.toml"
Z95 = 1.6448536269514722  # standard normal 95th percentile
PERT_LAMBDA = 4.0
PROBS = (0.05, 0.5, 0.95)
CHUNK = 1 << 20

# Model defaults of models/sora.py for inputs the scenario does not set (it sets all but these two).
DEFAULTS = {"h100_usd_per_hour": 2.5, "h100_power_kw": 1.4}
OUTPUTS = (
    "training_flops",
    "training_h100_months",
    "inference_flops_per_video_minute",
    "video_minutes_per_h100_hour",
    "break_even_video_minutes",
    "ai_video_minutes_per_day",
    "average_fleet_h100_full_utilization",
    "peak_fleet_h100",
    "inference_usd_per_video_minute",
    "peak_fleet_power_mw",
)


# -- priors ---------------------------------------------------------------------------------------


def lognormal_from_ci90(lo: float, hi: float) -> tuple[float, float]:
    return (math.log(lo) + math.log(hi)) / 2.0, (math.log(hi) - math.log(lo)) / (2.0 * Z95)


def beta_from_ci90(lo: float, hi: float) -> tuple[float, float]:
    """Alpha, beta whose 5th/95th percentiles are lo, hi: Newton's method on the logit-scale
    quantile equations in (log alpha, log beta), finite-difference Jacobian, started from the
    moment match of a normal with the same interval (flopcast's start and equations)."""
    m, sd = (lo + hi) / 2.0, (hi - lo) / (2.0 * Z95)
    k = max(m * (1 - m) / sd**2 - 1.0, 0.5)
    p, target = np.array([0.05, 0.95]), special.logit(np.array([lo, hi]))

    def residual(t):
        return special.logit(special.betaincinv(math.exp(t[0]), math.exp(t[1]), p)) - target

    t = np.log([m * k, (1 - m) * k])
    for _ in range(50):
        r = residual(t)
        if np.max(np.abs(r)) < 1e-13:
            break
        h = 1e-7
        jac = np.column_stack([(residual(t + h * e) - r) / h for e in np.eye(2)])
        t = t - np.linalg.solve(jac, r)
    a, b = np.exp(t)
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


def draw(prior: tuple, rng: np.random.Generator, out: np.ndarray) -> np.ndarray:
    """One chunk of one prior, in ``out`` where numpy allows it (the beta sampler allocates)."""
    family, *par = prior
    m = out.size
    if family == "lognormal":
        mu, sigma = par
        rng.standard_normal(m, out=out)
        out *= sigma
        out += mu
        return np.exp(out, out=out)
    if family == "beta":
        return rng.beta(par[0], par[1], m)
    low, high, a, b = par  # pert
    v = rng.beta(a, b, m)
    v *= high - low
    v += low
    return v


# -- the Sora equations (Plappert 2024), plain arrays (the squigglepy peer uses this one) -----------


def model(x: dict) -> dict[str, np.ndarray]:
    mult = x["sora_params"] / x["dit_params"]
    frames = x["video_seconds"] * x["fps"] / x["temporal_compression"]
    train = x["dit_train_flops"] * mult * x["dataset_multiplier"] * frames * x["video_fraction"]
    per_video = x["dit_flops_per_step"] * mult * frames * x["sampling_steps"]
    per_minute = per_video * 60.0 / x["video_seconds"]
    minutes_per_hour = x["h100_peak_flops"] * 3600.0 / per_minute
    minutes_per_day = (
        x["tiktok_minutes_per_day"] * x["tiktok_ai_share"] + x["youtube_minutes_per_day"] * x["youtube_ai_share"]
    )
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


# -- the same equations in place, one chunk at a time ----------------------------------------------


def model_chunk(c: dict[str, float], x: dict[str, np.ndarray], y: dict[str, np.ndarray]) -> None:
    """Write every sampled output of one chunk into the views ``y[name]``; ``x`` is overwritten.
    ``c`` holds the folded scalar constants (see ``fold``)."""
    a = np.divide(x["sora_params"], x["temporal_compression"], out=x["sora_params"])  # mult x frames / const
    per_minute = np.multiply(a, c["per_minute"], out=y["inference_flops_per_video_minute"])
    train = np.multiply(a, x["dataset_multiplier"], out=y["training_flops"])
    train *= c["train"]
    months = np.divide(train, x["training_utilization"], out=y["training_h100_months"])
    months *= c["months"]
    mph = np.divide(c["gpu_minutes"], per_minute, out=y["video_minutes_per_h100_hour"])
    np.divide(train, per_minute, out=y["break_even_video_minutes"])
    avg = np.divide(c["minutes_per_day"] / 24.0, mph, out=y["average_fleet_h100_full_utilization"])
    peak = np.divide(avg, x["inference_utilization"], out=y["peak_fleet_h100"])
    peak *= x["peak_factor"]
    peak *= x["generations_per_upload"]
    usd = np.multiply(mph, x["inference_utilization"], out=y["inference_usd_per_video_minute"])
    np.divide(c["usd_per_hour"], usd, out=usd)
    np.multiply(peak, c["kw"] / 1000.0, out=y["peak_fleet_power_mw"])


def fold(k: dict[str, float]) -> dict[str, float]:
    """Scalar products of the constants, computed once: per-minute FLOPs, training FLOPs and
    H100-months are (sora_params / temporal_compression) times these."""
    frames_x_tc = k["video_seconds"] * k["fps"]  # latent frames = this / temporal_compression
    return {
        "per_minute": k["dit_flops_per_step"]
        / k["dit_params"]
        * frames_x_tc
        * k["sampling_steps"]
        * 60.0
        / k["video_seconds"],
        "train": k["dit_train_flops"] / k["dit_params"] * frames_x_tc * k["video_fraction"],
        "months": 1.0 / (k["h100_peak_flops"] * (30 * 24 * 3600.0)),
        "gpu_minutes": k["h100_peak_flops"] * 3600.0,
        "minutes_per_day": k["tiktok_minutes_per_day"] * k["tiktok_ai_share"]
        + k["youtube_minutes_per_day"] * k["youtube_ai_share"],
        "usd_per_hour": k["h100_usd_per_hour"],
        "kw": k["h100_power_kw"],
    }


# -- summaries -------------------------------------------------------------------------------------


def ranks(n: int) -> tuple[list[int], list[tuple[int, int, float]], list[tuple[int, int]]]:
    """Order statistics (0-based) for numpy's 'linear' p05/p50/p95 and for their MCSE."""
    quant, mcse = [], []
    for q in PROBS:
        h = (n - 1) * q
        quant.append((math.floor(h), math.ceil(h), h - math.floor(h)))
        half = math.sqrt(n * q * (1 - q))
        mcse.append((min(max(math.floor(n * q - half), 0), n - 1), min(max(math.ceil(n * q + half), 0), n - 1)))
    kth = sorted({r for lo, hi, _ in quant for r in (lo, hi)} | {r for pair in mcse for r in pair})
    return kth, quant, mcse


def summarize(v: np.ndarray, n: int | None = None) -> dict[str, float]:
    """Mean, p05, p50, p95 and their MCSE from one partition; ``v`` is reordered in place."""
    v = np.asarray(v, dtype=float)
    if v.ndim == 0:  # a constant output
        c = float(v)
        return {"mean": c, "p05": c, "p50": c, "p95": c, "mcse_p05": 0.0, "mcse_p50": 0.0, "mcse_p95": 0.0}
    n = v.size
    out = {"mean": float(v.mean())}
    kth, quant, mcse = ranks(n)
    v.partition(kth)
    for name, (lo, hi, w), (a, b) in zip(("p05", "p50", "p95"), quant, mcse):
        out[name] = float(v[lo] + w * (v[hi] - v[lo]))
        out["mcse_" + name] = float(v[b] - v[a]) / 2.0
    return out


def run(draws: int, seed: int = 1, path: Path = SCENARIO, chunk: int = CHUNK) -> dict[str, dict[str, float]]:
    """Read the scenario, derive the priors, sample, evaluate, summarize every output."""
    uncertain, constants = load_priors(path)
    c = fold(constants)
    rng = np.random.default_rng(seed)
    sampled = [name for name in OUTPUTS if name != "ai_video_minutes_per_day"]
    y_all = np.empty((len(sampled), draws))
    buf = {name: np.empty(min(chunk, draws)) for name in uncertain}
    with np.errstate(all="ignore"):
        for start in range(0, draws, chunk):
            m = min(chunk, draws - start)
            x = {name: draw(prior, rng, buf[name][:m]) for name, prior in uncertain.items()}
            model_chunk(c, x, {name: y_all[j, start : start + m] for j, name in enumerate(sampled)})
    del buf, x
    rows = dict(zip(sampled, y_all))
    return {
        name: summarize(rows[name]) if name in rows else summarize(np.float64(c["minutes_per_day"])) for name in OUTPUTS
    }


def print_summary(title: str, summary: dict[str, dict[str, float]]) -> None:
    print(title)
    print(f"{'output':38s} {'mean':>11s} {'p05':>11s} {'p50':>11s} {'p95':>11s}")
    for name, s in summary.items():
        print(f"{name:38s} {s['mean']:11.4g} {s['p05']:11.4g} {s['p50']:11.4g} {s['p95']:11.4g}")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--draws", type=int, default=200_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--chunk", type=int, default=CHUNK, help="draws per chunk (default 2^20)")
    ap.add_argument("--json", action="store_true", help="print one JSON object")
    args = ap.parse_args(argv)
    if args.draws <= 0 or args.chunk <= 0:
        ap.error("--draws and --chunk must be positive")
    t0 = time.perf_counter()
    summary = run(args.draws, args.seed, chunk=args.chunk)
    elapsed = time.perf_counter() - t0
    if args.json:
        print(json.dumps({"draws": args.draws, "seed": args.seed, "seconds": elapsed, "outputs": summary}))
        return 0
    print_summary(
        f"plappert-2024 (numpy, chunks of {args.chunk:,})  draws={args.draws:,}  seed={args.seed}  {elapsed:.2f} s",
        summary,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

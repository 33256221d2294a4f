"""Record the seeded golden values that ``tests/test_golden_cli.py`` holds the CLI to.

Run from the repository root after a change that is *meant* to move numbers:
``python tests/golden/record.py``. Each case is a CLI command run with ``--json``; the JSON is
stored without the keys that name the output folder or the time.
"""

from __future__ import annotations

import contextlib
import io
import json
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
VOLATILE = {
    "folder",
    "created",
    "scenario_file",
    "elapsed_s",
    "version",
    "calibrated_scenario",
    "files",
    "sampling_seconds",
    "posterior_scenario",
    "evidence",
}

SCENARIOS = [
    "dit-xl",
    "llm-economics",
    "llm-training",
    "pipeline-bubble",
    "plappert-2024",
    "sora-2026",
    "tokens-per-video",
    "video-diffusion",
]
KEY = {  # one output per scenario for sensitivity and stress, with a headline near its band
    "dit-xl": ("break_even_images", None),
    "llm-economics": ("inference_usd_per_1k_tokens", None),
    "llm-training": ("training_gpu_hours", None),
    "pipeline-bubble": ("bubble_fraction", None),
    "plappert-2024": ("peak_fleet_h100", 720000),
    "sora-2026": ("peak_fleet_gpus", None),
    "tokens-per-video": ("tokens_per_video", 1.2e6),
    "video-diffusion": ("gpu_seconds_per_video", None),
}


def cases() -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for sc in SCENARIOS:
        out[f"run:{sc}"] = ["run", sc, "--draws", "20000", "--seed", "1", "--no-report"]
        out[f"run-lhs:{sc}"] = ["run", sc, "--draws", "5000", "--seed", "2", "--sampler", "lhs", "--no-report"]
        out[f"point:{sc}"] = ["run", sc, "--point", "--no-report"]
        output, headline = KEY[sc]
        out[f"sensitivity:{sc}"] = ["sensitivity", sc, "--output", output, "--n", "256", "--seed", "1", "--log"]
        if headline is not None:
            out[f"stress:{sc}"] = [
                "stress",
                sc,
                "--output",
                output,
                "--headline",
                str(headline),
                "--draws",
                "20000",
                "--seed",
                "1",
            ]
        out[f"audit:{sc}"] = ["audit", sc, "--draws", "20000", "--seed", "1"]
    out["compare:plappert-vs-sora2026"] = ["compare", "plappert-2024", "sora-2026", "--draws", "20000", "--seed", "1"]
    out["compare-outputs"] = ["compare-outputs", "--draws", "5000", "--seed", "1"]
    out["waterfall:sora-2026"] = ["waterfall", "sora-2026"]
    out["calibrate:video-diffusion"] = [
        "calibrate",
        "video-diffusion",
        "--evidence",
        "video-timings",
        "--draws",
        "400",
        "--tune",
        "400",
        "--chains",
        "2",
        "--seed",
        "3",
        "--propagate-draws",
        "5000",
    ]
    return out


def strip(obj):
    if isinstance(obj, dict):
        return {k: strip(v) for k, v in obj.items() if k not in VOLATILE}
    if isinstance(obj, list):
        return [strip(v) for v in obj]
    return obj


def main_function():
    from flopcast.cli import main

    return main


def run_case(argv: list[str]) -> tuple[int, object]:
    main = main_function()
    with tempfile.TemporaryDirectory() as tmp:
        buf = io.StringIO()
        with contextlib.redirect_stdout(buf):
            code = main([*argv, "--json", "--out", str(Path(tmp) / "out")])
    text = buf.getvalue().strip().splitlines()
    return code, strip(json.loads(text[-1])) if text else None


if __name__ == "__main__":
    wanted = sys.argv[1:]
    results = {}
    for name, argv in cases().items():
        if wanted and not any(name.startswith(w) for w in wanted):
            continue
        code, obj = run_case(argv)
        if code != 0:
            print(f"{name}: exit {code}", file=sys.stderr)
            continue
        results[name] = obj
        print(f"recorded {name}", file=sys.stderr)
    path = HERE / "cli_golden.json"
    old = json.loads(path.read_text()) if path.exists() and wanted else {}
    old.update(results)
    path.write_text(json.dumps(old, indent=1, sort_keys=True) + "\n")

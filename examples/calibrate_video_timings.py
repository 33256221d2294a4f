"""Calibrate the video-diffusion scenario on the bundled single-GPU timings (heavy: not run in CI).

    python examples/calibrate_video_timings.py [OUT_DIR]

2000 draws x 4 chains after 2000 tuning steps (about 20-30 s on two cores), then the prior and the
calibrated scenario propagated with the scenario's 200,000 draws and the same seed. Writes the
calibration folder (posterior.nc, video-diffusion-calibrated.toml, report.html, ...) under outputs/
unless OUT_DIR is given. The same from the command line:

    flopcast calibrate video-diffusion --evidence priors/evidence/video-timings.toml \
        --draws 2000 --tune 2000 --chains 4 --seed 20251122
"""

from __future__ import annotations

import sys
from pathlib import Path

from flopcast import outdir
from flopcast.analyze.calibration import calibrate
from flopcast.cli.calibrate import summary_text
from flopcast.report.calibration import write_calibration

ROOT = Path(__file__).resolve().parent.parent
SEED = 20251122


def main(argv: list[str]) -> int:
    out = Path(argv[0]) if argv else None
    outdir.check_out(out)
    cal = calibrate(
        "video-diffusion",
        ROOT / "priors" / "evidence" / "video-timings.toml",
        draws=2000,
        tune=2000,
        chains=4,
        seed=SEED,
    )
    target = out or outdir.default_folder("calibrate", cal.scenario.name, cal.seed)
    with outdir.staged(target) as stage:
        write_calibration(cal, stage)
    print(summary_text(cal))
    for w in cal.warnings:
        print(f"warning: {w}")
    for name in ("inference_utilization", "overhead_fraction"):
        s = cal.inputs[name]
        print(
            f"{name}: prior {s.prior.median:.3f} [{s.prior.p05:.3f}, {s.prior.p95:.3f}] -> posterior "
            f"{s.posterior.median:.3f} [{s.posterior.p05:.3f}, {s.posterior.p95:.3f}]"
        )
    print(f"wrote {target}/; run it: flopcast run {target / cal.toml_name}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""``flopcast hardware``: the accelerator library (priors/hardware.toml) as a table with units and
sources, or one JSON object. It only parses and calls the API (``fc.hardware()``)."""

from __future__ import annotations

from flopcast.analyze.hardware import hardware
from flopcast.cli.options import command
from flopcast.cli.skeleton import emit_json
from flopcast.fmt import table
from flopcast.report.text import clip, safe, wrap


def register(sub) -> None:
    """Add ``hardware`` to the CLI's subparsers."""

    p = command(
        sub,
        "hardware",
        cmd_hardware,
        "the accelerator library: dense peaks, memory, power, rental range, each with its source",
        "json",
        skeleton=False,
        description="Every accelerator --gpu NAME can choose. Peaks are dense (datasheet figures 'with "
        "sparsity' halved); a figure no public source gives is shown as '-'.",
    )
    p.add_argument("--sources", action="store_true", help="print every source in full (default: first 100 characters)")


def cmd_hardware(args) -> int:

    lib = hardware()
    if args.json:
        emit_json(lib.to_json())
        return 0
    accs = lib.accelerators

    def num(v, scale=1.0, fmt="{:,.0f}"):
        return "-" if v is None else fmt.format(v / scale)

    rows = [
        [
            a.name,
            a.vendor,
            num(a.dense_bf16_flops, 1e12),
            num(a.dense_fp8_flops, 1e12),
            num(a.memory_gb, 1, "{:g}"),
            num(a.memory_bandwidth, 1, "{:g}"),
            num(a.power_w),
            _price(a.usd_per_hour),
        ]
        for a in accs
    ]
    print(
        safe(
            table(
                ["accelerator", "vendor", "BF16 TFLOP/s", "FP8 TFLOP/s", "memory GB", "TB/s", "power W", "USD/h"],
                rows,
                "llrrrrrr",
            )
        )
    )
    print("peaks are dense (no sparsity); USD/h: public on-demand range per accelerator-hour; '-': not published")
    print("sources:")
    for a in accs:
        for figure, source in a.sources.items():
            line = f"{a.name} {figure}: " + " ".join(source.split())
            print("\n".join(wrap(line, "  ")) if args.sources else clip(safe("  " + line)))
    return 0


def _price(low_high) -> str:
    if low_high is None:
        return "-"
    low, high = low_high
    return f"{low:.2f}" if low == high else f"{low:.2f}-{high:.2f}"

"""The accelerator library (``priors/hardware.toml``) as a result: ``fc.hardware()`` in a notebook
is a table of dense peaks, memory and power, ``to_json()`` what ``flopcast hardware --json`` prints."""

from __future__ import annotations

from dataclasses import dataclass

from flopcast.priors.hardware import Accelerator, library
from flopcast.results import Result


@dataclass(frozen=True, repr=False)
class Hardware(Result):
    accelerators: tuple[Accelerator, ...]

    def __iter__(self):  # for accelerator in fc.hardware()
        return iter(self.accelerators)

    def __len__(self) -> int:
        return len(self.accelerators)

    def __getitem__(self, i):
        return self.accelerators[i]

    def __repr__(self) -> str:
        return f"<Hardware: {len(self.accelerators)} accelerators: {', '.join(a.name for a in self.accelerators)}>"

    def to_json(self) -> dict:
        return {"accelerators": [a.to_json() for a in self.accelerators]}

    def _rows(self) -> list[dict]:
        """One row per accelerator; figures in their units (FLOP/s, GB, TB/s, W, USD/accelerator-hour)."""
        rows = []
        for a in self.accelerators:
            low, high = a.usd_per_hour if a.usd_per_hour is not None else (None, None)
            rows.append(
                {
                    "accelerator": a.name,
                    "vendor": a.vendor,
                    "dense_bf16_flops": a.dense_bf16_flops,
                    "dense_fp8_flops": a.dense_fp8_flops,
                    "memory_gb": a.memory_gb,
                    "memory_bandwidth_tb_s": a.memory_bandwidth,
                    "power_w": a.power_w,
                    "usd_per_hour_low": low,
                    "usd_per_hour_high": high,
                }
            )
        return rows


def hardware() -> Hardware:
    """``fc.hardware()``: every accelerator ``gpu=`` / ``--gpu`` can choose, with its sources."""
    return Hardware(tuple(library()))

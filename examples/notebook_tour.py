"""A notebook session, as a script (the tests run it; paste the cells into Jupyter as they are).

    python examples/notebook_tour.py [OUT_DIR]

Plappert's Sora estimate with two assumptions changed, where the published 720k H100s sits in
the band, what the source's own assumptions give, and the run saved as the CLI would save it.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import flopcast as fc

# %% One run: 200,000 draws; dataset_multiplier fixed at the source's optimistic 10x, and
# sora_params given a 90% interval of 5B-60B parameters (a pair means a 90% interval).
r = fc.run("plappert-2024", draws=200_000, seed=1, set={"dataset_multiplier": 10, "sora_params": (5e9, 60e9)})
table = r.summary()  # pandas DataFrame: one row per output
print(table.loc[["training_h100_months", "peak_fleet_h100"], ["unit", "median", "p05", "p95", "mcse_p50"]])

# %% The draws, labelled: xarray with units in attrs.
ds = r.samples
print(ds["peak_fleet_h100"].attrs["unit"], ds.sizes["draw"])

# %% Where the published 720k sits, on this run's own draws.
st = r.stress("peak_fleet_h100", 720_000)
print(st.sentences[0])

# %% The audit: every published figure re-derived from the source's own stated assumptions.
au = fc.audit("plappert-2024", draws=50_000, seed=1)
for line in au.lines:
    print(f"{line.label}: published {line.published:,.0f}, re-derived {line.rederived:,.0f} {line.unit}")

# %% Which assumption drives the band (variance shares of log(peak fleet)).
sens = fc.sensitivity("plappert-2024", "peak_fleet_h100", n=1024, seed=1, log=True)
top = max(sens.inputs.values(), key=lambda s: s.st or 0.0)
print(f"largest total Sobol index: {top.input} ({top.st:.2f})")

# %% Save what `flopcast run` writes (figures, report.html, samples.nc).
out = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(tempfile.mkdtemp()) / "tour"
print("wrote", r.save(out))

"""What a run holds and imports (issue 13): a fixed output is one value broadcast over the draws (no
array of copies), a CLI run keeps sampled inputs only for the draws samples.nc saves, and a run
without a report imports no plotting, dataframe, cluster or PPL library. The summaries do not change."""

import subprocess
import sys

import numpy as np
import pytest

from flopcast import engine
from flopcast.summary import summarize


@pytest.fixture(scope="module")
def full():
    return engine.run("plappert-2024", draws=50_000, seed=21)


def test_fixed_output_is_a_broadcast_value(full):
    v = full.outputs["ai_video_minutes_per_day"]  # plappert-2024: depends on fixed inputs only
    assert v.strides == (0,) and v.shape == (50_000,)
    assert full.summary["ai_video_minutes_per_day"] == summarize(
        np.array(v), full.plan.unit("ai_video_minutes_per_day")
    )
    assert all(full.outputs[n].strides == (8,) for n in full.outputs if n != "ai_video_minutes_per_day")


# kept inputs: none, a prefix that is not a multiple of the chunk, all
@pytest.mark.parametrize("keep", [0, 12_345, 50_000])
def test_keep_inputs_keeps_a_prefix_and_the_same_summaries(full, keep):
    part = engine.run("plappert-2024", draws=50_000, seed=21, keep_inputs=keep, chunk_size=8192)
    assert part.summary == full.summary
    for name, values in full.inputs.items():
        np.testing.assert_array_equal(part.inputs[name], values[:keep])


def test_no_report_run_imports_no_heavy_library(tmp_path):
    code = (
        "import sys; from flopcast.cli.app import main; "
        f"main(['run', 'plappert-2024', '--draws', '20000', '--no-report', '--quiet', '--out', r'{tmp_path / 'r'}']); "
        "print('IMPORTED:' + ' '.join(m for m in ('matplotlib', 'pandas', 'dask', 'distributed', 'pymc', 'xarray', 'arviz', "
        "'scipy.stats', 'scipy.optimize') "
        "if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    imported = [line for line in out.splitlines() if line.startswith("IMPORTED:")]
    assert imported == ["IMPORTED:"], imported
    assert any(tmp_path.rglob("samples.nc"))

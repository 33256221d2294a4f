import textwrap
from pathlib import Path

import pytest

# The report layer registers how every bundled result is rendered (and worded: a stress test's JSON
# holds its sentences) when imported; ``import flopcast as fc`` and the command line import it before
# any result exists, and so do the tests that build results from flopcast.analyze directly.
import flopcast.report.registry  # noqa: F401

# A small scenario of the sora model written from scratch, used by the bad-input tests.
MINI = """
[scenario]
name = "mini"
model = "sora"
description = "test scenario"

[priors.sora_params]
dist = "lognormal"
ci90 = [5e9, 60e9]
point = 20.25e9

[priors.dataset_multiplier]
dist = "uniform"
low = 4
high = 10
point = 4

[priors.temporal_compression]
dist = "constant"
value = 8

[priors.video_seconds]
dist = "constant"
value = 60

[priors.fps]
dist = "constant"
value = 24

[priors.video_fraction]
dist = "constant"
value = 0.5

[priors.sampling_steps]
dist = "constant"
value = 250

[priors.training_utilization]
dist = "beta"
ci90 = [0.25, 0.55]

[priors.inference_utilization]
dist = "constant"
value = 0.5

[priors.tiktok_minutes_per_day]
dist = "constant"
value = 17e6

[priors.youtube_minutes_per_day]
dist = "constant"
value = 43e6

[priors.tiktok_ai_share]
dist = "constant"
value = 0.5

[priors.youtube_ai_share]
dist = "constant"
value = 0.15

[priors.peak_factor]
dist = "constant"
value = 2

[priors.generations_per_upload]
dist = "constant"
value = 2
"""


@pytest.fixture
def write_scenario(tmp_path: Path):
    """Write a scenario file (MINI, optionally edited) and return its path."""

    def _write(text: str = MINI, name: str = "mini.toml") -> Path:
        path = tmp_path / name
        path.write_text(textwrap.dedent(text))
        return path

    return _write

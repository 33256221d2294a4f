"""File formats live in flopcast.priors: comparison files (typed, validated), evidence files read
without a plan, the bundled scenarios' heads read without numpy, and no TOML parsing in the engine."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from flopcast.priors.catalog import bundled_scenario_heads
from flopcast.priors.comparison import Comparison, bundled_comparisons, load_comparison
from flopcast.priors.errors import InputError
from flopcast.priors.evidence import EVIDENCE_DIR, bundled_evidence, load_evidence
from flopcast.priors.scenario import bundled_scenarios, load_scenario

ROOT = Path(__file__).resolve().parent.parent

GOOD_HEAD = '[comparison]\ntitle = "t"\nunit = "FLOP"\n'
GOOD_ENTRY = '[[entry]]\nlabel = "a"\nscenario = "dit-xl"\noutput = "inference_flops_per_image"\n'

# (case, file text, where the error points, what the reason says)
BAD_COMPARISONS = [
    ("unknown top-level key", GOOD_HEAD + GOOD_ENTRY + "[extra]\nx = 1\n", "c.toml: extra", "unknown key"),
    ("unknown header key", GOOD_HEAD + 'titel = "t"\n' + GOOD_ENTRY, "c.toml: comparison.titel", "unknown key"),
    ("unknown entry key", GOOD_HEAD + GOOD_ENTRY + "scael = 2\n", "c.toml: entry[0].scael", "unknown key"),
    ("no header", GOOD_ENTRY, "c.toml: comparison", "missing table"),
    ("no unit", '[comparison]\ntitle = "t"\n' + GOOD_ENTRY, "c.toml: comparison.unit", "missing"),
    (
        "title not a string",
        '[comparison]\ntitle = 3\nunit = "FLOP"\n' + GOOD_ENTRY,
        "c.toml: comparison.title",
        "must be a string",
    ),
    ("no entries", GOOD_HEAD, "c.toml: entry", "at least one [[entry]]"),
    (
        "entry without output",
        GOOD_HEAD + '[[entry]]\nlabel = "a"\nscenario = "dit-xl"\n',
        "c.toml: entry[0].output",
        "missing",
    ),
    ("scale not positive", GOOD_HEAD + GOOD_ENTRY + "scale = -2\n", "c.toml: entry[0].scale", "positive number"),
    ("scale a boolean", GOOD_HEAD + GOOD_ENTRY + "scale = true\n", "c.toml: entry[0].scale", "positive number"),
    ("set not a list", GOOD_HEAD + GOOD_ENTRY + 'set = "params=1"\n', "c.toml: entry[0].set", "'NAME=VALUE'"),
    ("set item without =", GOOD_HEAD + GOOD_ENTRY + 'set = ["params"]\n', "c.toml: entry[0].set", "'NAME=VALUE'"),
    ("note not a string", GOOD_HEAD + GOOD_ENTRY + "note = 1\n", "c.toml: entry[0].note", "must be a string"),
    ("malformed TOML", GOOD_HEAD + "[[entry]\n", "c.toml", "malformed TOML"),
]


@pytest.mark.parametrize("case, text, where, reason", BAD_COMPARISONS, ids=[c[0] for c in BAD_COMPARISONS])
def test_bad_comparison_names_file_and_field(tmp_path, case, text, where, reason):
    path = tmp_path / "c.toml"
    path.write_text(text)
    with pytest.raises(InputError) as info:
        load_comparison(path)
    assert info.value.where == where and reason in info.value.reason, str(info.value)


def test_bundled_comparison_is_typed():
    (path,) = bundled_comparisons()
    comparison = load_comparison(path.stem)
    assert isinstance(comparison, Comparison) and comparison.name == path.stem == "inference-per-output"
    assert comparison.unit and comparison.title and len(comparison.entries) == 5
    llama = next(e for e in comparison.entries if e.label.startswith("Llama-2-70B"))
    assert llama.scale == 1000.0 and llama.set == ("params=70e9",)
    assert comparison.header()["title"] == comparison.title


def test_unknown_comparison_lists_the_bundled_ones():
    with pytest.raises(InputError, match="bundled: inference-per-output"):
        load_comparison("no-such-comparison")


def test_evidence_reads_without_a_plan():
    names = [p.stem for p in bundled_evidence()]
    assert names == ["llm-training", "sora2-economics", "video-timings", "video-training"]
    timings = load_evidence("video-timings")
    tables = timings.path.read_text().count("\n[[observation]]") if hasattr(timings, "path") else None
    n = tables if tables is not None else (EVIDENCE_DIR / "video-timings.toml").read_text().count("\n[[observation]]")
    assert timings.scenario == "video-diffusion" and len(timings) == n and timings.file == "video-timings.toml"


def test_scenario_heads_match_the_full_loader():
    heads = bundled_scenario_heads()
    assert [h.name for h in heads] == [p.stem for p in bundled_scenarios()]
    for h in heads:
        sc = load_scenario(h.name)
        assert (h.model, h.description) == (sc.model, sc.description)
        assert set(h.to_json()) == {"name", "model", "description"}


def test_scenario_heads_import_neither_numpy_nor_scipy(tmp_path):
    code = (
        "import sys\nfrom flopcast.priors import bundled_scenario_heads\nassert bundled_scenario_heads()\n"
        "print(sorted(m for m in ('numpy', 'scipy') if m in sys.modules))"
    )
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    proc = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[]"


# the engine reads no file format: allowed are file names written into outputs and help texts
ALLOWED_TOML: list[tuple[str, str]] = []


def test_engine_parses_no_toml():
    offenders = []
    for path in sorted((ROOT / "simulate").rglob("*.py")):
        rel = path.relative_to(ROOT / "simulate").as_posix()
        text = path.read_text()
        if re.search(r"^\s*(import tomllib|from tomllib)", text, re.M) and not any(rel == f for f, _ in ALLOWED_TOML):
            offenders.append(rel)
    assert not offenders, offenders

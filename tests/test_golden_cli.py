"""Seeded golden values: every bundled scenario through run, sensitivity, stress, audit, compare,
compare-outputs, waterfall and calibrate, recorded by ``tests/golden/record.py`` before the engine
moved into the ``flopcast`` package. The same seed must give the same numbers, whatever the layout.
Numbers, names, units and structure are compared; generated sentences (``PROSE``) are not: their
wording has its own small snapshot test (tests/test_wording.py)."""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent / "golden"))
import record  # noqa: E402

GOLDEN = json.loads((Path(record.__file__).parent / "cli_golden.json").read_text())

# generated wording: not held to the golden numbers here (a change of words is not a change of
# numbers); tests/test_wording.py pins it for a few cases
PROSE = {"summary", "sentence", "warnings"}

# tolerance per command family: the moves change no arithmetic, so floats agree to rounding;
# NUTS in PyTensor may compile to differently fused C code, hence its looser row.
RTOL = [("calibrate:", 1e-6), ("", 1e-12)]


def _rtol(name: str) -> float:
    return next(tol for prefix, tol in RTOL if name.startswith(prefix))


def _same(got, want, rtol: float, where: str = "") -> list[str]:
    if isinstance(want, dict):
        if not isinstance(got, dict) or set(got) != set(want):
            return [f"{where}: keys {sorted(got) if isinstance(got, dict) else got!r} != {sorted(want)}"]
        return [p for k in want if k not in PROSE for p in _same(got[k], want[k], rtol, f"{where}.{k}")]
    if isinstance(want, list):
        if not isinstance(got, list) or len(got) != len(want):
            return [f"{where}: {got!r} != {want!r}"]
        return [p for i, (g, w) in enumerate(zip(got, want)) for p in _same(g, w, rtol, f"{where}[{i}]")]
    if isinstance(want, float) and isinstance(got, (int, float)) and not isinstance(got, bool):
        return [] if math.isclose(got, want, rel_tol=rtol, abs_tol=1e-300) else [f"{where}: {got!r} != {want!r}"]
    return [] if got == want else [f"{where}: {got!r} != {want!r}"]


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(record.cases()))
def test_same_numbers_as_recorded(name):
    assert name in GOLDEN, f"no golden values for {name}; run tests/golden/record.py {name}"
    code, obj = record.run_case(record.cases()[name])
    assert code == 0
    problems = _same(obj, GOLDEN[name], _rtol(name))
    assert not problems, "\n".join(problems[:20])

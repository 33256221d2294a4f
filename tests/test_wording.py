"""Wording snapshot: the sentences stress and audit print for plappert-2024 (seeded), word for word
as recorded in tests/golden/cli_golden.json by tests/golden/record.py. The golden test compares
numbers only; a deliberate change of wording is re-recorded for these cases."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent / "golden"))
import record  # noqa: E402

GOLDEN = json.loads((Path(record.__file__).parent / "cli_golden.json").read_text())


def _prose(obj, where: str = "", keys=("summary", "sentence", "warnings")) -> dict[str, object]:
    """{path: sentence or list of sentences} for every generated-wording field."""
    if isinstance(obj, dict):
        out = {}
        for k, v in obj.items():
            out |= {f"{where}.{k}": v} if k in keys else _prose(v, f"{where}.{k}", keys)
        return out
    if isinstance(obj, list):
        return {p: t for i, v in enumerate(obj) for p, t in _prose(v, f"{where}[{i}]", keys).items()}
    return {}


@pytest.mark.parametrize("case", ["stress:plappert-2024", "audit:plappert-2024"])
def test_sentences_as_recorded(case):
    code, obj = record.run_case(record.cases()[case])
    assert code == 0
    want = _prose(GOLDEN[case])
    assert want, "the recorded case holds sentences"
    assert _prose(obj) == want

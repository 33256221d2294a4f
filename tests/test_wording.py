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


def test_results_hold_numbers_the_report_holds_words():
    """Stress and the FLOP-convention findings carry numbers; their sentences are written by
    report/text.py (through the registry) and only added to the JSON."""
    import dataclasses

    import flopcast as fc
    from flopcast.analyze.conventions import Finding
    from flopcast.analyze.stress import Stress
    from flopcast.report import text

    assert "sentences" not in {f.name for f in dataclasses.fields(Stress)}
    assert not hasattr(Finding, "sentence")
    st = fc.run("plappert-2024", draws=4000, seed=1).stress("peak_fleet_h100", 720_000)
    assert st.to_json()["summary"] == st.sentences == text.stress_sentences(st)
    au = fc.audit("dit-xl", draws=2000, seed=1)  # dit-xl counts MACs as FLOPs: premise findings
    findings = au.conventions.findings
    assert findings and all("sentence" not in f.to_json() for f in findings)
    assert [f["sentence"] for f in au.to_json()["conventions"]["findings"]] == [
        text.finding_sentence(f) for f in findings
    ]

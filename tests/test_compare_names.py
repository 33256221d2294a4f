"""compare A B whose outputs are named differently: say which were left out and point to --map."""

from flopcast.analyze.compare import compare
from flopcast.report.text import compare_lines


def test_outputs_named_differently_are_named_with_a_map_hint():
    cmp = compare("plappert-2024", "sora-2026", draws=2000, seed=1)
    assert "peak_fleet_h100" in cmp.unmatched["a"] and "peak_fleet_gpus" in cmp.unmatched["b"]
    note = cmp.unmatched_note()
    assert "--map" in note and "--map training_h100_months=training_gpu_months" in note
    text = "\n".join(compare_lines(cmp))
    assert "names differ" in text and all(len(line) <= 100 for line in text.splitlines()[-8:])
    assert cmp.to_json()["not_compared"]["b"] == cmp.unmatched["b"]


def test_mapped_outputs_leave_no_note():
    cmp = compare("plappert-2024", "sora-2026", draws=2000, seed=1, mapping={"peak_fleet_h100": "peak_fleet_gpus"})
    assert list(cmp.outputs) == ["peak_fleet_h100=peak_fleet_gpus"] and cmp.unmatched_note() == ""

"""What is bundled, read without numpy or scipy: the ``[scenario]`` head of every bundled scenario
(for ``flopcast scenarios``, which must start fast). Full loading and validation is
``flopcast.priors.scenario.load_scenario``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path

from flopcast.priors.errors import InputError
from flopcast.priors.toml_io import read_toml

SCENARIO_DIR = Path(__file__).resolve().parent / "scenarios"


@dataclass(frozen=True)
class ScenarioHead:
    name: str  # the file's stem: what `flopcast run NAME` takes
    model: str
    description: str

    def to_json(self) -> dict[str, str]:
        return asdict(self)


def bundled_scenario_heads() -> list[ScenarioHead]:
    """Name (file stem), model and description of every bundled scenario, sorted by name."""
    heads = []
    for path in sorted(SCENARIO_DIR.glob("*.toml")):
        data = read_toml(path)
        head = data.get("scenario")
        if not isinstance(head, dict):
            raise InputError(f"{path.name}: [scenario]", "missing table; it needs at least name and model")
        for key in ("model", "description"):
            if not isinstance(head.get(key, ""), str):
                raise InputError(f"{path.name}: scenario.{key}", "must be a string")
        heads.append(ScenarioHead(path.stem, head.get("model", ""), head.get("description", "")))
    return heads

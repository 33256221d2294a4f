"""How a model module describes itself to the engine.

A model module (``models/<name>.py``) defines:

- ``INPUTS``: ``{name: Quantity}``; a ``default`` makes the input optional in scenarios;
- ``OUTPUTS``: ``{name: Quantity}``;
- ``KEY_OUTPUTS``: the outputs a report leads with;
- ``evaluate(x) -> {output: value}``: pure arithmetic on a mapping of named arrays, no sampling.
  It must work on numpy arrays (any broadcastable shapes) and on PyTensor tensors alike, so use
  operators and ``x ** y`` only, never ``np.`` functions or Python control flow on values.

Optionally ``check(x) -> [(input, reason)]`` for constraints an input's prior cannot express.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Quantity:
    unit: str
    description: str
    default: float | None = None
    source: str = ""

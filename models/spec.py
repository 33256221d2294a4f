"""How a model module describes itself to the engine.

A model module (``models/<name>.py``) defines:

- ``INPUTS``: ``{name: Quantity}``; a ``default`` makes the input optional in scenarios;
- ``OUTPUTS``: ``{name: Quantity}``;
- ``KEY_OUTPUTS``: the outputs a report leads with;
- ``evaluate(x) -> {output: value}``: pure arithmetic on a mapping of named arrays, no sampling.
  It must work on numpy arrays (any broadcastable shapes) and on PyTensor tensors alike, so use
  operators and ``x ** y`` only, never ``np.`` functions or Python control flow on values.

Every Quantity declares its ``domain``, the values it can take (one of ``DOMAINS``):

- ``"positive"`` (> 0), ``"nonnegative"`` (>= 0), ``"real"``;
- ``"fraction"`` ([0, 1]) and ``"open_fraction"`` ((0, 1]: a share something is divided by, such as a
  utilization);
- ``"count"`` (>= 1): a number of things that the equations treat as continuous, so a prior may
  describe an average (frames, pipeline stages, guidance passes);
- ``"integer"`` (a whole number >= 1) and ``"switch"`` (0 or 1): fixed by a constant, never sampled.

Counts whose bundled priors are lognormal (denoising steps, layers, micro-batches) are ``"positive"``:
a lognormal cannot respect a lower bound of 1. Binding a scenario refuses a prior whose support leaves
an input's domain; the engine checks every drawn input and every output against its domain.

An input an accelerator determines says which figure with ``hardware=`` (one of ``HARDWARE``);
``--gpu NAME`` then takes it from the accelerator library (priors/hardware.py).

Optionally ``check(x) -> [(input, reason)]`` for constraints a domain cannot express (a frame count
that fits the VAE, a peak factor of at least 1); it sees point values only.

A FLOP count or a peak FLOP/s input may declare ``convention`` (``models/_convention.py``): how the
figure is counted as published (MACs or FLOPs, dense or sparse peak, forward only or forward + backward)
and what the equation expects (FLOPs and dense peaks). ``flopcast audit`` reports a difference as a
premise finding; ``flop_convention = "corrected"`` in a scenario converts the figure.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from flopcast.models._convention import FlopConvention


@dataclass(frozen=True)
class Domain:
    """The values a quantity can take: an interval, open or closed at each end, optionally whole numbers.

    ``contains`` uses operators only, so it works elementwise on numpy arrays and on floats.
    """

    name: str
    lower: float
    upper: float
    lower_open: bool = False
    upper_open: bool = False
    whole: bool = False
    label: str = ""  # how a message names a quantity of this domain: "a fraction"

    def contains(self, v):
        low = (v > self.lower) if self.lower_open else (v >= self.lower)
        high = (v < self.upper) if self.upper_open else (v <= self.upper)
        inside = low & high
        return inside & (v % 1 == 0) if self.whole else inside

    @property
    def interval(self) -> str:
        """``(0, inf)``, ``[0, 1]``, ``{0, 1}``, ``{1, 2, 3, ...}``."""
        if self.whole:
            return "{0, 1}" if self.upper == 1 else "{1, 2, 3, ...}"
        lo = "-inf" if self.lower == -math.inf else f"{self.lower:g}"
        hi = "inf" if self.upper == math.inf else f"{self.upper:g}"
        return f"{'(' if self.lower_open else '['}{lo}, {hi}{')' if self.upper_open else ']'}"

    def __str__(self) -> str:
        return f"{self.label} in {self.interval}"


_INF = math.inf
DOMAINS: dict[str, Domain] = {
    d.name: d
    for d in (
        Domain("positive", 0.0, _INF, True, True, label="a positive quantity"),
        Domain("nonnegative", 0.0, _INF, False, True, label="a nonnegative quantity"),
        Domain("fraction", 0.0, 1.0, label="a fraction"),
        Domain("open_fraction", 0.0, 1.0, True, False, label="a nonzero fraction"),
        Domain("count", 1.0, _INF, False, True, label="a count"),
        Domain("integer", 1.0, _INF, False, True, whole=True, label="a whole number"),
        Domain("switch", 0.0, 1.0, whole=True, label="a switch"),
        Domain("real", -_INF, _INF, True, True, label="a real number"),
    )
}


# What an input may take from the accelerator chosen with --gpu (priors/hardware.py): its dense peak at
# the scenario's precision [FLOP/s], its rental price [USD/accelerator-hour], its all-in power [kW], its
# memory bandwidth [TB/s], and the H100 SXM's dense peak at the same precision (what H100-equivalents
# are counted in).
HARDWARE = ("peak_flops", "usd_per_hour", "power_kw", "memory_bandwidth", "reference_peak_flops")


@dataclass(frozen=True)
class Quantity:
    unit: str
    description: str
    default: float | None = None
    source: str = ""
    domain: Domain | str | None = None  # a name in DOMAINS, stored as the Domain
    convention: FlopConvention | None = None  # how a FLOP figure is counted (models/_convention.py)
    hardware: str | None = None  # the accelerator figure this input takes (priors/hardware.py): a HARDWARE name

    def __post_init__(self) -> None:
        if self.hardware is not None and self.hardware not in HARDWARE:
            raise ValueError(f"unknown hardware figure {self.hardware!r}; one of {', '.join(HARDWARE)}")
        if isinstance(self.domain, str):
            if self.domain not in DOMAINS:
                raise ValueError(f"unknown domain {self.domain!r}; one of {', '.join(DOMAINS)}")
            object.__setattr__(self, "domain", DOMAINS[self.domain])

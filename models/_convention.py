"""FLOP conventions: how a published compute figure was counted, and how an equation counts.

A figure of "FLOPs" can mean different things, each off by a fixed factor from the others:

- ``count``: ``"mac"`` counts one multiply-accumulate as one operation (fvcore's FlopCountAnalysis:
  "We count one fused multiply-add as one flop", facebookresearch/fvcore, fvcore/nn/flop_count.py;
  the DiT paper's "Gflops" follow it: W. Peebles in facebookresearch/DiT issue #14, 2023-02-09, "we use
  the representation learning literature's convention of counting flops effectively as MACs"), ``"flop"``
  counts the multiply and the add (2 FLOPs per MAC: the convention of GPU peak FLOP/s and of the 2N /
  6N rules of Kaplan et al. 2020, "Scaling Laws for Neural Language Models", section 2.1);
- ``peak``: a peak FLOP/s ``"dense"`` or ``"sparse"`` (NVIDIA quotes tensor-core peaks with 2:4
  structured sparsity at twice the dense figure: H100 SXM 1,979 vs 989.4 TFLOPS BF16, H100 datasheet);
- ``passes``: ``"forward"`` only or ``"forward+backward"`` (training: the backward pass costs about twice
  the forward, so 6N vs 2N per token, Kaplan et al. 2020 section 2.1; DiT's training compute is
  "model Gflops x batch size x training steps x 3", Peebles & Xie 2023, arXiv:2212.09748, section 4).

A model input declares both sides in its Quantity's ``convention``: how the figure is counted as
published and what the model's equation expects. ``mismatches`` lists the inputs where the two differ
and the factor that converts the published figure into the equation's convention. Pure data and
arithmetic: no numpy.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

AXES = {"count": ("mac", "flop"), "peak": ("dense", "sparse"), "passes": ("forward", "forward+backward")}

# (axis, published, expected) -> (factor that converts the published figure, why, source)
RULES: dict[tuple[str, str, str], tuple[float, str, str]] = {
    ("count", "mac", "flop"): (
        2.0,
        "a multiply-accumulate is 2 FLOPs",
        "fvcore FlopCountAnalysis docstring ('one fused multiply-add as one flop'); "
        "facebookresearch/DiT issue #14 (Peebles: DiT Gflops are MACs)",
    ),
    ("count", "flop", "mac"): (0.5, "2 FLOPs are one multiply-accumulate", "as mac -> flop, inverted"),
    ("peak", "sparse", "dense"): (
        0.5,
        "a 2:4-sparse tensor-core peak is twice the dense peak",
        "NVIDIA H100 Tensor Core GPU datasheet (1,979 sparse vs 989.4 dense TFLOPS BF16)",
    ),
    ("peak", "dense", "sparse"): (2.0, "a dense peak is half the 2:4-sparse peak", "as sparse -> dense, inverted"),
    ("passes", "forward", "forward+backward"): (
        3.0,
        "forward + backward is 3 forward passes (6N vs 2N)",
        "Kaplan et al. 2020, 'Scaling Laws for Neural Language Models', section 2.1",
    ),
    ("passes", "forward+backward", "forward"): (
        1 / 3,
        "a forward pass is a third of forward + backward",
        "as forward -> forward+backward, inverted",
    ),
}


@dataclass(frozen=True)
class Convention:
    """How a figure is counted; ``None`` on an axis: the axis does not apply to it."""

    count: str | None = None
    peak: str | None = None
    passes: str | None = None

    def __post_init__(self) -> None:
        for axis, allowed in AXES.items():
            value = getattr(self, axis)
            if value is not None and value not in allowed:
                raise ValueError(f"unknown {axis} {value!r}; one of {', '.join(allowed)}")

    def __str__(self) -> str:
        words = {
            "mac": "MACs",
            "flop": "FLOPs",
            "dense": "dense peak",
            "sparse": "sparse peak",
            "forward": "forward only",
            "forward+backward": "forward + backward",
        }
        return ", ".join(words[v] for v in (self.count, self.peak, self.passes) if v is not None)

    def to_json(self) -> dict:
        return {axis: getattr(self, axis) for axis in AXES if getattr(self, axis) is not None}


@dataclass(frozen=True)
class FlopConvention:
    """A model input's declaration: the figure as published, what the equation expects, and why."""

    published: Convention
    expects: Convention
    source: str = ""


MAC_FORWARD = Convention(count="mac", passes="forward")
MAC_TRAINING = Convention(count="mac", passes="forward+backward")
FLOP_FORWARD = Convention(count="flop", passes="forward")
FLOP_TRAINING = Convention(count="flop", passes="forward+backward")
DENSE = Convention(peak="dense")


def declare(published: Convention, expects: Convention, source: str = "") -> FlopConvention:
    return FlopConvention(published, expects, source)


@dataclass(frozen=True)
class Step:
    axis: str
    published: str
    expects: str
    factor: float
    why: str
    source: str


@dataclass(frozen=True)
class Mismatch:
    """An input whose published figure is counted differently from what its equation expects."""

    input: str
    unit: str
    published: Convention
    expects: Convention
    steps: tuple[Step, ...]
    source: str  # the declaration's source (where the published convention is documented)

    @property
    def factor(self) -> float:
        """Multiply the published figure by this to get it in the equation's convention."""
        out = 1.0
        for s in self.steps:
            out *= s.factor
        return out

    def to_json(self) -> dict:
        return {
            "input": self.input,
            "unit": self.unit,
            "published": self.published.to_json(),
            "expects": self.expects.to_json(),
            "factor": self.factor,
            "source": self.source,
            "steps": [
                {
                    "axis": s.axis,
                    "from": s.published,
                    "to": s.expects,
                    "factor": s.factor,
                    "why": s.why,
                    "source": s.source,
                }
                for s in self.steps
            ],
        }


def steps(published: Convention, expects: Convention) -> tuple[Step, ...]:
    """The conversions from ``published`` to ``expects``, one per axis on which they differ (an axis
    one side leaves open is not compared)."""
    out = []
    for axis in AXES:
        a, b = getattr(published, axis), getattr(expects, axis)
        if a is None or b is None or a == b:
            continue
        factor, why, source = RULES[(axis, a, b)]
        out.append(Step(axis, a, b, factor, why, source))
    return tuple(out)


def mismatches(inputs: Mapping[str, Any]) -> list[Mismatch]:
    """Every input (``{name: Quantity}``) whose declared published convention differs from the one
    its equation expects, with the factor between them."""
    out = []
    for name, spec in inputs.items():
        decl = getattr(spec, "convention", None)
        if decl is None:
            continue
        found = steps(decl.published, decl.expects)
        if found:
            out.append(Mismatch(name, spec.unit, decl.published, decl.expects, found, decl.source))
    return out

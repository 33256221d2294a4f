"""The accelerator library (``priors/hardware.toml``) and what choosing an accelerator does to a scenario.

``library()`` reads the file once into frozen ``Accelerator`` records: dense BF16 and FP8 peaks
[FLOP/s], memory [GB], memory bandwidth [TB/s], power [W], a rental range [USD/accelerator-hour],
each with its source; a figure no public source gives is None. Peaks are dense by construction:
every peak in the file must say ``sparsity = "dense"`` and the reader refuses anything else, so a
datasheet's "with sparsity" figure (twice the dense one) cannot slip in.

Choosing an accelerator (``--gpu NAME``, ``gpu=`` in the API, ``accelerator = "NAME"`` in a
scenario's ``[scenario]`` table) acts on the model inputs that declare ``hardware=`` in their
``Quantity`` (models/spec.py):

- ``"peak_flops"``: fixed to the library's dense peak at the scenario's ``precision`` (``"bf16"``,
  the default, or ``"fp8"``), whatever the scenario says: the peak is what choosing hardware means;
- ``"usd_per_hour"``: a uniform prior over the library's rental range (a constant when one quote was
  found), unless the scenario gives the input a prior itself: explicit scenario priors win;
- ``"power_kw"``: the chip's power x ``ALL_IN_PER_TDP`` (host, network, cooling), unless the
  scenario gives one;
- ``"memory_bandwidth"``: fixed to the library's memory bandwidth [TB/s], as the peak is (a utilization
  model that compares the peak with the bandwidth needs both from the same chip);
- ``"reference_peak_flops"``: fixed to the H100 SXM's dense peak at the same precision, the unit a model's
  own H100-equivalent outputs are counted in.

A figure the library lacks for an input the model needs is an error that says how to give it
(``--set NAME=VALUE``); it is never filled in. Outputs counted in accelerators (units with "H100", or
"GPU" for the generic models; not units already in "H100-equivalent") are counted on the chosen
accelerator, and each gains a twin in H100-equivalents (value x the accelerator's peak / the H100's at
the same precision; the inverse for per-accelerator rates such as video minutes per H100-hour), so
published H100 figures can still be placed. The names follow one rule (``renamed``): **an output whose
name says h100 is always in H100s or H100-equivalents.**

- An output whose name has the word ``h100`` (between underscores or at an end: ``peak_fleet_h100``,
  ``h100_seconds_per_image``) keeps that name for its H100-equivalent twin, and its count on the chosen
  accelerator takes the accelerator-neutral name, ``h100`` -> ``gpu`` (``peak_fleet_gpu`` in B200s,
  ``training_gpu_months`` in B200-months, ``video_minutes_per_gpu_hour`` in video min/B200-hour).
- An output whose name does not say h100 (``training_gpu_hours``, ``peak_fleet_gpus``) keeps its name
  for the count on the chosen accelerator and its twin is ``NAME_h100e``.

The model itself keeps returning its own names; the plan applies the renaming once (``Model.renamed``).
Choosing the H100 itself changes no name and adds no twin; only a generic model's "GPU" units then
name it ("GPU-hours" -> "H100-SXM-hours", ``on_reference``). The old twin of an h100-named output
(``peak_fleet_h100_h100e``) is refused with its new name (``former_twin``).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import Any, Mapping

from flopcast.priors.errors import InputError
from flopcast.priors.families import Constant
from flopcast.priors.families.uniform import Uniform
from flopcast.priors.prior import Prior
from flopcast.priors.toml_io import read_toml

LIBRARY = Path(__file__).resolve().parent / "hardware.toml"
REFERENCE = "H100-SXM"  # the accelerator the bundled models and scenarios are written in
# fp16: the 16-bit peak of accelerators without BF16 (V100); elsewhere the same figure as BF16
PRECISIONS = {"bf16": "dense_bf16_flops", "fp8": "dense_fp8_flops", "fp16": "dense_fp16_flops"}
# All-in power per accelerator over its TDP: the bundled models' H100 default, 0.7 kW SXM TDP -> 1.4 kW
# with server, network and cooling (models/sora.py, models/video_fleet.py), applied to every chip.
ALL_IN_PER_TDP = 2.0
SOURCE_PREFIX = "hardware library: "  # marks priors set by choosing an accelerator (not explicit ones)
EQUIVALENT_SUFFIX = "_h100e"
_FIGURES = ("dense_bf16_flops", "dense_fp8_flops", "dense_fp16_flops", "memory_gb", "memory_bandwidth", "power_w")
_UNITS = {
    "dense_bf16_flops": "FLOP/s",
    "dense_fp8_flops": "FLOP/s",
    "dense_fp16_flops": "FLOP/s",
    "memory_gb": "GB",
    "memory_bandwidth": "TB/s",
    "power_w": "W",
    "usd_per_hour": "USD/accelerator-hour",
}
_KEYS = {"name", "aliases", "vendor", *_FIGURES, "usd_per_hour"}


@dataclass(frozen=True)
class Accelerator:
    name: str
    vendor: str
    aliases: tuple[str, ...] = ()
    dense_bf16_flops: float | None = None  # FLOP/s, dense
    dense_fp8_flops: float | None = None  # FLOP/s, dense
    dense_fp16_flops: float | None = None  # FLOP/s, dense (given where no BF16 exists, and for the reference)
    memory_gb: float | None = None  # GB
    memory_bandwidth: float | None = None  # TB/s
    power_w: float | None = None  # W (TDP / total board power)
    usd_per_hour: tuple[float, float] | None = None  # (low, high) USD per accelerator-hour
    sources: Mapping[str, str] = field(default_factory=dict)  # figure -> where it comes from

    def peak(self, precision: str = "bf16") -> float:
        """The dense peak [FLOP/s] at ``precision``; an InputError when the library has none."""
        figure = getattr(self, PRECISIONS[precision])
        if figure is None:
            raise InputError(
                f"accelerator {self.name}",
                f"no published dense {precision.upper()} peak; choose another precision or accelerator",
            )
        return figure

    def to_json(self) -> dict[str, Any]:
        figures = {f: {"value": getattr(self, f), "unit": _UNITS[f], "source": self.sources.get(f)} for f in _FIGURES}
        low_high = list(self.usd_per_hour) if self.usd_per_hour else None
        figures["usd_per_hour"] = {
            "value": low_high,
            "unit": _UNITS["usd_per_hour"],
            "source": self.sources.get("usd_per_hour"),
        }
        return {"name": self.name, "vendor": self.vendor, "aliases": list(self.aliases), "figures": figures}


def _positive(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value <= 0:
        raise InputError(where, f"must be a positive finite number, got {value!r}")
    return float(value)


def _source(spec: Mapping[str, Any], where: str) -> str:
    source = spec.get("source")
    if not isinstance(source, str) or not source.strip():
        raise InputError(f"{where}.source", "every figure needs a source (datasheet or price page, with its date)")
    return source


def parse_accelerator(spec: Any, where: str) -> Accelerator:
    """One ``[[accelerator]]`` table -> an Accelerator; every problem is an InputError naming the field."""
    if not isinstance(spec, dict):
        raise InputError(where, "must be a table")
    extra = sorted(set(spec) - _KEYS)
    if extra:
        raise InputError(f"{where}.{extra[0]}", f"unknown key; allowed: {', '.join(sorted(_KEYS))}")
    name = spec.get("name")
    if not isinstance(name, str) or not name:
        raise InputError(f"{where}.name", "missing or not a string")
    where = f"{where} ({name})"
    aliases = spec.get("aliases", [])
    if not isinstance(aliases, list) or not all(isinstance(a, str) for a in aliases):
        raise InputError(f"{where}.aliases", "must be a list of strings")
    values: dict[str, Any] = {}
    sources: dict[str, str] = {}
    for f in _FIGURES:
        if f not in spec:
            continue  # not published: None
        fs = spec[f]
        if not isinstance(fs, dict):
            raise InputError(f"{where}.{f}", "must be a table { value = ..., source = ... }")
        if f in PRECISIONS.values() and fs.get("sparsity") != "dense":
            raise InputError(
                f"{where}.{f}.sparsity",
                f'must be "dense", got {fs.get("sparsity")!r}: the library '
                "stores dense peaks only (a figure 'with sparsity' is twice the dense one: halve it)",
            )
        values[f] = _positive(fs.get("value"), f"{where}.{f}.value")
        sources[f] = _source(fs, f"{where}.{f}")
    if "usd_per_hour" in spec:
        ps = spec["usd_per_hour"]
        if not isinstance(ps, dict):
            raise InputError(f"{where}.usd_per_hour", "must be a table { low = ..., high = ..., source = ... }")
        low, high = (
            _positive(ps.get("low"), f"{where}.usd_per_hour.low"),
            _positive(ps.get("high"), f"{where}.usd_per_hour.high"),
        )
        if low > high:
            raise InputError(f"{where}.usd_per_hour", f"low ({low:g}) is above high ({high:g})")
        values["usd_per_hour"] = (low, high)
        sources["usd_per_hour"] = _source(ps, f"{where}.usd_per_hour")
    return Accelerator(name=name, vendor=str(spec.get("vendor", "")), aliases=tuple(aliases), sources=sources, **values)


@lru_cache(maxsize=1)
def library() -> tuple[Accelerator, ...]:
    """Every accelerator of ``priors/hardware.toml``, in file order."""

    data = read_toml(LIBRARY)
    items = data.get("accelerator")
    if not isinstance(items, list) or not items:
        raise InputError(LIBRARY.name, "needs [[accelerator]] tables")
    accs = tuple(parse_accelerator(spec, f"{LIBRARY.name}: accelerator[{i}]") for i, spec in enumerate(items))
    seen: dict[str, str] = {}
    for a in accs:
        for key in (a.name, *a.aliases):
            if _key(key) in seen and seen[_key(key)] != a.name:
                raise InputError(LIBRARY.name, f"{key!r} names both {seen[_key(key)]} and {a.name}")
            seen[_key(key)] = a.name
    return accs


def _key(name: str) -> str:
    return re.sub(r"[\s_\-]+", "", name).lower()


def names() -> list[str]:
    return [a.name for a in library()]


def find(name: str, where: str = "gpu") -> Accelerator:
    """The accelerator called ``name`` or one of its aliases (case, spaces, '-' and '_' ignored)."""
    if isinstance(name, str) and name.isprintable():  # a tab or an escape never names one
        for a in library():
            if _key(name) in {_key(n) for n in (a.name, *a.aliases)}:
                return a
    name = str(name)
    shown = name if len(name) <= 40 and name.isprintable() else repr(name[:40]) + ("..." if len(name) > 40 else "")
    raise InputError(
        f"{where} {shown}", f"unknown accelerator; the library (flopcast hardware) has: {', '.join(names())}"
    )


def reference() -> Accelerator:
    return find(REFERENCE, "reference accelerator")


def check_precision(precision: Any, where: str) -> str:
    if precision not in PRECISIONS:
        raise InputError(where, f"must be one of {', '.join(map(repr, PRECISIONS))}, got {precision!r}")
    return precision


# --- what choosing an accelerator does to a scenario's priors and a model's outputs --------------


def hardware_priors(
    priors: Mapping[str, Any],
    inputs: Mapping[str, Any],
    acc: Accelerator,
    precision: str,
    given: set[str] = frozenset(),
    where: str = "",
) -> dict[str, Any]:
    """``priors`` with every ``hardware=`` input of the model taken from ``acc`` (see the module
    docstring). ``given``: inputs a --set will give, which need no library figure."""

    out = dict(priors)
    missing = []
    for name, spec in inputs.items():
        kind = getattr(spec, "hardware", None)
        old = priors.get(name)
        explicit = old is not None and not old.source.startswith(SOURCE_PREFIX)
        fixed = kind in ("peak_flops", "memory_bandwidth", "reference_peak_flops")  # what choosing hardware means
        if kind is None or (not fixed and explicit) or (name in given and not fixed):
            continue
        unit = old.unit if old is not None else None
        if kind == "reference_peak_flops":
            ref = reference()
            value = ref.peak(precision)
            src = f"{ref.name} dense {precision.upper()} peak (H100-equivalents): {ref.sources[PRECISIONS[precision]]}"
            out[name] = Prior(name, Constant(value), value, unit, SOURCE_PREFIX + src)
        elif kind == "memory_bandwidth":
            if acc.memory_bandwidth is None:
                missing.append((name, "memory bandwidth"))
                continue
            value = acc.memory_bandwidth
            src = f"{acc.name} memory bandwidth: {acc.sources['memory_bandwidth']}"
            out[name] = Prior(name, Constant(value), value, unit, SOURCE_PREFIX + src)
        elif kind == "peak_flops":
            value = acc.peak(precision)
            src = f"{acc.name} dense {precision.upper()} peak: {acc.sources[PRECISIONS[precision]]}"
            out[name] = Prior(name, Constant(value), value, unit, SOURCE_PREFIX + src)
        elif kind == "usd_per_hour":
            if acc.usd_per_hour is None:
                missing.append((name, "rental price"))
                continue
            low, high = acc.usd_per_hour
            dist = Constant(low) if low == high else Uniform(low, high)
            src = f"{acc.name} rental, uniform over USD {low:g}-{high:g}/h: {acc.sources['usd_per_hour']}"
            out[name] = Prior(name, dist, dist.median, unit, SOURCE_PREFIX + src)
        elif kind == "power_kw":
            if acc.power_w is None:
                missing.append((name, "power"))
                continue
            value = acc.power_w / 1000.0 * ALL_IN_PER_TDP
            src = (
                f"{acc.name} {acc.power_w:g} W x {ALL_IN_PER_TDP:g} for host, network and cooling (the bundled "
                f"models' H100 factor, 0.7 -> 1.4 kW): {acc.sources['power_w']}"
            )
            out[name] = Prior(name, Constant(value), value, unit, SOURCE_PREFIX + src)
    if missing:
        listed = ", ".join(f"{what} ({n})" for n, what in missing)
        sets = " ".join(f"--set {n}=VALUE" for n, _ in missing)
        raise InputError(
            where or f"accelerator {acc.name}",
            f"the library has no published {listed} for "
            f"{acc.name}; give it yourself ({sets}) or choose another accelerator",
        )
    return out


_TOKEN = re.compile(r"H100|GPU")
EQUIVALENT_UNIT = "H100-equivalent"  # a unit already in H100-equivalents stays as it is on every accelerator


def restated_unit(unit: str, label: str) -> str | None:
    """``"H100-months"`` -> ``"B200-months"``; None for a unit that counts no accelerator, or that
    counts H100-equivalents already (``"H100-equivalent-months"``)."""
    if EQUIVALENT_UNIT in unit:
        return None
    return _TOKEN.sub(label, unit) if _TOKEN.search(unit) else None


NEUTRAL_TOKEN = "gpu"  # what the word h100 in an output's name becomes on another accelerator
_NAME_H100 = re.compile(r"(?<![A-Za-z0-9])h100(?![A-Za-z0-9])")  # the word h100 in a snake_case name


def neutral_name(name: str) -> str | None:
    """``"peak_fleet_h100"`` -> ``"peak_fleet_gpu"``; None for a name without the word h100
    (``training_gpu_hours``; ``peak_fleet_h100e`` is not the word either)."""
    return _NAME_H100.sub(NEUTRAL_TOKEN, name) if _NAME_H100.search(name) else None


def former_twin(name: str) -> str | None:
    """The name an old H100-equivalent twin of an h100-named output now has: ``"peak_fleet_h100_h100e"``
    -> ``"peak_fleet_h100"`` (which is in H100s or H100-equivalents on every accelerator); None otherwise."""
    base = name.removesuffix(EQUIVALENT_SUFFIX)
    return base if base != name and neutral_name(base) is not None else None


def renamed_hint(name: str) -> str:
    """The sentence an error about an unknown output ``name`` adds when it is an old twin's name (or '')."""
    base = former_twin(name)
    if base is None:
        return ""
    return (
        f"{name!r} is now {base!r}: an output whose name says h100 is in H100s (H100-equivalents on another "
        f"accelerator), and {neutral_name(base)!r} counts the chosen accelerator"
    )


@dataclass(frozen=True)
class Restated:
    """What choosing a non-reference accelerator does to a model's outputs (see the module docstring)."""

    outputs: dict[str, Any]  # name -> spec, every output: renamed, restated and twins, in the model's order
    twins: tuple[tuple[str, str, float], ...]  # (twin, output, factor): twin = output x factor
    renamed: tuple[tuple[str, str], ...]  # (new name, the model's own name): the chosen accelerator's count


def on_reference(unit: str) -> str:
    """A unit on the reference accelerator: ``"GPU-hours"`` -> ``"H100-SXM-hours"`` (a generic model's
    count, now of a known chip); a unit that says H100, or counts no accelerator, stays as it is."""
    if EQUIVALENT_UNIT in unit or "H100" in unit:
        return unit
    return re.sub(r"GPU", REFERENCE, unit)


def equivalents(outputs: Mapping[str, Any], acc: Accelerator, precision: str) -> Restated:
    """The model's outputs on ``acc``: every output counted in accelerators is counted on ``acc``, under
    its accelerator-neutral name when its own says h100, and gains an H100-equivalent twin (under the
    model's own name when that says h100, else ``NAME_h100e``)."""

    ratio = acc.peak(precision) / reference().peak(precision)
    specs: dict[str, Any] = {}
    twins = []
    renamed = []
    for name, spec in outputs.items():
        unit = restated_unit(spec.unit, acc.name)
        if unit is None:
            specs[name] = spec
            continue
        neutral = neutral_name(name)
        count, twin = (name, f"{name}{EQUIVALENT_SUFFIX}") if neutral is None else (neutral, name)
        for new in {count, twin} - {name}:
            if new in outputs:
                raise InputError(
                    f"output {name}",
                    f"on {acc.name} it would be renamed {new!r}, which the model already has as an output; "
                    "rename one of them",
                )
        per = re.search(r"/\s*(H100|GPU)", spec.unit) is not None  # a rate per accelerator: the inverse
        equals = f"{acc.name} = {ratio:.3g} H100 at dense {precision.upper()} peak"
        described = neutral is not None and "H100" in spec.description  # "H100s to serve peak demand"
        if neutral is not None:
            renamed.append((neutral, name))
        specs[count] = replace(
            spec,
            unit=unit,
            description=spec.description.replace("H100", acc.name)
            if described
            else f"{spec.description} [in {acc.name}s]",
        )
        specs[twin] = replace(
            spec,
            unit=_TOKEN.sub("H100-equivalent", spec.unit),
            description=f"{spec.description.replace('H100', 'H100-equivalent')} ({equals})"
            if described
            else f"{count} in H100-equivalents ({equals})",
        )
        twins.append((twin, count, 1.0 / ratio if per else ratio))
    return Restated(specs, tuple(twins), tuple(renamed))

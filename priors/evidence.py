"""Evidence files: measurements a calibration conditions a scenario's priors on.

Bundled evidence lives in ``priors/evidence/`` and is addressed by stem (``video-timings``); any other
file by path. ``[[observation]]`` tables, optionally after an ``[evidence]`` table with ``scenario``,
``description`` and ``between_run_sigma_log``::

    [evidence]
    scenario = "llm-training"
    between_run_sigma_log = { prior = "halfnormal", scale = 0.32, source = "where the scale comes from" }

    [[observation]]
    output = "gpu_seconds_per_video"   # a model output, or an input name to observe the input itself
    value = 81.8                        # > 0, in the output's unit
    sigma_log = 0.25                    # exactly one of sigma_log | sd | interval90
    set = { params = 4.756e9, layers = 42 }   # the configuration it was measured under
    # set may name the accelerator: set = { accelerator = "A100-SXM-80GB", precision = "bf16", ... }
    # (a name of priors/hardware.toml): the model inputs that declare hardware= then take its figures
    source = "where the figure comes from"    # required
    note = "what was checked or corrected"
    label = "CogVideoX-5B"                    # optional short name for tables

``between_run_sigma_log`` declares that the cases are exchangeable but not identical runs: each differs from
the model by a factor exp(delta_i), delta_i ~ Normal(0, sigma) (its own utilization, overheads, what its
figure holds), with sigma ~ HalfNormal(scale) learnt jointly in a calibration on the file (the model
discrepancy of Kennedy & O'Hagan 2001, on by default when declared). ``scale`` is a log-scale sd and
needs a ``source``: the published spread it was set from.

Loading validates the file on its own (keys, types, spreads, sources, accelerator names); whether the
names exist in a scenario's model is checked by ``flopcast.analyze.calibration`` against the bound plan.
``with_hardware(evidence, inputs)`` turns each observation's accelerator into numbers for the model
inputs that declare ``hardware=`` (its dense peak at the precision, its memory bandwidth), as ``--gpu``
does for a run; ``load_evidence(ref, inputs)`` does it on loading.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Iterable, Mapping

from flopcast.priors import hardware as hw
from flopcast.priors.errors import InputError
from flopcast.priors.families._base import Z95
from flopcast.priors.numbers import numbers_in
from flopcast.priors.toml_io import read_toml

EVIDENCE_DIR = Path(__file__).resolve().parent / "evidence"

_OBS_KEYS = {"output", "value", "sigma_log", "sd", "interval90", "set", "source", "note", "label"}
_SPREAD_KEYS = ("sigma_log", "sd", "interval90")
_EVIDENCE_KEYS = {"scenario", "description", "between_run_sigma_log"}
_BETWEEN_RUN_KEYS = {"prior", "scale", "source"}
BETWEEN_RUN_PRIORS = ("halfnormal",)
MAX_BETWEEN_RUN_SCALE = 10.0  # log units: a factor e^10, the bound --discrepancy has
# C0 controls but tab and newline, DEL, C1 controls, and the bidi controls of Unicode TR9
_UNPRINTABLE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


@dataclass(frozen=True)
class Observation:
    """One measurement of a model output (or input) under a configuration ``set``."""

    index: int
    output: str
    value: float
    source: str
    sigma_log: float | None = None
    sd: float | None = None
    interval90: tuple[float, float] | None = None
    set: Mapping[str, float] = field(default_factory=dict)
    note: str = ""
    label: str = ""
    file: str = "<evidence>"
    accelerator: str | None = None  # set.accelerator: a name in priors/hardware.toml
    precision: str | None = None  # set.precision: "bf16" (default with an accelerator), "fp8" or "fp16"
    hardware_applied: bool = False  # with_hardware has put the accelerator's figures into ``set``

    @property
    def kind(self) -> str:
        """``lognormal`` (sigma_log, interval90) or ``normal`` (sd)."""
        return "normal" if self.sd is not None else "lognormal"

    @property
    def log_sigma(self) -> float | None:
        """The lognormal likelihood's sigma (None for an ``sd`` observation)."""
        if self.sigma_log is not None:
            return self.sigma_log
        if self.interval90 is not None:
            lo, hi = self.interval90
            return math.log(hi / lo) / (2.0 * Z95)
        return None

    @property
    def center(self) -> float:
        """Where the likelihood is centred: ``value``, or the geometric mean of ``interval90``."""
        if self.interval90 is not None:
            return math.sqrt(self.interval90[0] * self.interval90[1])
        return self.value

    @property
    def name(self) -> str:
        return self.label or f"observation[{self.index}]"

    def where(self, key: str = "") -> str:
        return f"{self.file}: observation[{self.index}]" + (f".{key}" if key else "")

    def spread_text(self) -> str:
        if self.sigma_log is not None:
            return f"sigma_log {self.sigma_log:g}"
        if self.sd is not None:
            return f"sd {self.sd:g}"
        lo, hi = self.interval90
        return f"90% [{lo:g}, {hi:g}]"

    def to_json(self) -> dict:
        return {
            "label": self.label,
            "output": self.output,
            "value": self.value,
            "sigma_log": self.sigma_log,
            "sd": self.sd,
            "interval90": list(self.interval90) if self.interval90 else None,
            "set": dict(self.set),
            "accelerator": self.accelerator,
            "precision": self.precision,
            "source": self.source,
            "note": self.note,
        }


@dataclass(frozen=True)
class BetweenRun:
    """The between-run term an evidence file declares: sigma ~ HalfNormal(``scale``) (log-scale sd), each
    case's output x exp(delta_i), delta_i ~ Normal(0, sigma); ``source`` says where the scale comes from."""

    scale: float
    source: str
    prior: str = "halfnormal"

    def to_json(self) -> dict:
        return {"prior": self.prior, "scale": self.scale, "source": self.source}


class Evidence(list):
    """The observations of one evidence file (a ``list[Observation]``) plus the file's header."""

    def __init__(
        self,
        observations: Iterable[Observation] = (),
        path: Path | None = None,
        scenario: str = "",
        description: str = "",
        between_run: BetweenRun | None = None,
    ):
        super().__init__(observations)
        self.path = path
        self.scenario = scenario
        self.description = description
        self.between_run = between_run

    @property
    def file(self) -> str:
        return self.path.name if self.path is not None else "<evidence>"

    def like(self, observations: Iterable[Observation]) -> "Evidence":
        """Other observations under this file's header (path, scenario, description, between-run term):
        e.g. all cases but one, for a leave-one-out calibration."""
        return type(self)(observations, self.path, self.scenario, self.description, self.between_run)


def resolve_evidence_path(ref: str | Path) -> Path:
    """A path, or the stem of a bundled file in ``priors/evidence/`` (``video-timings``)."""
    path = Path(ref)
    if path.is_file():
        return path
    bundled = EVIDENCE_DIR / f"{ref}.toml"
    if not str(ref).endswith(".toml") and "/" not in str(ref) and bundled.is_file():
        return bundled
    raise InputError(f"evidence {ref}", "no such evidence file")


def bundled_evidence() -> list[Path]:
    return sorted(EVIDENCE_DIR.glob("*.toml"))


def with_hardware(evidence: Evidence, inputs: Mapping[str, Any]) -> Evidence:
    """``evidence`` with every observation's accelerator applied to the model ``inputs`` (name ->
    Quantity) that declare ``hardware=``: ``peak_flops`` takes the dense peak at the observation's
    precision, ``memory_bandwidth`` the bandwidth, ``reference_peak_flops`` the H100's peak at that
    precision, as choosing the accelerator for a run fixes them. A
    ``set`` that also fixes such an input is refused (one source for one figure); a model without such
    inputs refuses an accelerator."""

    out = []
    for obs in evidence:
        if obs.accelerator is None or obs.hardware_applied:
            out.append(obs)
            continue
        acc = hw.find(obs.accelerator, obs.where("set.accelerator"))
        figures: dict[str, float] = {}
        for name, spec in inputs.items():
            kind = getattr(spec, "hardware", None)
            if kind not in ("peak_flops", "memory_bandwidth", "reference_peak_flops"):
                continue
            if name in obs.set:
                raise InputError(
                    obs.where(f"set.{name}"),
                    f"fixes {name}, which set.accelerator = {obs.accelerator!r} gives: keep one of them",
                )
            if kind == "reference_peak_flops":
                figures[name] = hw.reference().peak(obs.precision or "bf16")
            elif kind == "peak_flops":
                try:
                    figures[name] = acc.peak(obs.precision or "bf16")
                except InputError as exc:
                    raise InputError(obs.where("set.precision"), exc.reason) from None
            elif acc.memory_bandwidth is None:
                raise InputError(
                    obs.where("set.accelerator"),
                    f"the library has no memory bandwidth for {acc.name}; give {name} in set instead",
                )
            else:
                figures[name] = acc.memory_bandwidth
        if not figures:
            raise InputError(
                obs.where("set.accelerator"),
                "the model takes no accelerator figures (no input declares hardware=); drop set.accelerator",
            )
        out.append(replace(obs, set={**obs.set, **figures}, hardware_applied=True))
    return evidence.like(out)


def load_evidence(ref: str | Path, inputs: Mapping[str, Any] | None = None) -> Evidence:
    """Read and validate an evidence file (a path, or the stem of a bundled one); with a model's
    ``inputs``, also apply each observation's accelerator (``with_hardware``)."""
    path = resolve_evidence_path(ref)
    file = path.name
    data = read_toml(path, file)
    extra = sorted(set(data) - {"evidence", "observation"})
    if extra:
        raise InputError(
            f"{file}: {extra[0]}", "unknown key; an evidence file has [evidence] and [[observation]] tables"
        )
    head = data.get("evidence", {})
    if not isinstance(head, dict):
        raise InputError(f"{file}: evidence", "must be a table")
    for key in sorted(set(head) - _EVIDENCE_KEYS):
        raise InputError(f"{file}: evidence.{key}", f"unknown key; allowed: {', '.join(sorted(_EVIDENCE_KEYS))}")
    for key in ("scenario", "description"):
        if key in head and not isinstance(head[key], str):
            raise InputError(f"{file}: evidence.{key}", "must be a string")
    between_run = _between_run(head["between_run_sigma_log"], file) if "between_run_sigma_log" in head else None
    items = data.get("observation")
    if not isinstance(items, list) or not items or not all(isinstance(i, dict) for i in items):
        raise InputError(f"{file}: observation", "no [[observation]] tables; every measurement is one [[observation]]")
    evidence = Evidence(
        (_parse_observation(i, spec, file) for i, spec in enumerate(items)),
        path,
        head.get("scenario", ""),
        head.get("description", ""),
        between_run,
    )
    return with_hardware(evidence, inputs) if inputs is not None else evidence


def _between_run(spec: Any, file: str) -> BetweenRun:
    """``[evidence] between_run_sigma_log = { prior = "halfnormal", scale = S, source = "..." }``."""
    where = f"{file}: evidence.between_run_sigma_log"
    if not isinstance(spec, dict):
        raise InputError(
            where, 'must be a table: { prior = "halfnormal", scale = 0.3, source = "where the scale comes from" }'
        )

    for key in sorted(set(spec) - _BETWEEN_RUN_KEYS):
        raise InputError(f"{where}.{key}", f"unknown key; allowed: {', '.join(sorted(_BETWEEN_RUN_KEYS))}")
    prior = spec.get("prior", "halfnormal")
    if prior not in BETWEEN_RUN_PRIORS:
        raise InputError(f"{where}.prior", f"must be one of {', '.join(BETWEEN_RUN_PRIORS)}, got {prior!r}")
    if "scale" not in spec:
        raise InputError(f"{where}.scale", "missing: the HalfNormal scale of sigma, a log-scale sd (e.g. 0.3)")
    scale = numbers_in(spec["scale"])
    if not _is_num(scale) or not 0 < scale <= MAX_BETWEEN_RUN_SCALE:
        raise InputError(
            f"{where}.scale", f"must be a log-scale sd in (0, {MAX_BETWEEN_RUN_SCALE:g}], got {spec['scale']!r}"
        )
    source = spec.get("source")
    if not isinstance(source, str) or not source.strip():
        raise InputError(f"{where}.source", "missing: say which published spread the scale comes from")
    if _UNPRINTABLE.search(source):
        raise InputError(
            f"{where}.source", "holds a control or bidirectional-text character (an escape sequence?); write plain text"
        )
    return BetweenRun(float(scale), source.strip(), prior)


def _is_num(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


def _positive(spec: dict, key: str, where: str) -> float:
    v = spec[key]
    if not _is_num(v) or not v > 0:
        raise InputError(f"{where}.{key}", f"must be a positive number, got {v!r}")
    return float(v)


def _parse_observation(i: int, spec: dict, file: str) -> Observation:
    where = f"{file}: observation[{i}]"

    spec = {**spec, **{k: numbers_in(spec[k]) for k in ("value", "sigma_log", "sd", "interval90", "set") if k in spec}}
    for key in sorted(set(spec) - _OBS_KEYS):
        raise InputError(f"{where}.{key}", f"unknown key; allowed: {', '.join(sorted(_OBS_KEYS))}")
    if not isinstance(spec.get("output"), str) or not spec["output"]:
        raise InputError(f"{where}.output", "missing or not a string (a model output, or an input to observe directly)")
    if "value" not in spec:
        raise InputError(f"{where}.value", "missing: the measured figure, in the output's unit")
    value = _positive(spec, "value", where)
    given = [k for k in _SPREAD_KEYS if k in spec]
    if len(given) != 1:
        got = f"got {' and '.join(given)}" if given else "got none"
        raise InputError(where, f"give exactly one of sigma_log, sd, interval90 ({got})")
    sigma_log = sd = interval = None
    if given[0] == "sigma_log":
        sigma_log = _positive(spec, "sigma_log", where)
    elif given[0] == "sd":
        sd = _positive(spec, "sd", where)
    else:
        pair = spec["interval90"]
        if not (isinstance(pair, list) and len(pair) == 2 and all(_is_num(v) for v in pair)):
            raise InputError(f"{where}.interval90", "must be a pair of numbers [lo, hi]")
        lo, hi = float(pair[0]), float(pair[1])
        if not 0 < lo < hi:
            raise InputError(f"{where}.interval90", f"needs 0 < lo < hi, got [{lo:g}, {hi:g}]")
        if not lo <= value <= hi:
            raise InputError(f"{where}.value", f"{value:g} lies outside its interval90 [{lo:g}, {hi:g}]")
        interval = (lo, hi)
    sets = spec.get("set", {})
    if not isinstance(sets, dict):
        raise InputError(f"{where}.set", "must be a table of input = number")
    sets = dict(sets)
    accelerator, precision = sets.pop("accelerator", None), sets.pop("precision", None)
    if accelerator is not None:
        if not isinstance(accelerator, str):
            raise InputError(
                f"{where}.set.accelerator", f"must be an accelerator's name (flopcast hardware), got {accelerator!r}"
            )
        accelerator = hw.find(accelerator, f"{where}.set.accelerator").name
    if precision is not None:
        if accelerator is None:
            raise InputError(f"{where}.set.precision", "chooses the peak of an accelerator: add set.accelerator")
        precision = hw.check_precision(precision, f"{where}.set.precision")
    for name, v in sets.items():
        if not _is_num(v):
            raise InputError(f"{where}.set.{name}", f"must be a finite number, got {v!r}")
    source = spec.get("source")
    if not isinstance(source, str) or not source.strip():
        raise InputError(f"{where}.source", "missing: say where the figure comes from")
    for key in ("note", "label"):
        if key in spec and not isinstance(spec[key], str):
            raise InputError(f"{where}.{key}", "must be a string")
    for key in ("label", "source", "note"):  # shown in tables and on terminals: no escape sequences
        if isinstance(spec.get(key), str) and _UNPRINTABLE.search(spec[key]):
            raise InputError(
                f"{where}.{key}",
                "holds a control or bidirectional-text character (an escape sequence?); write plain text",
            )
    return Observation(
        i,
        spec["output"],
        value,
        source.strip(),
        sigma_log,
        sd,
        interval,
        {k: float(v) for k, v in sets.items()},
        spec.get("note", ""),
        spec.get("label", ""),
        file,
        accelerator,
        precision,
    )

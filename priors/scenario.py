"""Scenarios: TOML files that give every uncertain input of a model a prior.

Bundled scenarios live in ``priors/scenarios/`` and are addressed by name (``plappert-2024``); any other
by path. Loading validates everything that does not need the model (syntax, families, parameters,
points); the engine checks the scenario against the model's inputs when it binds them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping

from flopcast.priors.conventions import check_flop_convention
from flopcast.priors.equations import OutputSpec, check_identifier, parse_outputs
from flopcast.priors.errors import InputError
from flopcast.priors.families.empirical import Empirical
from flopcast.priors.hardware import check_precision, find
from flopcast.priors.names import check_name
from flopcast.priors.numbers import numbers_in
from flopcast.priors.overrides import parse_override
from flopcast.priors.posterior import Posterior
from flopcast.priors.posterior import load_posterior as _load_posterior
from flopcast.priors.prior import Prior, parse_prior
from flopcast.priors.toml_io import read_toml
from flopcast.priors.vocabulary import describe, to_prior

SCENARIO_DIR = Path(__file__).resolve().parent / "scenarios"

_TOP_KEYS = {"scenario", "priors", "headlines", "correlations", "waterfall", "posterior", "flop_convention", "outputs"}
_SCENARIO_KEYS = {"name", "model", "description", "source", "default_draws", "accelerator", "precision"}
_HEADLINE_KEYS = {"output", "value", "quote", "source", "set", "note", "label"}


@dataclass(frozen=True)
class Headline:
    """A figure the scenario's source published, to be re-derived and located by ``audit``/``stress``."""

    output: str
    value: float
    quote: str = ""
    source: str = ""
    label: str = ""
    note: str = ""
    set: Mapping[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class Correlation:
    """A rank (Spearman) correlation between two inputs, imposed with a Gaussian copula."""

    inputs: tuple[str, str]
    rank: float


@dataclass(frozen=True)
class WaterfallStep:
    label: str
    inputs: tuple[str, ...]


@dataclass(frozen=True)
class Waterfall:
    """From another estimate's assumptions to this scenario's, one factor at a time.

    ``start`` sets inputs to the other estimate's values; each step restores ``inputs`` to this
    scenario's own point values, cumulatively, so the last step is this scenario's point estimate.
    """

    output: str
    start: Mapping[str, float]
    steps: tuple[WaterfallStep, ...]
    start_label: str = "start"


@dataclass(frozen=True)
class Scenario:
    name: str
    model: str
    description: str
    priors: Mapping[str, Prior]
    headlines: tuple[Headline, ...] = ()
    correlations: tuple[Correlation, ...] = ()
    path: Path | None = None
    source: str = ""
    default_draws: int | None = None
    overrides: tuple[str, ...] = ()
    waterfall: Waterfall | None = None
    posterior: Posterior | None = None
    flop_convention: str = "as_published"  # or "corrected" (priors/conventions.py)
    accelerator: str | None = None  # a name in priors/hardware.toml (``--gpu`` overrides it)
    precision: str = "bf16"  # the dense peak an accelerator contributes: "bf16" or "fp8"
    outputs: tuple[OutputSpec, ...] = ()  # [outputs]: the scenario's own equations (priors/equations.py)
    function: Any = None  # a Python function that is the model (a notebook's fc.run(fn, priors=...))

    @property
    def model_file(self) -> Path | None:
        """``model = "my_model.py"`` (or ``"my_model.py:function"``): the file, relative to the scenario's."""
        if not is_model_file(self.model):
            return None
        base = self.path.parent if self.path is not None else Path.cwd()
        return base / self.model.rsplit(":", 1)[0] if ".py:" in self.model else base / self.model

    @property
    def file(self) -> str:
        """How error messages name this scenario's file."""
        return self.path.name if self.path is not None else f"{self.name}.toml"

    @property
    def uncertain(self) -> list[str]:
        return [name for name, prior in self.priors.items() if not prior.is_constant]

    def with_overrides(self, sets: Iterable[Any], known: Mapping[str, Any] | Iterable[str]) -> "Scenario":
        """Apply overrides: ``--set`` strings (``NAME=VALUE`` fixes an input, ``NAME=A to B`` gives it a
        prior with that 90% interval) or ``(name, value)`` pairs of the prior vocabulary
        (``priors/vocabulary.py``: a number, ``(low, high)``, a string, a dict or a prior object). ``known``
        maps the model's input names to their Quantity: values are checked against the input's domain,
        ranges build a prior inside it (``priors/domains.py``)."""

        known = known if isinstance(known, Mapping) else {name: None for name in known}
        priors = dict(self.priors)
        applied = []
        for item in sets:
            if isinstance(item, str):
                name, prior = parse_override(item, known, self.file)
                text = item
            else:
                name, value = item
                if name not in known:
                    raise InputError(
                        f"set {str(name)[:60]}",
                        f"unknown input {str(name)[:60]!r}; the model's inputs are: {', '.join(sorted(known))}",
                    )
                prior = to_prior(name, value, getattr(known[name], "domain", None), f"set {name}")
                text = f"{name}={describe(value)}"
            old = priors.get(name)
            unit = old.unit if old is not None else None
            priors[name] = replace(prior, unit=unit)
            applied.append(text)
        return replace(self, priors=priors, overrides=self.overrides + tuple(applied))


def bundled_scenarios() -> list[Path]:
    return sorted(SCENARIO_DIR.glob("*.toml"))


def resolve_scenario_path(ref: str | Path) -> Path:
    ref_str = str(ref)
    looks_like_path = ref_str.endswith(".toml") or "/" in ref_str or Path(ref_str).is_file()
    if looks_like_path:
        path = Path(ref_str)
        if not path.is_file():
            raise InputError(ref_str, "no such scenario file")
        return path
    path = SCENARIO_DIR / f"{ref_str}.toml"
    if not path.is_file():
        names = ", ".join(p.stem for p in bundled_scenarios())
        raise InputError(ref_str, f"unknown scenario; bundled scenarios are: {names} (or give a path to a .toml file)")
    return path


def load_scenario(ref: str | Path) -> Scenario:
    """Read and validate a scenario by bundled name or path."""

    path = resolve_scenario_path(ref)
    return parse_scenario(read_toml(path), path)


def parse_scenario(data: Mapping[str, Any], path: Path | None = None, file: str | None = None) -> Scenario:
    file = file or (path.name if path is not None else "<scenario>")
    _no_extra(data, _TOP_KEYS, file, "")
    head = data.get("scenario")
    if not isinstance(head, dict):
        raise InputError(f"{file}: [scenario]", "missing table; it needs at least name and model")
    _no_extra(head, _SCENARIO_KEYS, file, "scenario")
    if not isinstance(head.get("name"), str) or not head["name"]:
        raise InputError(f"{file}: scenario.name", "missing or not a string")
    model = _parse_model(head, data, file, path)
    check_name(head["name"], f"{file}: scenario.name")
    for key in ("description", "source"):  # text: a list or a number here is a mistake, not text
        if key in head and not isinstance(head[key], str):
            raise InputError(f"{file}: scenario.{key}", f"must be a string (text), got {type(head[key]).__name__}")
    default_draws = head.get("default_draws")
    if default_draws is not None and (not isinstance(default_draws, int) or default_draws <= 0):
        raise InputError(f"{file}: scenario.default_draws", "must be a positive integer")

    accelerator, precision = _parse_hardware(head, file)
    raw_priors = data.get("priors", {})
    if not isinstance(raw_priors, dict):
        raise InputError(f"{file}: priors", "must be a table of [priors.NAME] tables")
    priors = {name: parse_prior(name, spec, file) for name, spec in raw_priors.items()}
    outputs: tuple[OutputSpec, ...] = ()
    if "outputs" in data:
        if model and not is_model_file(model):
            raise InputError(
                f"{file}: outputs",
                f"the {model} model defines its own outputs; a scenario with "
                "[outputs] has no model = line (or names a Python file)",
            )
        for name in priors:
            check_identifier(name, f"{file}: priors.{name[:64]}", "an input of equations")
        outputs = parse_outputs(data["outputs"], file, priors, formulas=not model)

    headlines = tuple(_parse_headline(i, h, file) for i, h in enumerate(_array_of_tables(data, "headlines", file)))
    correlations = tuple(
        _parse_correlation(i, c, file, priors) for i, c in enumerate(_array_of_tables(data, "correlations", file))
    )
    _no_repeated_pairs(correlations, file)
    waterfall = _parse_waterfall(data["waterfall"], file) if "waterfall" in data else None
    posterior = None
    if "posterior" in data:
        posterior = _load_posterior(data["posterior"], file, path)
        priors = posterior_priors(priors, posterior)

    return Scenario(
        flop_convention=check_flop_convention(data.get("flop_convention", "as_published"), f"{file}: flop_convention"),
        accelerator=accelerator,
        precision=precision,
        posterior=posterior,
        waterfall=waterfall,
        name=head["name"],
        model=model,
        outputs=outputs,
        description=str(head.get("description", "")),
        priors=priors,
        headlines=headlines,
        correlations=correlations,
        path=path,
        source=str(head.get("source", "")),
        default_draws=default_draws,
    )


def posterior_priors(priors: Mapping[str, Prior], posterior: Posterior) -> dict[str, Prior]:
    """The priors with each input of ``posterior`` replaced by its draws (an empirical prior)."""
    out = dict(priors)
    for j, name in enumerate(posterior.inputs):
        old = out.get(name)
        dist = Empirical.from_draws(posterior.draws[:, j])
        out[name] = Prior(
            name,
            dist,
            dist.median,
            unit=old.unit if old else None,
            source=f"posterior: {posterior.note or posterior.file.name}",
            rationale=old.rationale if old else "",
            domain=old.domain if old else None,
        )
    return out


def with_posterior(scenario: Scenario, posterior: Posterior) -> Scenario:
    """A scenario held in memory (a notebook function) with a posterior's draws as its priors."""
    return replace(scenario, priors=posterior_priors(scenario.priors, posterior), posterior=posterior)


def is_model_file(model: str) -> bool:
    """``model = "my_model.py"`` or ``"my_model.py:function"``: a Python file next to the scenario."""
    return model.endswith(".py") or ".py:" in model


def _parse_model(head: Mapping[str, Any], data: Mapping[str, Any], file: str, path: Path | None) -> str:
    """The ``model`` line: a bundled model, a Python file next to the scenario, or none (then the
    scenario's ``[outputs]`` are its equations)."""
    model = head.get("model")
    if model is None:
        if "outputs" not in data:
            raise InputError(
                f"{file}: scenario.model",
                "missing: name a bundled model (flopcast models), a Python "
                'file (model = "my_model.py"), or write the equations in an '
                '[outputs] table (y = "a * b")',
            )
        return ""
    if not isinstance(model, str) or not model:
        raise InputError(f"{file}: scenario.model", "must be a model name or a .py file")
    if is_model_file(model):
        if path is not None and path.resolve().parent == SCENARIO_DIR:
            raise InputError(f"{file}: scenario.model", "a bundled scenario cannot load a Python file")
        if "\x00" in model or len(model) > 255:
            raise InputError(f"{file}: scenario.model", "not a usable file name")
    return model


def _parse_hardware(head: Mapping[str, Any], file: str) -> tuple[str | None, str]:
    """``accelerator = "B200"`` (a library name, see priors/hardware.py) and ``precision = "fp8"``."""

    name = head.get("accelerator")
    if name is not None:
        name = find(name, f"{file}: scenario.accelerator").name
    elif "precision" in head:
        raise InputError(
            f"{file}: scenario.precision",
            'chooses the peak of an accelerator: add accelerator = "NAME" (H100-SXM for the H100)',
        )
    return name, check_precision(head.get("precision", "bf16"), f"{file}: scenario.precision")


def _array_of_tables(data: Mapping[str, Any], key: str, file: str) -> list[dict]:
    items = data.get(key, [])
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        raise InputError(f"{file}: {key}", f"must be an array of tables ([[{key}]])")
    return items


def _parse_headline(i: int, spec: dict, file: str) -> Headline:
    where = f"{file}: headlines[{i}]"
    _no_extra(spec, _HEADLINE_KEYS, file, f"headlines[{i}]")
    if not isinstance(spec.get("output"), str):
        raise InputError(f"{where}.output", "missing or not a string")
    value = numbers_in(spec.get("value"))
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0 or not math.isfinite(value):
        raise InputError(f"{where}.value", f"must be a positive number, got {value!r}")
    sets = numbers_in(spec.get("set", {}))
    if not isinstance(sets, dict) or not all(
        isinstance(v, (int, float)) and not isinstance(v, bool) for v in sets.values()
    ):
        raise InputError(f"{where}.set", "must be a table of input = number")
    return Headline(
        output=spec["output"],
        value=float(value),
        quote=str(spec.get("quote", "")),
        source=str(spec.get("source", "")),
        label=str(spec.get("label", "")),
        note=str(spec.get("note", "")),
        set={k: float(v) for k, v in sets.items()},
    )


def _parse_correlation(i: int, spec: dict, file: str, priors: Mapping[str, Prior]) -> Correlation:
    where = f"{file}: correlations[{i}]"
    _no_extra(spec, {"inputs", "rank"}, file, f"correlations[{i}]")
    inputs = spec.get("inputs")
    if not (isinstance(inputs, list) and len(inputs) == 2 and all(isinstance(n, str) for n in inputs)):
        raise InputError(f"{where}.inputs", "must be a pair of input names")
    if inputs[0] == inputs[1]:
        raise InputError(f"{where}.inputs", "an input cannot be correlated with itself")
    for name in inputs:
        if name not in priors:
            raise InputError(f"{where}.inputs", f"{name!r} has no prior in this scenario")
        if priors[name].is_constant:
            raise InputError(f"{where}.inputs", f"{name!r} is a constant; only uncertain inputs can be correlated")
    rank = spec.get("rank")
    if isinstance(rank, bool) or not isinstance(rank, (int, float)) or not -1.0 <= rank <= 1.0:
        raise InputError(f"{where}.rank", f"must be a number in [-1, 1], got {rank!r}")
    return Correlation((inputs[0], inputs[1]), float(rank))


def _no_repeated_pairs(correlations: tuple[Correlation, ...], file: str) -> None:
    """Each pair of inputs is correlated once: a repeat is refused, a contradictory one too."""
    seen: dict[frozenset, tuple[int, Correlation]] = {}
    for i, c in enumerate(correlations):
        key = frozenset(c.inputs)
        if key in seen:
            j, first = seen[key]
            what = "repeats" if first.rank == c.rank else f"contradicts (rank {c.rank:g} vs {first.rank:g})"
            raise InputError(
                f"{file}: correlations[{i}]",
                f"{what} correlations[{j}] for the pair "
                f"({c.inputs[0]}, {c.inputs[1]}); give each pair one [[correlations]] table",
            )
        seen[key] = (i, c)


def _parse_waterfall(spec: Any, file: str) -> Waterfall:
    where = f"{file}: waterfall"
    if not isinstance(spec, dict):
        raise InputError(where, "must be a table with output, start and [[waterfall.steps]]")
    _no_extra(spec, {"output", "start", "start_label", "steps"}, file, "waterfall")
    if not isinstance(spec.get("output"), str):
        raise InputError(f"{where}.output", "missing or not a string")
    start = spec.get("start", {})
    if not isinstance(start, dict) or not all(_is_num(v) for v in start.values()):
        raise InputError(f"{where}.start", "must be a table of input = number")
    steps = []
    for i, step in enumerate(_array_of_tables(spec, "steps", f"{file}: waterfall")):
        _no_extra(step, {"label", "inputs"}, file, f"waterfall.steps[{i}]")
        inputs = step.get("inputs")
        if not isinstance(inputs, list) or not inputs or not all(isinstance(n, str) for n in inputs):
            raise InputError(f"{where}.steps[{i}].inputs", "must be a non-empty list of input names")
        unknown = [n for n in inputs if n not in start]
        if unknown:
            raise InputError(f"{where}.steps[{i}].inputs", f"{unknown[0]!r} is not set in waterfall.start")
        steps.append(WaterfallStep(str(step.get("label", ", ".join(inputs))), tuple(inputs)))
    return Waterfall(
        spec["output"], {k: float(v) for k, v in start.items()}, tuple(steps), str(spec.get("start_label", "start"))
    )


def _is_num(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


def _no_extra(table: Mapping[str, Any], allowed: set[str], file: str, prefix: str) -> None:
    extra = sorted(set(table) - allowed)
    if extra:
        where = f"{file}: {prefix + '.' if prefix else ''}{extra[0]}"
        raise InputError(where, f"unknown key; allowed here: {', '.join(sorted(allowed))}")


def function_scenario(fn: Callable, priors: Mapping[str, Any] | None, name: str | None = None):
    """The Scenario of a notebook model: ``fn`` and its ``priors=`` in the prior vocabulary (``priors/vocabulary.py``)."""

    if not callable(fn):
        raise InputError("model", f"must be a scenario name, a path, or a function; got {type(fn).__name__}")
    if priors is None:
        priors = {}
    if not isinstance(priors, Mapping):
        raise InputError("priors", 'must be a dict {input name: prior}, e.g. {"a": (1, 10), "b": 3}')
    label = name or getattr(fn, "__name__", "") or "model"
    if not label.isidentifier():
        label = "model"  # a lambda
    check_name(label, "name")
    parsed = {}
    for key, value in priors.items():
        if not isinstance(key, str) or not key.isidentifier():
            raise InputError("priors", f"{str(key)[:40]!r} cannot name an input (a Python identifier)")
        parsed[key] = to_prior(key, value, None, f"priors.{key}")
    units = getattr(fn, "__flopcast_units__", {}) or {}

    outputs = tuple(OutputSpec(n, None, str(u)) for n, u in units.items())
    return Scenario(
        name=label,
        model="",
        description=getattr(fn, "__doc__", None) or "",
        priors=parsed,
        outputs=outputs,
        function=fn,
    )

"""The model registry: what maps a scenario's named inputs to named outputs.

Four kinds plug in, and the engine sees one ``Model`` whichever it is:

- a bundled module of ``flopcast.models`` (``model = "sora"``; a chain ``"video_diffusion+video_fleet"``);
- the scenario's own equations (no ``model`` line, an ``[outputs]`` table: ``priors/equations.py``);
- a Python function in a notebook (``fc.run(fn, priors={...})``): it takes the inputs by name and
  returns a dict of outputs;
- a Python file next to the scenario (``model = "my_model.py"`` or ``"my_model.py:function"``): either a
  module that follows the bundled contract (``INPUTS``, ``OUTPUTS``, ``evaluate``; ``models/spec.py``)
  or a function (named ``model`` unless the line names another). Loading the file runs its code, so
  only a path the user wrote is ever loaded, never one a bundled scenario names.

Inputs of equations and functions take their unit from the prior (``unit = "..."``) and their domain
from ``domain = "..."`` or, without one, from the prior's support (a beta is a fraction, a family that
draws only positive values is positive, ...), so ``--set NAME="A to B"`` builds the same kind of prior.
"""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import pkgutil
import re
import sys
from dataclasses import dataclass
from types import ModuleType
from typing import Any, Callable, Mapping

from flopcast import models
from flopcast.models.spec import Quantity
from flopcast.priors.errors import InputError
from flopcast.priors.prior import Prior
from flopcast.priors.scenario import Scenario

EQUATIONS = "equations"  # the model name of a scenario's own [outputs]


@dataclass(frozen=True)
class Model:
    """A model module, or a chain of them (``"video_diffusion+video_fleet"``), or a scenario's equations,
    or a Python function: ``parts`` each have ``INPUTS`` and ``evaluate(x)`` (and may have ``check``).

    In a chain each part's outputs become inputs of the parts after it: the chain's inputs are the
    parts' inputs that no earlier part produces (shared names are one input), its outputs are all the
    parts' outputs. The engine sees one model either way.
    """

    name: str
    inputs: Mapping[str, Any]
    outputs: Mapping[str, Any]
    key_outputs: tuple[str, ...]
    parts: tuple[Any, ...]
    equivalents: tuple[tuple[str, str, float], ...] = ()  # (twin, output, factor): H100-equivalents (--gpu)
    kind: str = "bundled"  # "bundled", "equations", "function" or "file"
    # (new name, the parts' own name): an h100-named output's count on another accelerator (--gpu)
    renamed: tuple[tuple[str, str], ...] = ()

    def evaluate(self, x: Mapping[str, Any]) -> dict[str, Any]:
        if len(self.parts) == 1:
            out = self.parts[0].evaluate(x)
        else:
            namespace = dict(x)
            out = {}
            for part in self.parts:
                y = part.evaluate(namespace)
                namespace.update(y)
                out.update(y)
        for new, own in self.renamed:  # the parts' own names; the plan's are priors/hardware.py's rule
            out[new] = out.pop(own)
        for twin, name, factor in self.equivalents:
            out[twin] = out[name] * factor
        return out

    def own_name(self, output: str) -> str:
        """The name the model's parts give ``output`` (its own unless --gpu renamed it)."""
        return dict(self.renamed).get(output, output)

    def check(self, x: Mapping[str, Any]) -> list[tuple[str, str]]:
        problems: list[tuple[str, str]] = []
        for part in self.parts:
            check: Callable | None = getattr(part, "check", None)
            if check is not None:
                problems.extend(check({k: v for k, v in x.items() if k in part.INPUTS}))
        return problems


# -- bundled modules -----------------------------------------------------------------------------


CONTRACT = "spec"  # models/spec.py: the contract bundled and user modules follow, not a model


def available_models() -> list[str]:
    """The bundled model modules (every module of ``flopcast.models`` but the contract and private ones)."""
    return sorted(
        m.name for m in pkgutil.iter_modules(models.__path__) if not m.name.startswith("_") and m.name != CONTRACT
    )


def _load_module(name: str, where: str) -> ModuleType:
    if not re.fullmatch(r"[a-z][a-z0-9_]*", name):
        raise InputError(where, f"{name!r} is not a model name (lower-case letters, digits, _; chain with +)")
    if name == CONTRACT:
        raise InputError(
            where, f"{name!r} is the contract models follow, not a model; available: {', '.join(available_models())}"
        )
    try:
        module = importlib.import_module(f"flopcast.models.{name}")
    except ModuleNotFoundError as exc:
        if exc.name in (f"flopcast.models.{name}", "flopcast.models"):
            raise InputError(where, f"unknown model {name!r}; available: {', '.join(available_models())}") from None
        raise
    _check_contract(module, f"models/{name}.py", where)
    return module


def _check_contract(module: ModuleType, label: str, where: str) -> None:
    missing = [attr for attr in ("INPUTS", "OUTPUTS", "evaluate") if not hasattr(module, attr)]
    if missing:
        raise InputError(where, f"{label} lacks {', '.join(missing)} (see flopcast.models.spec)")


def load_model(name: str, where: str = "") -> Model:
    """``"sora"`` -> models.sora; ``"a+b"`` -> models.a feeding models.b."""
    where = where or "model"
    return _chain(name, tuple(_load_module(part.strip(), where) for part in name.split("+")), where)


def _chain(name: str, parts: tuple[Any, ...], where: str, kind: str = "bundled") -> Model:
    inputs: dict[str, Any] = {}
    outputs: dict[str, Any] = {}
    key: list[str] = []
    for part in parts:
        for n, spec in part.INPUTS.items():
            if n not in outputs and n not in inputs:
                inputs[n] = spec
        for n, spec in part.OUTPUTS.items():
            if n in outputs:
                raise InputError(where, f"two parts of {name!r} both produce {n!r}")
            outputs[n] = spec
        key.extend(getattr(part, "KEY_OUTPUTS", tuple(part.OUTPUTS)))
    return Model(name, inputs, outputs, tuple(key), parts, kind=kind)


def model_for(scenario: Scenario) -> Model:
    """The model a scenario names (or is): bundled, its own equations, a notebook function or a file."""
    where = f"{scenario.file}: scenario.model"
    if scenario.function is not None:
        return function_model(scenario.function, scenario, where)
    if scenario.model_file is not None:
        return _file_model(scenario, where)
    if not scenario.model:
        return _equations_model(scenario)
    return load_model(scenario.model, where)


# -- inputs known only from their priors ---------------------------------------------------------


def inferred_domain(prior: Prior) -> str:
    """An input's domain when no model declares it: the prior's ``domain``, else its support's."""
    if prior.domain is not None:
        return prior.domain
    dist = prior.dist
    if dist.is_constant:
        v = float(dist.median)
        return "positive" if v > 0 else "nonnegative" if v == 0 else "real"
    if dist.family == "beta":
        return "fraction"
    lo, _ = dist.support
    lo_open, _ = dist.support_open
    if dist.family == "metalog" and getattr(dist, "domain_bounds", False):
        return "positive" if all(x > 0 for _, x in getattr(dist, "quantiles", ())) else "real"
    if lo > 0 or (lo == 0 and lo_open):
        return "positive"
    return "nonnegative" if lo == 0 else "real"


def _input_specs(scenario: Scenario, names) -> dict[str, Quantity]:
    specs = {}
    for name in names:
        prior = scenario.priors.get(name)
        if prior is None:
            continue
        specs[name] = Quantity(prior.unit or "", prior.rationale or prior.source or "", domain=inferred_domain(prior))
    return specs


def _output_specs(scenario: Scenario, names) -> dict[str, Quantity]:
    given = {o.name: o for o in scenario.outputs}

    def described(n: str) -> str:  # a formula without a description is described by itself
        o = given.get(n)
        if o is None:
            return ""
        return o.description or (f"{n} = {o.formula.text}" if o.formula is not None else "")

    return {
        n: Quantity(given[n].unit if n in given else "", described(n), domain=given[n].domain if n in given else None)
        for n in names
    }


def _key_outputs(scenario: Scenario, names) -> tuple[str, ...]:
    given = {o.name: o for o in scenario.outputs}
    key = tuple(n for n in names if n not in given or given[n].key)
    return key or tuple(names)


# -- a scenario's own equations ------------------------------------------------------------------


@dataclass(frozen=True)
class _Equations:
    """The ``[outputs]`` formulas, evaluated in file order (each may read the ones above it)."""

    INPUTS: Mapping[str, Any]
    OUTPUTS: Mapping[str, Any]
    formulas: tuple[tuple[str, Any], ...]

    def evaluate(self, x: Mapping[str, Any]) -> dict[str, Any]:
        namespace = dict(x)
        out = {}
        for name, formula in self.formulas:
            out[name] = namespace[name] = formula(namespace)
        return out


def _equations_model(scenario: Scenario) -> Model:
    names = [o.name for o in scenario.outputs]
    inputs = _input_specs(scenario, scenario.priors)
    outputs = _output_specs(scenario, names)
    part = _Equations(inputs, outputs, tuple((o.name, o.formula) for o in scenario.outputs))
    return Model(EQUATIONS, inputs, outputs, _key_outputs(scenario, names), (part,), kind=EQUATIONS)


# -- a Python function ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Function:
    """A function of named inputs returning ``{output: value}``; its exceptions become one-line errors."""

    INPUTS: Mapping[str, Any]
    OUTPUTS: Mapping[str, Any]
    fn: Callable
    label: str
    takes: tuple[str, ...] | None  # the parameter names it takes; None: any (it has **kwargs)

    def evaluate(self, x: Mapping[str, Any]) -> dict[str, Any]:
        args = {n: x[n] for n in (self.takes if self.takes is not None else self.INPUTS) if n in x}
        try:
            y = self.fn(**args)
        except InputError:
            raise
        except (Exception, SystemExit) as exc:  # the user's code: one line naming it, the traceback chained
            symbolic = any(type(v).__module__.startswith("pytensor") for v in args.values())
            why = (
                "; calibrate evaluates the function on PyTensor tensors, so it must use operators and numpy "
                "ufuncs only (no float(), math.*, if on values)"
                if symbolic
                else ""
            )
            raise InputError(self.label, f"the model function raised {type(exc).__name__}: {exc}{why}") from exc
        if not isinstance(y, Mapping) or not y or not all(isinstance(k, str) for k in y):
            raise InputError(
                self.label, f"the model function must return a dict {{output name: value}}, got {type(y).__name__}"
            )
        return dict(y)


def _parameters(fn: Callable, label: str) -> tuple[tuple[str, ...] | None, dict[str, float]]:
    """The input names a function takes (None with **kwargs) and the defaults of those that have one."""
    try:
        sig = inspect.signature(fn)
    except (TypeError, ValueError):
        raise InputError(label, "the model function has no readable signature; write def f(a, b): ...") from None
    names, defaults, anything = [], {}, False
    for p in sig.parameters.values():
        if p.kind is p.VAR_KEYWORD:
            anything = True
        elif p.kind is p.VAR_POSITIONAL or p.kind is p.POSITIONAL_ONLY:
            raise InputError(
                label,
                f"the model function takes inputs by name; *{p.name} and positional-only "
                "parameters cannot be given one",
            )
        else:
            names.append(p.name)
            if p.default is not p.empty:
                defaults[p.name] = p.default
    return (None if anything else tuple(names)), defaults


def function_model(fn: Callable, scenario: Scenario, where: str = "model", label: str | None = None) -> Model:
    """A Python function as a model: inputs are its parameters (with **kwargs: every prior), outputs
    the keys of the dict it returns at the priors' point values."""
    import numpy as np

    name = str(getattr(fn, "__name__", "") or "")
    label = str(label or (name if name.isidentifier() else "function"))  # a lambda: "function"
    takes, defaults = _parameters(fn, label)
    names = list(takes) if takes is not None else list(scenario.priors)
    missing = [n for n in names if n not in scenario.priors and n not in defaults]
    if missing:
        raise InputError(
            f"{label}",
            f"no prior for input {missing[0]!r} of the model function; give one in "
            f"priors= (e.g. priors={{{missing[0]!r}: (1, 10)}}) or a default in its signature",
        )
    unknown = [n for n in scenario.priors if takes is not None and n not in takes]
    if unknown:
        raise InputError(
            f"priors.{unknown[0]}",
            f"the model function takes no input {unknown[0]!r}; it takes: {', '.join(names) or 'nothing'}",
        )
    inputs = _input_specs(scenario, names)
    for n, value in defaults.items():
        if n not in inputs:
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise InputError(label, f"the default of {n} must be a number to serve as a fixed input")
            inputs[n] = Quantity("", "the function's default", default=float(value), domain="real")
    probe = _Function(inputs, {}, fn, label, takes)
    x = {n: np.float64(scenario.priors[n].point if n in scenario.priors else defaults[n]) for n in names}
    with np.errstate(all="ignore"):
        y = probe.evaluate(x)
    for n in y:
        if n in inputs:
            raise InputError(label, f"the model function returns {n!r}, which is also an input; rename the output")
    declared = [o.name for o in scenario.outputs]
    extra = [n for n in declared if n not in y]
    if extra:
        raise InputError(
            f"{scenario.file}: outputs.{extra[0]}",
            f"the model function returns no {extra[0]!r}; it returns: {', '.join(y)}",
        )
    names_out = list(y)
    outputs = _output_specs(scenario, names_out)
    part = _Function(inputs, outputs, fn, label, takes)
    return Model(label, inputs, outputs, _key_outputs(scenario, names_out), (part,), kind="function")


# -- a Python file next to the scenario ----------------------------------------------------------


def _file_model(scenario: Scenario, where: str) -> Model:
    path = scenario.model_file
    function_name = scenario.model.rsplit(":", 1)[1] if ".py:" in scenario.model else None
    if path is None or not path.is_file():
        raise InputError(
            where, f"no such Python file: {scenario.model.rsplit(':', 1)[0]!r} (relative to the scenario file)"
        )
    if function_name is not None and (not function_name.isidentifier() or function_name.startswith("_")):
        raise InputError(
            where, f"{function_name[:60]!r} is not a function name (letters, digits, _; not starting with _)"
        )
    module = _import_file(path, where)
    if function_name is None and hasattr(module, "evaluate") and hasattr(module, "OUTPUTS"):
        _check_contract(module, path.name, where)
        return _chain(path.name, (module,), where, kind="file")
    name = function_name or "model"
    fn = vars(module).get(name)
    if not callable(fn) or isinstance(fn, type):
        raise InputError(
            where,
            f"{path.name} defines no function {name!r} (and no INPUTS/OUTPUTS/evaluate); "
            f'name it in the scenario: model = "{path.name}:my_function"',
        )
    return function_model(fn, scenario, where, label=f"{path.name}:{name}")


def _import_file(path, where: str) -> ModuleType:
    """Run the file as a module of its own (never added to sys.modules under a package's name)."""
    module_name = f"flopcast_user_model_{abs(hash(str(path.resolve()))):x}"
    spec = importlib.util.spec_from_file_location(module_name, path)
    if spec is None or spec.loader is None:
        raise InputError(where, f"{path.name} cannot be loaded as Python")
    module = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(module)
    except (Exception, SystemExit) as exc:
        raise InputError(where, f"{path.name} failed to load: {type(exc).__name__}: {exc}") from exc
    sys.modules.pop(module_name, None)
    return module

"""Load a model module by the name a scenario gives, and bind a scenario's priors to its inputs.

The engine knows no model by name: ``scenario.model = "sora"`` imports ``models.sora``.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any, Callable, Mapping

from priors.errors import InputError
from priors.families import Distribution
from priors.scenario import Correlation, Scenario


@dataclass(frozen=True)
class Model:
    name: str
    module: ModuleType
    inputs: Mapping[str, Any]
    outputs: Mapping[str, Any]
    key_outputs: tuple[str, ...]

    def evaluate(self, x: Mapping[str, Any]) -> dict[str, Any]:
        return self.module.evaluate(x)

    def check(self, x: Mapping[str, Any]) -> list[tuple[str, str]]:
        check: Callable | None = getattr(self.module, "check", None)
        return list(check(x)) if check is not None else []


def available_models() -> list[str]:
    import models

    return sorted(m.name for m in pkgutil.iter_modules(models.__path__) if not m.name.startswith("_"))


def load_model(name: str, where: str = "") -> Model:
    where = where or "model"
    if not re.fullmatch(r"[a-z][a-z0-9_]*", name):
        raise InputError(where, f"{name!r} is not a model name (lower-case letters, digits, _)")
    try:
        module = importlib.import_module(f"models.{name}")
    except ModuleNotFoundError as exc:
        if exc.name in (f"models.{name}", "models"):
            raise InputError(where, f"unknown model {name!r}; available: {', '.join(available_models())}") from None
        raise
    missing = [attr for attr in ("INPUTS", "OUTPUTS", "evaluate") if not hasattr(module, attr)]
    if missing:
        raise InputError(where, f"models/{name}.py lacks {', '.join(missing)} (see models/_spec.py)")
    key = tuple(getattr(module, "KEY_OUTPUTS", tuple(module.OUTPUTS)))
    return Model(name, module, dict(module.INPUTS), dict(module.OUTPUTS), key)


@dataclass(frozen=True)
class Plan:
    """A scenario bound to its model: which inputs are sampled, which are fixed, and their metadata."""

    scenario: Scenario
    model: Model
    dists: Mapping[str, Distribution]  # uncertain inputs, in scenario order
    constants: Mapping[str, float]  # constant priors and model defaults
    points: Mapping[str, float]  # every input's point value
    correlations: tuple[Correlation, ...] = field(default=())

    @property
    def uncertain(self) -> list[str]:
        return list(self.dists)

    @property
    def input_names(self) -> list[str]:
        return list(self.model.inputs)

    def unit(self, name: str) -> str:
        spec = self.model.inputs.get(name) or self.model.outputs.get(name)
        return spec.unit if spec is not None else ""

    def prior_source(self, name: str) -> str:
        prior = self.scenario.priors.get(name)
        if prior is not None:
            return prior.source
        return f"model default: {self.model.inputs[name].source}"


def bind(scenario: Scenario, sets: tuple[str, ...] | list[str] = ()) -> Plan:
    """Check the scenario against its model and split inputs into sampled and fixed."""
    file = scenario.file
    model = load_model(scenario.model, f"{file}: scenario.model")
    if sets:
        scenario = scenario.with_overrides(sets, model.inputs)
    for name, prior in scenario.priors.items():
        if name not in model.inputs:
            raise InputError(
                f"{file}: priors.{name}",
                f"the {model.name} model has no input {name!r}; its inputs are: {', '.join(model.inputs)}",
            )
        unit = model.inputs[name].unit
        if prior.unit is not None and prior.unit != unit:
            raise InputError(f"{file}: priors.{name}.unit", f"{prior.unit!r} does not match the model's unit {unit!r}")
    dists: dict[str, Distribution] = {}
    constants: dict[str, float] = {}
    points: dict[str, float] = {}
    for name, spec in model.inputs.items():
        prior = scenario.priors.get(name)
        if prior is None:
            if spec.default is None:
                raise InputError(
                    f"{file}: priors.{name}",
                    f"missing: the {model.name} model needs {name} ({spec.unit}, {spec.description}) and has no default",
                )
            constants[name] = float(spec.default)
            points[name] = float(spec.default)
        elif prior.is_constant:
            constants[name] = prior.point
            points[name] = prior.point
        else:
            dists[name] = prior.dist
            points[name] = prior.point
    correlations = tuple(c for c in scenario.correlations if all(n in dists for n in c.inputs))
    for c in scenario.correlations:
        if c not in correlations:
            raise InputError(f"{file}: correlations", f"{' and '.join(c.inputs)} must both be uncertain to be correlated")
    for headline in scenario.headlines:
        if headline.output not in model.outputs:
            raise InputError(
                f"{file}: headlines",
                f"unknown output {headline.output!r}; the {model.name} model's outputs are: {', '.join(model.outputs)}",
            )
        for name in headline.set:
            if name not in model.inputs:
                raise InputError(f"{file}: headlines.set", f"unknown input {name!r}")
    return Plan(scenario, model, dists, constants, points, correlations)

"""The typed Python API: every analysis takes a model the same way, with real signatures.

``model`` is a bundled scenario name (``"plappert-2024"``), a path to a scenario file, a ``Scenario``,
a bound ``Plan``, or a Python function of named inputs that returns a dict of outputs (then
``priors=`` gives its inputs' priors). ``priors=`` and ``set=`` take the prior vocabulary of
``flopcast.priors.vocabulary`` (a number, ``(low, high)``, ``"A to B"``, a dict, ``fc.lognormal(...)``):

>>> import flopcast as fc
>>> r = fc.run(lambda a, b, c: {"y": a * b * c},
...            priors={"a": (1, 10), "b": (0.5, 2), "c": (100, 1000)}, draws=100_000, seed=1)
>>> round(r.summary["y"].median, -1)  # closed form: sqrt(10) * 1 * sqrt(1e5) = 1,000
1000.0
>>> round(fc.sensitivity(r.plan, "y", log=True, n=1024, seed=1).inputs["b"].s1, 2)  # exact: 0.15 of Var[log y]
0.15

The command line parses its options into these same calls.
"""

from __future__ import annotations

import functools
import inspect
from dataclasses import dataclass, fields
from functools import cached_property
from typing import Any, Callable, Mapping

from flopcast import engine
from flopcast.analyze import audit, calibration, sensitivity, stress, validate, voi, waterfall
from flopcast.analyze.headlines import Headlines, headlines
from flopcast.engine import plan_for
from flopcast.plan import Plan
from flopcast.priors.scenario import Scenario
from flopcast.report import registry  # noqa: F401  (registers how every bundled result type is rendered)
from flopcast.results import RunResult

ModelRef = "str | os.PathLike | Scenario | Plan | Callable[..., dict]"
_PLAN_KEYWORDS = ("priors", "set", "gpu", "flop_convention")
_HIDDEN = {
    "sets",
    "set",
    "gpu",
    "flop_convention",
    "columns",
    "mapper",
    "summarize_outputs",
    "keep_inputs",
    "progress",
    "result",
}  # engine plumbing the notebook API does not take


def bind(
    model: Any,
    *,
    priors: Mapping[str, Any] | None = None,
    set: Mapping[str, Any] | None = None,  # noqa: A002
    gpu: str | None = None,
    flop_convention: str | None = None,
) -> Plan:
    """``fc.bind("plappert-2024", set={"sora_params": (5e9, 60e9)})``: a model bound to its priors
    (what every analysis computes on); see the module docstring for ``model``, ``priors`` and ``set``."""

    return plan_for(model, set or (), gpu=gpu, flop_convention=flop_convention, priors=priors)


def _signature(function: Callable) -> inspect.Signature:
    inner = inspect.signature(function)
    params = list(inner.parameters.values())[1:]
    kinds = inspect.Parameter
    positional = [p for p in params if p.kind is kinds.POSITIONAL_OR_KEYWORD and p.name not in _HIDDEN]
    keyword = [p for p in params if p.kind is kinds.KEYWORD_ONLY and p.name not in _HIDDEN]
    var = [p for p in params if p.kind is kinds.VAR_KEYWORD]
    head = inspect.Parameter("model", kinds.POSITIONAL_OR_KEYWORD, annotation=ModelRef)
    extra = [inspect.Parameter(n, kinds.KEYWORD_ONLY, default=None) for n in _PLAN_KEYWORDS]
    return inner.replace(parameters=[head, *positional, *extra, *keyword, *var])


def with_model(function: Callable, name: str, example: str) -> Callable:
    """``function(plan, ...)`` as ``fc.<name>(model, ..., priors=, set=, gpu=, flop_convention=)``,
    with the merged signature (``inspect.signature`` shows every parameter) and a docstring that
    starts with how to call it."""
    sig = _signature(function)

    def api(*args: Any, **kwargs: Any) -> Any:
        bound = sig.bind(*args, **kwargs)
        arguments = dict(bound.arguments)
        model = arguments.pop("model")
        keys = {k: arguments.pop(k, None) for k in _PLAN_KEYWORDS}
        for p in sig.parameters.values():
            if p.kind is inspect.Parameter.VAR_KEYWORD and p.name in arguments:
                arguments.update(arguments.pop(p.name))
        return function(bind(model, **keys), **arguments)

    api.__name__ = api.__qualname__ = name
    api.__signature__ = sig  # type: ignore[attr-defined]
    api.__doc__ = f"fc.{name}({example})\n\n{inspect.getdoc(function) or ''}"
    api.__wrapped_function__ = function  # type: ignore[attr-defined]
    return api


@dataclass(frozen=True, repr=False)
class Run(RunResult):
    """What ``fc.run`` returns: the engine's ``RunResult`` with the notebook conveniences that hand it
    to the analyses, and the context ``flopcast run`` adds to its folder (``run_context``)."""

    @classmethod
    def of(cls, result: RunResult) -> "Run":
        return cls(**{f.name: getattr(result, f.name) for f in fields(RunResult)})

    def _report_context(self) -> dict:
        return dict(self._context)

    @cached_property
    def _context(self) -> dict:
        return run_context(self)

    def headlines(self) -> Headlines:
        """The scenario's published figures placed in this run's band (``analyze.headlines.Headlines``),
        with the 90% HDI of log(values) of every output spanning more than a decade; all draws count."""
        return self._context["headlines"]

    def sensitivity(self, output: str, **options):
        """Tornado, Sobol indices and rank correlations of ``output`` under this run's plan and seed."""
        return sensitivity.analyze(self.plan, output, seed=options.pop("seed", self.seed), **options)

    def stress(self, output: str, headline: float, **options):
        """Where ``headline`` sits in this run's band of ``output``, on this run's own draws."""
        return stress.stress(self.plan, output, headline, result=self, **options)


def run_context(result: RunResult) -> dict:
    """What ``flopcast run`` adds to a run's folder, computed here (the report only renders): the
    scenario's published figures placed in the run's band, and its waterfall when it has one."""
    context: dict[str, Any] = {"headlines": headlines(result)}
    if result.plan.scenario.waterfall is not None:
        context["waterfall"] = waterfall.waterfall(result.plan)
    return context


@functools.wraps(engine.run)
def _run(plan: Plan, *args: Any, **kwargs: Any) -> Run:
    return Run.of(engine.run(plan, *args, **kwargs))


@functools.wraps(engine.run_auto)
def run_auto(plan: Any, *args: Any, **kwargs: Any) -> tuple[Run, list]:
    result, rounds = engine.run_auto(plan, *args, **kwargs)
    return Run.of(result), rounds


# API name -> (function, how to call it)
ANALYSES: dict[str, tuple[Callable, str]] = {
    "run": (_run, "model, priors=None, set=None, draws=200_000, seed=1"),
    "point": (engine.point, '"plappert-2024", set={"dataset_multiplier": 10}'),
    "evaluate_point": (engine.evaluate_point, '"plappert-2024"'),
    "sensitivity": (sensitivity.analyze, 'model, "peak_fleet_h100", log=True'),
    "stress": (stress.stress, 'model, "peak_fleet_h100", 720_000'),
    "audit": (audit.audit, '"plappert-2024"'),
    "voi": (voi.voi, 'model, "peak_fleet_h100", decision=">= 720000"'),
    "waterfall": (waterfall.waterfall, '"sora-2026"'),
    "calibrate": (calibration.calibrate, 'model, "video-timings"'),
    "validate": (validate.validate, '"video-diffusion", "video-timings", loo=True'),
}


def api_function(name: str) -> Callable:
    function, example = ANALYSES[name]
    return with_model(function, name, example)


def model(fn: Callable | None = None, *, units: Mapping[str, str] | None = None) -> Callable:
    """``@fc.model(units={"y": "USD"})`` on a model function: the units its outputs are reported in."""

    def mark(f: Callable) -> Callable:
        f.__flopcast_units__ = dict(units or {})  # type: ignore[attr-defined]
        return f

    return mark(fn) if fn is not None else mark


__all__ = ["Run", "Scenario", "api_function", "bind", "model", "run_auto", "run_context", "with_model"]

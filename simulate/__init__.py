"""flopcast: honest uncertainty bands for AI-compute estimates.

``import flopcast as fc`` is the Python API; every CLI subcommand only calls it::

    r = fc.run("plappert-2024", draws=100_000, seed=1,
               set={"dataset_multiplier": 10, "sora_params": (5e9, 60e9)})  # pair = 90% interval
    r.summary()                          # pandas DataFrame, one row per output
    fc.run(lambda a, b: {"y": a * b}, priors={"a": (1, 10), "b": fc.beta(ci90=(0.2, 0.6))})  # your own model
    r.samples                            # xarray.Dataset, dimension "draw", units in attrs
    r.stress("peak_fleet_h100", 720_000) # on the run's own draws
    fc.audit("plappert-2024")            # with FLOP-convention premises (MACs counted as FLOPs)
    fc.run("plappert-2024", flop_convention="corrected")  # MAC counts converted to FLOPs
    fc.voi("plappert-2024", "peak_fleet_h100", decision=">= 720000")  # which input is worth learning
    fc.run("plappert-2024", gpu="B200")  # on another accelerator; fc.hardware() lists the library

Names load on first use (the API and the report layer that renders its results), so ``import flopcast``
alone imports nothing heavy; matplotlib, xarray, pandas and PyMC load only when a result needs them.
"""

from importlib import import_module

__version__ = "0.1.0"

_EXPORTS = {
    "run_auto": "flopcast.api",
    "plan_for": "flopcast.api",
    "Run": "flopcast.api",
    "bind": "flopcast.api",
    "model": "flopcast.api",
    "load_samples": "flopcast.samples",
    "RunResult": "flopcast.results",
    "InputError": "flopcast.priors.errors",
    "FlopcastError": "flopcast.priors.errors",
    "OutputError": "flopcast.priors.errors",
    "ConvergenceError": "flopcast.priors.errors",
    "Result": "flopcast.protocol",
    "Quantity": "flopcast.models.spec",
    "load_scenario": "flopcast.priors.scenario",
}
_PLAIN = {  # API name -> (module, function): functions that take no model
    "compare": ("flopcast.analyze.compare", "compare"),
    "compare_outputs": ("flopcast.analyze.compare_outputs", "compare_outputs"),
    "scenarios": ("flopcast.priors.catalog", "bundled_scenario_heads"),
    "hardware": ("flopcast.analyze.hardware", "hardware"),
}
_MODEL_FIRST = (
    "run",
    "point",
    "evaluate_point",
    "sensitivity",
    "stress",
    "audit",
    "voi",
    "waterfall",
    "calibrate",
    "validate",
)  # fc.<name>(model, ..., priors=, set=, gpu=, flop_convention=): flopcast.api
_PRIORS = ("constant", "uniform", "loguniform", "normal", "lognormal", "beta", "triangular", "pert", "metalog")

__all__ = sorted([*_EXPORTS, *_PLAIN, *_MODEL_FIRST, *_PRIORS, "__version__"])


def __getattr__(name: str):
    if name in __all__:
        import_module("flopcast.api")  # the API, and the report layer that renders every result it returns
    if name in _EXPORTS:
        return getattr(import_module(_EXPORTS[name]), name)
    if name in _MODEL_FIRST:
        value = import_module("flopcast.api").api_function(name)
    elif name in _PLAIN:
        module, function = _PLAIN[name]
        value = getattr(import_module(module), function)
    elif name in _PRIORS:
        value = import_module("flopcast.priors.vocabulary").family(name)
    else:
        raise AttributeError(f"module 'flopcast' has no attribute {name!r}")
    globals()[name] = value  # built once
    return value


def __dir__():
    return __all__

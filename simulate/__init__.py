"""flopcast: honest uncertainty bands for AI-compute estimates.

``import flopcast as fc`` is the Python API; every CLI subcommand only calls it::

    r = fc.run("plappert-2024", draws=100_000, seed=1,
               set={"dataset_multiplier": 10, "sora_params": (5e9, 60e9)})  # pair = 90% interval
    r.summary()                          # pandas DataFrame, one row per output
    r.samples                            # xarray.Dataset, dimension "draw", units in attrs
    r.stress("peak_fleet_h100", 720_000) # on the run's own draws
    fc.audit("plappert-2024")            # with FLOP-convention premises (MACs counted as FLOPs)
    fc.run("plappert-2024", flop_convention="corrected")  # MAC counts converted to FLOPs
    fc.voi("plappert-2024", "peak_fleet_h100", decision=">= 720000")  # which input is worth learning
    fc.run("plappert-2024", gpu="B200")  # on another accelerator; fc.hardware() lists the library

Names load lazily, so ``flopcast --help`` starts without numpy, xarray or matplotlib.
"""

from importlib import import_module

__version__ = "0.1.0"

_EXPORTS = {
    "run": "flopcast.engine",
    "run_auto": "flopcast.engine",
    "evaluate_point": "flopcast.engine",
    "point": "flopcast.engine",
    "plan_for": "flopcast.engine",
    "load_samples": "flopcast.samples",
    "RunResult": "flopcast.results",
    "InputError": "flopcast.priors.errors",
    "load_scenario": "flopcast.priors.scenario",
}
_FUNCTIONS = {  # API name -> (module, function)
    "sensitivity": ("flopcast.analyze.sensitivity", "analyze"),
    "stress": ("flopcast.analyze.stress", "stress"),
    "audit": ("flopcast.analyze.audit", "audit"),
    "compare": ("flopcast.analyze.compare", "compare"),
    "compare_outputs": ("flopcast.analyze.compare_outputs", "compare_outputs"),
    "waterfall": ("flopcast.analyze.waterfall", "waterfall"),
    "voi": ("flopcast.analyze.voi", "voi"),
    "calibrate": ("flopcast.analyze.calibration", "calibrate"),
    "scenarios": ("flopcast.priors.catalog", "bundled_scenario_heads"),
    "hardware": ("flopcast.priors.hardware", "library"),
}

__all__ = sorted([*_EXPORTS, *_FUNCTIONS, "__version__"])


def __getattr__(name: str):
    if name in _EXPORTS:
        return getattr(import_module(_EXPORTS[name]), name)
    if name in _FUNCTIONS:
        module, function = _FUNCTIONS[name]
        return _plan_first(getattr(import_module(module), function), name)
    raise AttributeError(f"module 'flopcast' has no attribute {name!r}")


def _plan_first(function, name: str):
    """Analyses take a bundled name, a path, a Scenario or a Plan, and ``set=`` as in ``run``."""
    if name in ("sensitivity", "stress", "audit", "calibrate", "voi"):
        def api(scenario, *args, set=None, gpu=None, flop_convention=None, **kwargs):
            from flopcast.engine import plan_for

            return function(plan_for(scenario, set or (), gpu=gpu, flop_convention=flop_convention), *args, **kwargs)
    else:
        api = function
    api.__name__, api.__doc__ = name, function.__doc__
    return api


def __dir__():
    return __all__

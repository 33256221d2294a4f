"""Prior distributions (one file per family) and the scenario files that assign them to inputs.

Names are imported lazily so that ``from priors.errors import InputError`` (the CLI's first import)
does not pull in numpy and scipy.
"""

from importlib import import_module

_EXPORTS = {
    "InputError": "flopcast.priors.errors",
    "FAMILIES": "flopcast.priors.families",
    "Distribution": "flopcast.priors.families",
    "Correlation": "flopcast.priors.scenario",
    "Headline": "flopcast.priors.scenario",
    "Prior": "flopcast.priors.scenario",
    "Scenario": "flopcast.priors.scenario",
    "bundled_scenarios": "flopcast.priors.scenario",
    "load_scenario": "flopcast.priors.scenario",
    "parse_scenario": "flopcast.priors.scenario",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    if name in _EXPORTS:
        return getattr(import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'priors' has no attribute {name!r}")

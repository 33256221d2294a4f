"""Prior distributions (one file per family) and the scenario files that assign them to inputs.

Names are imported lazily so that ``from priors.errors import InputError`` (the CLI's first import)
does not pull in numpy and scipy.
"""

from importlib import import_module

_EXPORTS = {
    "InputError": "priors.errors",
    "FAMILIES": "priors.families",
    "Distribution": "priors.families",
    "Correlation": "priors.scenario",
    "Headline": "priors.scenario",
    "Prior": "priors.scenario",
    "Scenario": "priors.scenario",
    "bundled_scenarios": "priors.scenario",
    "load_scenario": "priors.scenario",
    "parse_scenario": "priors.scenario",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    if name in _EXPORTS:
        return getattr(import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'priors' has no attribute {name!r}")

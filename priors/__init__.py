"""Prior distributions (one file per family) and every file format flopcast reads: scenarios
(``scenario``, ``catalog``, ``scenario_text`` for the calibrated copy), evidence (``evidence``) and
comparisons (``comparison``).

Names are imported lazily so that ``from flopcast.priors.errors import InputError`` (the CLI's first import)
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
    "ScenarioHead": "flopcast.priors.catalog",
    "bundled_scenario_heads": "flopcast.priors.catalog",
    "Observation": "flopcast.priors.evidence",
    "Evidence": "flopcast.priors.evidence",
    "load_evidence": "flopcast.priors.evidence",
    "Comparison": "flopcast.priors.comparison",
    "ComparisonEntry": "flopcast.priors.comparison",
    "load_comparison": "flopcast.priors.comparison",
    "posterior_scenario_text": "flopcast.priors.scenario_text",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    if name in _EXPORTS:
        return getattr(import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'priors' has no attribute {name!r}")

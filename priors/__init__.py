"""Prior distributions (one file per family) and the scenario files that assign them to inputs."""

from priors.errors import InputError
from priors.families import FAMILIES, Distribution
from priors.scenario import (
    Correlation,
    Headline,
    Prior,
    Scenario,
    bundled_scenarios,
    load_scenario,
    parse_scenario,
)

__all__ = [
    "FAMILIES",
    "Correlation",
    "Distribution",
    "Headline",
    "InputError",
    "Prior",
    "Scenario",
    "bundled_scenarios",
    "load_scenario",
    "parse_scenario",
]

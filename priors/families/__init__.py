"""Prior families, one file each. ``FAMILIES`` maps the scenario's ``dist`` spelling to the class."""

from priors.families._base import Distribution
from priors.families.beta import Beta
from priors.families.constant import Constant
from priors.families.loguniform import LogUniform
from priors.families.lognormal import LogNormal
from priors.families.normal import Normal
from priors.families.pert import Pert
from priors.families.triangular import Triangular
from priors.families.uniform import Uniform

FAMILIES: dict[str, type[Distribution]] = {
    cls.family: cls
    for cls in (Constant, Uniform, LogUniform, Normal, LogNormal, Beta, Triangular, Pert)
}

__all__ = [
    "FAMILIES",
    "Distribution",
    "Beta",
    "Constant",
    "LogUniform",
    "LogNormal",
    "Normal",
    "Pert",
    "Triangular",
    "Uniform",
]

"""Prior families, one file each. ``FAMILIES`` maps the scenario's ``dist`` spelling to the class."""

from flopcast.priors.families._base import Distribution
from flopcast.priors.families.beta import Beta
from flopcast.priors.families.constant import Constant
from flopcast.priors.families.lognormal import LogNormal
from flopcast.priors.families.loguniform import LogUniform
from flopcast.priors.families.metalog import Metalog
from flopcast.priors.families.normal import Normal
from flopcast.priors.families.pert import Pert
from flopcast.priors.families.triangular import Triangular
from flopcast.priors.families.uniform import Uniform

FAMILIES: dict[str, type[Distribution]] = {
    cls.family: cls for cls in (Constant, Uniform, LogUniform, Normal, LogNormal, Beta, Triangular, Pert, Metalog)
}

__all__ = [
    "FAMILIES",
    "Distribution",
    "Beta",
    "Constant",
    "LogUniform",
    "LogNormal",
    "Metalog",
    "Normal",
    "Pert",
    "Triangular",
    "Uniform",
]

"""flopcast: honest uncertainty bands for AI-compute estimates.

``import flopcast as fc`` is the Python API that every CLI subcommand calls. Names load lazily so
that ``flopcast --help`` starts without numpy, xarray or matplotlib.
"""

from importlib import import_module

__version__ = "0.1.0"

_EXPORTS = {
    "run": "flopcast.engine",
    "evaluate_point": "flopcast.engine",
}

__all__ = sorted([*_EXPORTS, "__version__"])


def __getattr__(name: str):
    if name in _EXPORTS:
        return getattr(import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'flopcast' has no attribute {name!r}")


def __dir__():
    return __all__

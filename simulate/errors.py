"""``flopcast.errors``: ``FlopcastError`` -> ``InputError`` (exit 2), ``OutputError`` (exit 1),
``ConvergenceError`` (exit 3). Defined in ``flopcast.priors.errors`` (the lowest layer raises the
first of them) and re-exported here."""

from flopcast.priors.errors import (
    EXIT_CODES,
    EXIT_INTERRUPTED,
    ConvergenceError,
    FlopcastError,
    InputError,
    OutputError,
    exit_code,
)

__all__ = [
    "EXIT_CODES",
    "EXIT_INTERRUPTED",
    "ConvergenceError",
    "FlopcastError",
    "InputError",
    "OutputError",
    "exit_code",
]

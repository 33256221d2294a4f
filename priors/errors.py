"""The error types every layer raises, and the one place their exit codes are decided.

``FlopcastError`` is the root; the CLI prints any of them as a single line
``flopcast: error: <where>: <reason>`` and exits with ``EXIT_CODES`` of its type (``exit_code``);
anything else that escapes is a bug and keeps its traceback. This module lives in ``priors/``
(the lowest layer, which raises the first input errors) and is re-exported as ``flopcast.errors``.

- ``InputError`` (also a ``ValueError``): bad user input, exit 2.
- ``OutputError`` (also an ``OSError``): the output folder cannot be written (disk full, a
  file-size limit, a file in the way), exit 1; never an ``InputError``.
- ``ConvergenceError`` (also a ``RuntimeError``): a sampler did not converge, so nothing is
  reported, exit 3.
"""

from __future__ import annotations


class FlopcastError(Exception):
    """An expected failure with a place and a reason.

    ``where`` names the file and field (``plappert-2024.toml: priors.sora_params.ci90``) or the
    option, ``reason`` says what is wrong and, where possible, how to fix it.
    """

    problems: list[tuple[str, str]]  # every (where, reason) when one error lists several

    def __init__(self, where: str, reason: str):
        self.where = where
        self.reason = reason
        self.problems = [(where, reason)]
        super().__init__(f"{where}: {reason}" if where else reason)

    def __str__(self) -> str:  # OSError's own __str__ would print its errno fields
        return f"{self.where}: {self.reason}" if self.where else self.reason

    def __reduce__(self):  # picklable across dask workers and forked renderers
        return type(self), (self.where, self.reason)


class InputError(FlopcastError, ValueError):
    """Bad user input: a scenario, an option or an override that cannot be used."""


class OutputError(FlopcastError, OSError):
    """Writing the output folder failed (disk full, permissions, a file in the way)."""


class ConvergenceError(FlopcastError, RuntimeError):
    """A sampler did not converge; its result is not reported (the reason says how to fix it)."""


EXIT_CODES: dict[type, int] = {InputError: 2, OutputError: 1, ConvergenceError: 3}
EXIT_INTERRUPTED = 130


def exit_code(exc: FlopcastError) -> int:
    """The CLI's exit status for ``exc``: that of the first of its classes (most derived first) in
    ``EXIT_CODES``; 2 for any other ``FlopcastError``."""
    for cls in type(exc).__mro__:
        if cls in EXIT_CODES:
            return EXIT_CODES[cls]
    return 2

"""The one error type every layer raises for bad user input.

The CLI prints it as a single line ``flopcast: error: <where>: <reason>`` and exits non-zero;
anything else that escapes is a bug and keeps its traceback.
"""

from __future__ import annotations


class InputError(ValueError):
    """Bad user input: a scenario, an option or an override that cannot be used.

    ``where`` names the file and field (``plappert-2024.toml: priors.sora_params.ci90``),
    ``reason`` says what is wrong and, where possible, how to fix it.
    """

    def __init__(self, where: str, reason: str):
        self.where = where
        self.reason = reason
        super().__init__(f"{where}: {reason}" if where else reason)

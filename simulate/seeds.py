"""One ``numpy.random.SeedSequence`` per command, spawned into independent streams per purpose.

The command's seed (``--seed S``, or a fresh one drawn from OS entropy and recorded) is the root.
Sampling the priors reads the root itself, so ``--seed S`` draws exactly what
``numpy.random.default_rng(S)`` would; every other purpose gets its own child
(``SeedSequence(S, spawn_key=(i,))``, what ``SeedSequence(S).spawn`` returns), so no integer seed
is ever reused for two purposes: the Sobol design of a sensitivity analysis, its bootstrap, a goal
seek's draws and NUTS never share a stream with the draws they analyse.
"""

from __future__ import annotations

import numpy as np

from flopcast.priors.errors import InputError

# purpose -> spawn key; "sampling" is the root. Append new purposes, never renumber.
PURPOSES = {
    "sampling": None,
    "sobol": 0,
    "bootstrap": 1,
    "goal_seek": 2,
    "nuts": 3,
    "propagation": 4,
    "importance": 5,
    "validate": 6,
    "shapley": 7,
    "pawn": 8,
    "tail": 9,
}
MAX_SEED = 2**63 - 1


def check_seed(seed: object, flag: str = "seed") -> int:
    """A seed is a whole number in [0, 2**63 - 1]; text from the command line is parsed here too."""
    if isinstance(seed, str):
        text = seed.strip()
        try:
            seed = int(text)
        except ValueError:
            raise InputError(flag, f"must be a whole number in [0, 2**63 - 1], got {text!r}") from None
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or not 0 <= int(seed) <= MAX_SEED:
        raise InputError(flag, f"must be a whole number in [0, 2**63 - 1], got {seed!r}")
    return int(seed)


def resolve_seed(seed: object | None) -> int:
    """An explicit seed is checked and used as is; None draws a fresh 32-bit one from OS entropy,
    which the caller records so the command can be repeated."""
    if seed is not None:
        return check_seed(seed)
    return int(np.random.SeedSequence().generate_state(1)[0])


def stream(seed: int, purpose: str) -> np.random.SeedSequence:
    """The ``SeedSequence`` of one purpose under the command's root seed."""
    if purpose not in PURPOSES:
        raise ValueError(f"unknown random-stream purpose {purpose!r}; add it to PURPOSES")
    key = PURPOSES[purpose]
    if key is None:
        return np.random.SeedSequence(seed)
    return np.random.SeedSequence(seed, spawn_key=(key,))


def rng(seed: int, purpose: str) -> np.random.Generator:
    return np.random.default_rng(stream(seed, purpose))


def int_seed(seed: int, purpose: str) -> int:
    """A 32-bit integer from the purpose's stream, for libraries that take only an int (SALib)."""
    return int(stream(seed, purpose).generate_state(1)[0])

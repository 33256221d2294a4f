"""flopcast's engine: sampling, propagation, summaries, reports and the CLI.

Kept import-light so ``flopcast --help`` starts fast; submodules import numpy, xarray, arviz and
matplotlib only where they are used.
"""

__version__ = "0.1.0"

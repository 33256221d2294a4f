"""Docstring examples are real: they run here."""

import doctest

import pytest

import simulate.calibrate
import simulate.engine


@pytest.mark.parametrize("module", [simulate.engine, simulate.calibrate], ids=lambda m: m.__name__)
def test_docstring_examples_run(module):
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0

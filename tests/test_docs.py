"""Docstring examples are real: they run here."""

import doctest

import pytest

import flopcast.analyze.calibration
import flopcast.api
import flopcast.engine


@pytest.mark.parametrize("module", [flopcast.engine, flopcast.analyze.calibration, flopcast.api],
                         ids=lambda m: m.__name__)
def test_docstring_examples_run(module):
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0

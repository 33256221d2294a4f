"""flopcast.errors: one hierarchy, exit codes decided in one place (EXIT_CODES), used by the CLI."""

from __future__ import annotations

import pickle

import pytest

import flopcast as fc
from flopcast import errors
from flopcast.cli import commands
from flopcast.cli.app import _main


def test_hierarchy():
    assert issubclass(errors.InputError, errors.FlopcastError) and issubclass(errors.InputError, ValueError)
    assert issubclass(errors.OutputError, errors.FlopcastError) and issubclass(errors.OutputError, OSError)
    assert not issubclass(errors.OutputError, errors.InputError)  # a full disk is not bad input
    assert issubclass(errors.ConvergenceError, errors.FlopcastError)
    assert not issubclass(errors.ConvergenceError, errors.InputError)
    assert fc.InputError is errors.InputError
    from flopcast.analyze.calibration import CalibrationFailed
    from flopcast.outdir import OutputError

    assert OutputError is errors.OutputError and issubclass(CalibrationFailed, errors.ConvergenceError)


@pytest.mark.parametrize("cls, code", [(errors.InputError, 2), (errors.OutputError, 1), (errors.ConvergenceError, 3)])
def test_exit_codes_and_one_line(cls, code):
    exc = cls("where.toml: field", "what is wrong")
    assert errors.exit_code(exc) == code
    assert str(exc) == "where.toml: field: what is wrong"
    again = pickle.loads(pickle.dumps(exc))
    assert type(again) is cls and again.where == exc.where and again.reason == exc.reason


@pytest.mark.parametrize("cls, code", [(errors.InputError, 2), (errors.OutputError, 1), (errors.ConvergenceError, 3)])
def test_cli_maps_each_error_once(cls, code, monkeypatch, capsys, tmp_path):
    def failing(args, opts):
        raise cls("somewhere", "went wrong")

    monkeypatch.setattr(commands, "waterfall", failing)
    out = tmp_path / "out"
    assert _main(["waterfall", "sora-2026", "--out", str(out)]) == code
    err = capsys.readouterr().err.strip().splitlines()
    assert err == ["flopcast: error: somewhere: went wrong"] and not out.exists()


def test_unwritable_folder_is_an_output_error(tmp_path, capsys):
    (tmp_path / "file").write_text("in the way")
    code = _main(["waterfall", "sora-2026", "--out", str(tmp_path / "file" / "out")])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 1 and len(err) == 1 and err[0].startswith("flopcast: error: ")


@pytest.mark.parametrize(
    ("call", "parameter", "argv", "flag"),
    [
        (lambda fc: fc.run("plappert-2024", draws=0), "draws: ", ["run", "plappert-2024", "--draws", "0"], "--draws: "),
        (
            lambda fc: fc.sensitivity("plappert-2024", "nope"),
            "output nope: ",
            ["sensitivity", "plappert-2024", "--output", "nope"],
            "--output nope: ",
        ),
        (
            lambda fc: fc.run("plappert-2024", draws=30_000_001, sampler="lhs"),
            "sampler lhs: ",
            ["run", "plappert-2024", "--draws", "30000001", "--sampler", "lhs"],
            "--sampler lhs: ",
        ),
    ],
)
def test_the_api_names_parameters_and_the_cli_names_flags(capsys, call, parameter, argv, flag):
    import flopcast as fc
    from flopcast.cli.app import main

    with pytest.raises(fc.InputError) as info:
        call(fc)
    assert str(info.value).startswith(parameter)
    assert main(argv) == 2
    assert capsys.readouterr().err.startswith(f"flopcast: error: {flag}")

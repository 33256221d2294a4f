"""``flopcast``: the argument parser and ``main``: a thin layer over the Python API.

Heavy libraries are imported inside the handlers so ``flopcast --help`` and ``flopcast scenarios``
start fast. Every failure ends in one line on stderr: ``flopcast: error: <where>: <reason>``, with the
exit status ``flopcast.errors.EXIT_CODES`` gives its type (2 bad input, 1 an output (a folder, stdout)
that cannot be written, 3 a sampler that did not converge), 130 when interrupted (Ctrl-C, SIGTERM),
129 on SIGHUP; nothing half-written.
"""

from __future__ import annotations

import argparse
import errno
import os
import signal
import sys
import threading
import warnings
from functools import partial
from typing import Sequence

from flopcast import __version__, outdir
from flopcast.cli import authoring, calibrate, commands, hardware, validate, voi
from flopcast.cli.options import EXAMPLES, Parser
from flopcast.cli.options import command as declare
from flopcast.cli.skeleton import execute
from flopcast.engine import STREAM_ABOVE
from flopcast.fmt import command, safe
from flopcast.outdir import stale_stages
from flopcast.priors.errors import EXIT_CODES, EXIT_INTERRUPTED, FlopcastError, InputError, OutputError, exit_code

EXIT_INPUT = EXIT_CODES[InputError]
EXIT_OUTPUT = EXIT_CODES[OutputError]


def build_parser() -> argparse.ArgumentParser:
    p = Parser(
        prog="flopcast",
        description="Honest uncertainty bands for AI-compute estimates.",
        epilog="examples:\n" + "\n".join(f"  {x}" for x in EXAMPLES[""]),
    )
    p.add_argument("--version", action="version", version=f"flopcast {__version__}")
    sub = p.add_subparsers(dest="command", required=True, parser_class=Parser)

    command = partial(declare, sub)

    run = command(
        "run",
        commands.run,
        "sample a scenario's priors; credible intervals, figures and a report",
        "scenario",
        "sets",
        "seed",
        "sampler",
        "json",
        "out",
        "quiet",
        "flop_convention",
    )
    run.add_argument(
        "--draws",
        default=None,
        help="number of draws (default: the scenario's, else 200000), or 'auto': draw until the "
        "MCSE of p05/p50/p95 of every headline output is below --tol x its value",
    )
    run.add_argument("--tol", default="0.01", help="relative MCSE target for --draws auto (default 0.01)")
    run.add_argument("--max-draws", default="100000000", help="cap for --draws auto")
    run.add_argument(
        "--allow-long",
        action="store_true",
        help="accept a draw count estimated to take more than an hour here (refused otherwise)",
    )
    run.add_argument("--workers", default=None, help="threads (or dask workers) for chunks of draws")
    run.add_argument(
        "--engine",
        choices=["threads", "dask"],
        default="threads",
        help="threads in this process, or dask tasks (a LocalCluster unless --scheduler)",
    )
    run.add_argument("--scheduler", default=None, help="address of a running dask scheduler (tcp://HOST:8786)")
    run.add_argument("--point", action="store_true", help="evaluate once at every prior's point value")
    run.add_argument("--no-report", action="store_true", help="skip figures and the HTML/Markdown report")
    run.add_argument(
        "--figures",
        choices=["svg", "png"],
        default="svg",
        help="figure files of the report: svg (vector, default) or png (1200 px wide)",
    )
    run.add_argument(
        "--samples",
        choices=["all", "outputs", "none"],
        default="all",
        help="draws kept in samples.nc: inputs and outputs (default), outputs only, or no file",
    )
    run.add_argument("--chunk-size", type=int, default=None, help=argparse.SUPPRESS)

    scen = command("scenarios", commands.scenarios, "list bundled scenarios", "json", skeleton=False)
    del scen
    shw = command(
        "show",
        commands.show,
        "a scenario's priors: distribution, 5/50/95%%, unit, source",
        "scenario",
        "sets",
        "json",
        skeleton=False,
    )
    shw.add_argument("--sources", action="store_true", help="print every source in full (default: first line)")

    sens = command(
        "sensitivity",
        commands.sensitivity,
        "tornado, Sobol variance shares and rank correlations",
        "scenario",
        "sets",
        "seed",
        "json",
        "out",
        "quiet",
    )
    sens.add_argument("--output", required=True, help="the model output to analyse")
    sens.add_argument("--n", default=None, help="Sobol base sample size N (N (k + 2) model runs; default 8192)")
    sens.add_argument("--log", action="store_true", help="variance shares of log(output): readable for products")

    st = command(
        "stress",
        commands.stress,
        "where a headline sits, what one must believe for it, goal seek",
        "scenario",
        "sets",
        "seed",
        "draws",
        "sampler",
        "json",
        "out",
        "quiet",
    )
    st.add_argument("--output", required=True, help="the model output the headline is about")
    st.add_argument(
        "--headline", required=True, help="the published figure, in the output's unit (e.g. 720000, 720k, 3e8)"
    )
    st.add_argument(
        "--tail",
        choices=("auto", "mc", "is"),
        default="auto",
        help="P(>= headline) by counting draws (mc), by importance sampling toward the tail (is), or "
        "auto (default): importance sampling when fewer than 100 draws reach the headline",
    )

    command(
        "audit",
        commands.audit,
        "re-derive the scenario's published headlines and locate them in the band",
        "scenario",
        "sets",
        "seed",
        "draws",
        "json",
        "out",
        "quiet",
        "flop_convention",
    )

    cmp = command(
        "compare",
        commands.compare,
        "two scenarios (or one on two --gpu accelerators) side by side with common random numbers",
        "sets",
        "seed",
        "draws",
        "sampler",
        "json",
        "out",
        "quiet",
    )
    cmp.add_argument("scenario_a", help="scenario A: bundled name or .toml path")
    cmp.add_argument(
        "scenario_b",
        nargs="?",
        default=None,
        help="default: scenario_a again (e.g. with --gpu H100-SXM --gpu B200: A on the first, B on the second)",
    )
    cmp.add_argument(
        "--output",
        action="append",
        default=[],
        help="an output to compare, repeatable (default: every output both scenarios name alike)",
    )
    cmp.add_argument(
        "--map",
        action="append",
        default=[],
        metavar="A=B",
        help="compare output A of the first scenario with output B of the second, repeatable "
        "(e.g. peak_fleet_h100=peak_fleet_gpus)",
    )
    cmp.add_argument(
        "--set-a",
        dest="sets_a",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="like --set, for scenario A only",
    )
    cmp.add_argument(
        "--set-b",
        dest="sets_b",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="like --set, for scenario B only",
    )

    co = command(
        "compare-outputs",
        commands.compare_outputs,
        "one output across scenarios on one log axis (e.g. FLOPs per output)",
        "seed",
        "draws",
        "json",
        "out",
    )
    co.add_argument(
        "comparison",
        nargs="?",
        default="inference-per-output",
        help="bundled comparison name or path (default: inference-per-output)",
    )

    command(
        "waterfall",
        commands.waterfall,
        "what each of the scenario's [waterfall] steps is worth",
        "scenario",
        "sets",
        "json",
        "out",
    )

    hardware.register(sub)
    calibrate.register(sub)
    validate.register(sub)
    voi.register(sub)
    authoring.register(sub)
    return p


class _Terminated(BaseException):
    """SIGTERM or SIGHUP, raised in the main thread so staged folders are removed like on Ctrl-C."""


EXIT_HANGUP = 129
_EXIT_FOR = {signal.SIGINT: EXIT_INTERRUPTED, signal.SIGTERM: EXIT_INTERRUPTED}
if hasattr(signal, "SIGHUP"):
    _EXIT_FOR[signal.SIGHUP] = EXIT_HANGUP


def _on_signal(signum, frame):
    """SIGINT, SIGTERM and SIGHUP alike: record the signal (the writer renames nothing into place once
    one came, ``outdir.interrupted``) and raise once; a second signal during the clean-up only records."""

    first = outdir.interrupted() is None
    outdir.note_signal(signum)
    if first:
        raise KeyboardInterrupt() if signum == signal.SIGINT else _Terminated()


def _unraisable(hook):
    """Errors in finalisers that the one error line already covers are not printed again ("Exception
    ignored in ..."): an interrupt raised while a finaliser ran, or any finaliser after a signal came (the
    signal is recorded, ``outdir.interrupted``, and ends the command), and HDF5 objects freed after a failed write (disk
    full, a file-size limit: the writer has reported it and removed the stage)."""

    def quiet(unraisable):
        exc = unraisable.exc_value
        if isinstance(exc, (KeyboardInterrupt, _Terminated)) or outdir.interrupted() is not None:
            return  # after a signal, a finaliser meeting a half-closed file is the interrupt's doing
        if "h5py" in repr(unraisable.object) and "write failed" in str(exc):
            return
        hook(unraisable)

    return quiet


def main(argv: Sequence[str] | None = None) -> int:

    _safe_stdout()
    if threading.current_thread() is not threading.main_thread():  # signals belong to the main thread
        return _main(argv)

    outdir.note_signal(None)
    wanted = {sig: _on_signal for sig in _EXIT_FOR}
    if hasattr(signal, "SIGXFSZ"):  # a file-size limit: let the write fail with EFBIG instead of killing us
        wanted[signal.SIGXFSZ] = signal.SIG_IGN
    before = {sig: signal.signal(sig, handler) for sig, handler in wanted.items()}
    hook, sys.unraisablehook = sys.unraisablehook, _unraisable(sys.unraisablehook)
    try:
        code = _main(argv)
        if argv is None and outdir.interrupted() is not None:
            _exit_now(code)  # with the quiet hook still in place
        return code
    finally:
        sys.unraisablehook = hook
        for sig, handler in before.items():  # a process's own run (argv None) keeps one line to its exit
            signal.signal(sig, handler if argv is not None or sig not in _EXIT_FOR else _after_the_command)


def _exit_now(code: int) -> None:
    """End an interrupted process here, as the signal would have: its staged folders are removed and its
    one line printed, and the interpreter's finalization is skipped, which could otherwise meet a thread a
    library was still running when the signal came (a fatal error and exit -6 instead of the signal's code)."""
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed or broken stream: nothing more to say on it
            pass
    os._exit(code)


def _after_the_command(signum, frame) -> None:
    """A signal after the command finished (the process is exiting): one line and its exit status."""
    sys.stderr.write(f"flopcast: interrupted by {signal.Signals(signum).name} after the command completed\n")
    sys.stderr.flush()
    os._exit(_EXIT_FOR.get(signum, EXIT_INTERRUPTED))


def _safe_stdout() -> None:
    """Text a terminal's encoding cannot show (``PYTHONIOENCODING=ascii``) is escaped, not an error."""
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.reconfigure(errors="backslashreplace")
        except (AttributeError, ValueError, OSError):  # not a TextIOWrapper (captured in tests)
            pass


def _main(argv: Sequence[str] | None) -> int:

    with warnings.catch_warnings():
        # numpy's overflow/invalid-value RuntimeWarnings: every NaN or infinite value an input or output
        # takes is checked against its domain and reported in the one error line, which says more
        warnings.filterwarnings("ignore", category=RuntimeWarning, module=r"(numpy|flopcast)(\.|$)")
        return _command(argv)


def _command(argv: Sequence[str] | None) -> int:

    try:
        args = build_parser().parse_args(argv)
        _note_stale_stages()
        code = execute(args.handler, args) if getattr(args, "skeleton", False) else (args.handler(args) or 0)
        sys.stdout.flush()  # a full or closed stdout fails here, inside the handlers below
    except BaseException as exc:  # noqa: BLE001 - every way out ends in one line and an exit status
        return _failure(exc)
    signum = outdir.interrupted()
    if signum is not None:  # the signal came while a finaliser ran and was swallowed: the command completed
        print(f"flopcast: interrupted by {signal.Signals(signum).name} after the command completed", file=sys.stderr)
        return _EXIT_FOR.get(signum, EXIT_INTERRUPTED)
    return code


_STDOUT_ERRNOS = {errno.ENOSPC, errno.EIO, errno.EDQUOT, errno.EFBIG}


def _failure(exc: BaseException) -> int:

    signum = outdir.interrupted()
    if signum is not None or isinstance(exc, (KeyboardInterrupt, _Terminated)):
        # whatever the signal turned into on its way out (a library may wrap it), it ends here
        done = (
            f"{safe(outdir.WRITTEN[-1])}/ was written completely before it" if outdir.WRITTEN else "nothing was written"
        )
        print(f"flopcast: interrupted; {done}", file=sys.stderr)
        return _EXIT_FOR.get(signum, EXIT_INTERRUPTED)
    if isinstance(exc, SystemExit):  # argparse: usage and its own message already printed
        raise exc
    if isinstance(exc, FlopcastError):  # the one place errors become exit codes (flopcast.errors.EXIT_CODES)
        print(f"flopcast: error: {_one_line(exc)}", file=sys.stderr)
        return exit_code(exc)
    if isinstance(exc, MemoryError):
        print(
            f"flopcast: error: out of memory; use fewer --draws (above {STREAM_ABOVE:,} draws summaries stream)",
            file=sys.stderr,
        )
        return EXIT_INPUT
    if isinstance(exc, BrokenPipeError):  # e.g. piped into `head`
        _silence_stdout()
        return 0
    if isinstance(exc, OSError) and exc.errno in _STDOUT_ERRNOS:  # `> /dev/full`: files go through the
        # writer, which turns these into OutputError, so what is left is a print
        _silence_stdout()  # no second error when Python flushes stdout at exit
        print(
            f"flopcast: error: standard output: {exc.strerror or exc}; the output folder, if any, is complete",
            file=sys.stderr,
        )
        return EXIT_OUTPUT
    raise exc


def _silence_stdout() -> None:
    try:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    except (OSError, ValueError):  # not a file (captured in tests)
        pass


# The API names what was wrong by its parameter (``draws``, ``output peak_fleet``); the command line by
# the flag that sets it. The one place the two vocabularies meet.
PARAMETER_FLAGS = {
    "draws": "--draws",
    "seed": "--seed",
    "sampler": "--sampler",
    "chunk_size": "--chunk-size",
    "out": "--out",
    "tol": "--tol",
    "max_draws": "--max-draws",
    "gpu": "--gpu",
    "set": "--set",
    "priors": "--set",
    "engine": "--engine",
    "scheduler": "--scheduler",
    "output": "--output",
    "mapping": "--map",
    "tail": "--tail",
    "discrepancy": "--discrepancy",
    "decision": "--decision",
    "groups": "--group",
    "headline": "--headline",
    "n": "--n",
    "evidence": "--evidence",
    "tune": "--tune",
    "chains": "--chains",
    "target_accept": "--target-accept",
    "flop_convention": "--flop-convention",
}


def flag_where(where: str) -> str:
    """``draws`` -> ``--draws``, ``output y`` -> ``--output y``; a file and field stays as it is."""
    first, sep, rest = where.partition(" ")
    flag = PARAMETER_FLAGS.get(first)
    return flag + sep + rest if flag is not None else where


def _one_line(exc: Exception) -> str:

    text = str(exc)
    if isinstance(exc, FlopcastError) and exc.where:
        text = f"{flag_where(exc.where)}: {exc.reason}"
    return safe(" ".join(text.split()))


def _note_stale_stages() -> None:

    for p in stale_stages():
        print(
            f"flopcast: note: {safe(p)} was left by an interrupted run (its process is gone); remove it with "
            f"{command('rm', '-r', '--', p)}",
            file=sys.stderr,
        )


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

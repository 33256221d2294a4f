"""The one command skeleton: parse shared options -> call the API -> write one folder -> print.

Every subcommand is ``def cmd(args, opts) -> Outcome``: it calls the Python API and says what to
write and what to print; ``execute`` does the rest the same way for all of them.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from flopcast import engine, outdir
from flopcast.cli.options import Options, parse
from flopcast.fmt import safe, strict_json
from flopcast.report import registry


@dataclass
class Outcome:
    kind: str  # folder-name part: run, sensitivity, stress, ...
    name: str  # the scenario (or comparison) the folder is named after
    seed: int | None
    write: Callable  # write(stage): writes the folder's files through the Stage
    json: dict  # the one JSON object (--json), without "folder"
    lines: list[str] = field(default_factory=list)  # terminal text
    warnings: list[str] = field(default_factory=list)
    after: list = field(default_factory=list)  # printed after "wrote ...": str.format(folder=) or f(folder)


def emit_json(obj: dict) -> None:
    sys.stdout.write(strict_json(obj) + "\n")


def execute(handler: Callable, args) -> int:

    opts: Options = parse(args)
    with engine.long_runs_allowed(opts.allow_long):  # every run of the command is checked against the budget
        outcome: Outcome = handler(args, opts)
    if opts.out:
        target, unique = Path(opts.out), False
    else:
        target, unique = outdir.default_folder(outcome.kind, outcome.name, outcome.seed), True
    with outdir.staged(target, unique=unique) as stage:
        outcome.write(stage)
    folder = stage.path
    for w in outcome.warnings:
        print(f"flopcast: warning: {w}", file=sys.stderr)
    if opts.json:
        obj = {k: v.replace("{folder}", str(folder)) if isinstance(v, str) else v for k, v in outcome.json.items()}
        emit_json({**obj, "folder": str(folder)})
        return 0
    for line in outcome.lines:
        print(line)
    print(f"wrote {safe(folder)}/")
    for line in outcome.after:  # a callable builds a command from the folder (quoted: fmt.command)
        print(line(folder) if callable(line) else line.format(folder=safe(folder)))
    return 0


def result_outcome(result, name: str | None = None, **context) -> Outcome:
    """The ``Outcome`` of any result that follows the result protocol (``flopcast.results.Result``)
    and has a renderer registered (``flopcast.report.registry``): its folder is what ``result.save()``
    writes, its ``--json`` is ``result.to_json()``, its terminal text the renderer's ``lines``. A CLI
    function for a new analysis parses its options, calls the analysis and returns this."""

    obj = result.to_json()
    name = name or obj.get("scenario") or obj.get("comparison") or registry.kind(result)
    return Outcome(
        registry.kind(result),
        str(name),
        obj.get("seed"),
        lambda stage: registry.write(result, stage, **context),
        obj,
        registry.render_lines(result),
        warnings=list(getattr(result, "warnings", None) or []),
    )

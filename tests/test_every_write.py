"""Every file every command writes stays inside its output folder, whatever a name in a file says
(issue 23). An audit hook (PEP 578) records each file the process opens for writing, renames, links
or creates, while each command runs with a scenario whose ``name`` is an absolute path to a folder
outside the output folder (and holds ``..``); no write may land anywhere but the ``--out`` folder, its
staging folder beside it, or ``outputs/``. Files HDF5 writes from C (samples.nc, posterior.nc) raise
no audit event; their names are checked by the same Stage as every other file (tests/test_trust.py)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

_RECORD: list[list[tuple[str, str]] | None] = [None]
_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_TRUNC


def _hook(event: str, args: tuple) -> None:
    record = _RECORD[0]
    if record is None:
        return
    if event == "open" and args and isinstance(args[0], (str, bytes, os.PathLike)):
        mode, flags = args[1], args[2]
        if (isinstance(mode, str) and any(c in mode for c in "wax+")) or (
            isinstance(flags, int) and flags & _WRITE_FLAGS
        ):
            record.append((event, os.fsdecode(args[0])))
    elif event in ("os.rename", "os.link", "os.symlink") and len(args) >= 2:
        record.append((event, os.fsdecode(args[1])))
    elif event in ("os.mkdir", "os.remove", "os.rmdir") and args:
        record.append((event, os.fsdecode(args[0])))


sys.addaudithook(_hook)  # cannot be removed: it records only while _RECORD[0] is a list


def _hostile(text: str, name_line: str, root: Path) -> str:
    assert name_line in text
    return text.replace(name_line, f'name = "{root / "elsewhere" / ".." / "elsewhere" / "victim"}"', 1)


def _scenarios(root: Path) -> dict[str, Path]:
    from flopcast.priors.scenario import SCENARIO_DIR

    made = {}
    for stem in ("plappert-2024", "sora-2026", "video-diffusion"):
        text = (SCENARIO_DIR / f"{stem}.toml").read_text(encoding="utf-8")
        path = root / f"{stem}-hostile.toml"
        path.write_text(_hostile(text, f'name = "{stem}"', root), encoding="utf-8")
        made[stem] = path
    return made


COMMANDS = [  # every command that writes a folder, small and seeded
    ["run", "{plappert-2024}", "--draws", "2000", "--seed", "1"],
    ["run", "{plappert-2024}", "--point"],
    ["sensitivity", "{plappert-2024}", "--output", "peak_fleet_h100", "--n", "64", "--seed", "1"],
    [
        "stress",
        "{plappert-2024}",
        "--output",
        "peak_fleet_h100",
        "--headline",
        "720000",
        "--draws",
        "2000",
        "--seed",
        "1",
    ],
    ["audit", "{plappert-2024}", "--draws", "2000", "--seed", "1"],
    ["compare", "{plappert-2024}", "{sora-2026}", "--draws", "2000", "--seed", "1"],
    ["waterfall", "{sora-2026}"],
    ["voi", "{plappert-2024}", "--output", "peak_fleet_h100", "--draws", "2000", "--seed", "1"],
    ["validate", "{video-diffusion}", "--evidence", "video-timings", "--draws", "2000", "--seed", "1"],
    [
        "calibrate",
        "{video-diffusion}",
        "--evidence",
        "video-timings",
        "--set",
        "fixed_seconds_per_video=8",
        "--set",
        "stack_overhead=0.1",
        "--set",
        "balance_elasticity=1.1",
        "--draws",
        "300",
        "--tune",
        "300",
        "--propagate-draws",
        "2000",
        "--seed",
        "1",
        "--quiet",
    ],
]


@pytest.mark.parametrize("out", [True, False], ids=["--out", "outputs"])
@pytest.mark.parametrize("argv", COMMANDS, ids=lambda a: " ".join(a[:1] + [x for x in a[1:] if x.startswith("--")][:1]))
def test_every_write_stays_in_the_output_folder(argv, out, tmp_path, monkeypatch, capsys):
    from flopcast.cli import main

    root = tmp_path / "cwd"
    (root / "elsewhere").mkdir(parents=True)
    monkeypatch.chdir(root)
    paths = {f"{{{k}}}": str(v) for k, v in _scenarios(root).items()}
    args = [paths.get(a, a) for a in argv] + (["--out", str(root / "out")] if out else [])
    writes: list[tuple[str, str]] = []
    _RECORD[0] = writes
    try:
        code = main(args)
    finally:
        _RECORD[0] = None
    captured = capsys.readouterr()
    assert code == 0, captured.err
    allowed = [root / "out", root / "outputs"]
    inside_root = [(e, Path(os.path.abspath(p))) for e, p in writes if Path(os.path.abspath(p)).is_relative_to(root)]
    assert inside_root, "the hook saw no write: it is not recording"
    for event, path in inside_root:
        rel = path.relative_to(root)
        if event == "os.mkdir" and path == root:  # mkdir(parents=True, exist_ok=True) of --out's parent
            continue
        ok = any(path.is_relative_to(a) for a in allowed) or rel.parts[0].startswith(".out.partial-")
        assert ok, f"{event} {path}: outside the output folder"
    assert not list((root / "elsewhere").iterdir()), "a file appeared where the scenario's name points"
    assert not [p for p in root.rglob("*") if ".partial-" in p.name], "a stage was left behind"

"""Run folders: a new one per run, written completely or not at all, never over an earlier one.

Files are written into a hidden staging folder beside the target and renamed into place at the
end, so an error half-way leaves nothing behind.
"""

from __future__ import annotations

import os
import shutil
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterator

from flopcast.priors.errors import InputError

OUTPUTS = Path("outputs")


def check_out(out: str | Path | None) -> None:
    """Refuse an existing non-empty ``--out`` before any work is done."""
    if out is None:
        return
    path = Path(out)
    if path.exists() and (not path.is_dir() or any(path.iterdir())):
        raise InputError(f"--out {out}", "exists and is not an empty folder; a run never overwrites earlier results")


def default_folder(kind: str, scenario: str, seed: int | None, root: Path = OUTPUTS) -> Path:
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    parts = [scenario] + ([kind] if kind != "run" else []) + [stamp] + ([f"seed{seed}"] if seed is not None else [])
    base = root / "-".join(parts)
    path, n = base, 1
    while path.exists():
        n += 1
        path = base.with_name(f"{base.name}-{n}")
    return path


@contextmanager
def staged(target: Path) -> Iterator[Path]:
    """Yield a staging folder; on success it becomes ``target``, on error it is removed."""
    check_out(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    stage = target.parent / f".{target.name}.partial-{os.getpid()}"
    stage.mkdir()
    try:
        yield stage
    except BaseException:
        shutil.rmtree(stage, ignore_errors=True)
        raise
    try:
        os.rename(stage, target)  # atomic; replaces only an empty folder
    except OSError:
        shutil.rmtree(stage, ignore_errors=True)
        raise InputError(f"--out {target}", "appeared while the run was writing; nothing was written") from None

"""The one output writer: every file a command writes goes through a ``Stage``.

A command's folder is written completely or not at all and never over an earlier one:
- files go into a hidden staging folder beside the target, renamed into place at the end
  (atomic on one file system); any error, Ctrl-C or SIGTERM removes the stage;
- names that reach the file system are checked (``Stage / name`` accepts one plain file name,
  ``check_file_name``); names that come from data (a scenario's ``name``) become folder and file names
  only through ``slug``; a typed ``--out`` holds no control or bidi character and fits the file system;
- once a signal was recorded (``note_signal``) no stage is renamed into place, even if a library
  swallowed the exception; ``check_room`` refuses a write HDF5 could not finish cleanly;
- ``create_file`` writes one file (``flopcast new``) whole or not at all, never over another;
- a default folder name that another process takes meanwhile (two runs in the same second) moves
  to the next free suffix instead of failing;
- disk full, a read-only folder or a parent that is a file end in one ``OutputError`` line;
- stages left by a killed process (SIGKILL cannot be caught) are named so the user can remove them.
"""

from __future__ import annotations

import errno
import os
import re
import shutil
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterator

from flopcast.priors.errors import InputError, OutputError

OUTPUTS = Path("outputs")
_PARTIAL = re.compile(r"^\.(?P<name>.+)\.partial-(?P<pid>\d+)$")
_FILE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._+-]{0,119}$")
MAX_SLUG = 60


def slug(text: str, fallback: str = "scenario") -> str:
    """A name from data as a safe folder-name part: letters, digits, ``.``, ``_``, ``-`` only, no
    leading dot, at most 60 characters. ``"../../x"`` -> ``"x"``; ``"a/b c"`` -> ``"a-b-c"``."""
    s = re.sub(r"[^A-Za-z0-9._-]+", "-", str(text))
    s = re.sub(r"[-.]*-[-.]*", "-", s).strip(".-_")
    s = re.sub(r"\.{2,}", ".", s)[:MAX_SLUG].strip(".-_")
    return s or fallback


_UNSAFE = re.compile(r"[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
NAME_MAX = 255  # bytes in one file or folder name (Linux, macOS)
PATH_MAX = 4096


def check_path_text(text: str, flag: str = "out") -> None:
    """A path a user typed: no control or bidi characters (they would reach the terminal and the
    file system), no part longer than the file system takes."""
    if _UNSAFE.search(text):
        raise InputError(flag, "contains a control or bidirectional-text character; use a plain path")
    if len(os.fsencode(text)) >= PATH_MAX or any(len(os.fsencode(part)) > NAME_MAX - 24 for part in Path(text).parts):
        raise InputError(
            flag,
            f"a path of {len(text)} characters with a part longer than {NAME_MAX - 24} bytes "
            "is longer than the file system takes; use a shorter name",
        )


def check_out(out: str | Path | None) -> None:
    """Refuse an unusable ``--out`` before any work is done."""
    if out is None:
        return
    check_path_text(str(out))
    path = Path(out)
    try:
        if path.exists() and (not path.is_dir() or any(path.iterdir())):
            raise InputError(f"out {out}", "exists and is not an empty folder; a run never overwrites earlier results")
        parent = _existing_ancestor(path.parent)
    except OSError as exc:
        raise OutputError(f"out {out}", _reason(exc)) from None
    if not parent.is_dir():
        raise OutputError(f"out {out}", f"{parent} is a file, not a folder")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise OutputError(f"out {out}", f"{parent} is not writable")


def create_file(path: Path, text: str, flag: str = "out") -> Path:
    """Write one new file (``flopcast new``) whole or not at all, never over an existing one: the text
    goes to a hidden file beside it, linked into place (fails if the name exists), then removed."""
    check_path_text(str(path), flag)
    path = Path(path)
    tmp = path.parent / f".{path.name}.partial-{os.getpid()}"
    try:
        if not path.parent.is_dir():
            raise InputError(flag, f"{path.parent} is not a folder")
        with open(tmp, "x", encoding="utf-8") as fh:
            fh.write(text)
        os.link(tmp, path)  # atomic, and refuses an existing name
    except FileExistsError:
        raise InputError(flag, f"{path} exists; choose another {flag} or remove it") from None
    except OSError as exc:
        raise OutputError(str(path), _reason(exc)) from None
    finally:
        try:
            tmp.unlink()
        except OSError:
            pass
    return path


def _existing_ancestor(path: Path) -> Path:
    path = path if str(path) else Path(".")
    while not path.exists() and path != path.parent:
        path = path.parent
    return path


_SIGNAL: list[int | None] = [None]  # the termination signal this process received (set by the CLI's handler)
WRITTEN: list[Path] = []  # folders this command renamed into place (complete), for the last message


def note_signal(signum: int | None) -> None:
    """Record a SIGINT/SIGTERM/SIGHUP (``None`` clears, and forgets the folders written): from then on
    no stage is renamed into place."""
    _SIGNAL[0] = signum
    if signum is None:
        WRITTEN.clear()


def interrupted() -> int | None:
    """The signal recorded by ``note_signal``, or None."""
    return _SIGNAL[0]


def default_folder(kind: str, scenario: str, seed: int | None, root: Path = OUTPUTS) -> Path:
    """``outputs/<slug(scenario)>[-<kind>]-<UTC time>[-seed<S>]``; the name is a proposal: ``staged``
    moves to ``-2``, ``-3``... if another process takes it first."""
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    parts = (
        [slug(scenario)] + ([kind] if kind != "run" else []) + [stamp] + ([f"seed{seed}"] if seed is not None else [])
    )
    return root / "-".join(parts)


def check_file_name(name: str) -> str:
    """``name`` if it is one plain output file name (letters, digits, ``._+-``, at most 120 characters,
    no leading dot, no ``..``); ValueError otherwise: every file a command writes is named through here."""
    if not isinstance(name, str) or not _FILE_NAME.fullmatch(name) or ".." in name:
        raise ValueError(f"not a plain output file name: {name!r}")
    return name


def check_room(folder: str | Path, nbytes: float) -> None:
    """Raise the OSError a write of ``nbytes`` into ``folder`` would end in (EFBIG above the file-size
    limit, ENOSPC above the free space), before a library whose C code cannot fail cleanly (HDF5 prints
    tracebacks of its own while freeing a file whose write failed) starts writing."""
    try:
        import resource

        soft = resource.getrlimit(resource.RLIMIT_FSIZE)[0]
        if soft != resource.RLIM_INFINITY and nbytes > soft:
            raise OSError(errno.EFBIG, os.strerror(errno.EFBIG))
    except (ImportError, ValueError):  # no resource module (Windows)
        pass
    st = os.statvfs(folder)
    if nbytes > st.f_bavail * st.f_frsize:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


class Stage:
    """The staging folder of one command: ``stage / "summary.json"`` is the only way to a path."""

    def __init__(self, path: Path):
        self.path = path

    def __truediv__(self, name: str) -> Path:
        return self.path / check_file_name(name)

    def __fspath__(self) -> str:  # for libraries that take a folder
        return str(self.path)


@contextmanager
def staged(target: Path, unique: bool = False) -> Iterator[Stage]:
    """Yield a ``Stage``; on success it becomes ``target`` (or, with ``unique``, the first free
    ``target-2``, ``target-3``...), on any error it is removed. Returns the final path via
    ``stage.path`` after the block."""
    if not unique:
        check_out(target)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        stage_path = target.parent / f".{target.name}.partial-{os.getpid()}"
        stage_path.mkdir()
    except OSError as exc:
        raise OutputError(str(target.parent), _reason(exc)) from None
    stage = Stage(stage_path)
    try:
        yield stage
    except BaseException as exc:
        shutil.rmtree(stage_path, ignore_errors=True)
        if isinstance(exc, OutputError):  # already says where and why
            raise
        if isinstance(exc, OSError):
            raise OutputError(str(target), _reason(exc)) from None
        if _is_write_failure(exc):
            raise OutputError(
                str(target), f"writing failed ({type(exc).__name__}: {str(exc)[:120]}); is the disk full?"
            ) from None
        raise
    if interrupted() is not None:  # a signal whose exception a library swallowed: still nothing written
        shutil.rmtree(stage_path, ignore_errors=True)
        raise KeyboardInterrupt()
    final = _rename(stage_path, target, unique)
    WRITTEN.append(final)
    stage.path = final


def _rename(stage_path: Path, target: Path, unique: bool) -> Path:
    candidate, n = target, 1
    while True:
        try:
            if candidate.exists() and (not candidate.is_dir() or any(candidate.iterdir())):
                raise FileExistsError(errno.ENOTEMPTY, "exists")
            os.rename(stage_path, candidate)  # atomic; replaces only an empty folder
            return candidate
        except OSError as exc:
            if exc.errno in (errno.ENOTEMPTY, errno.EEXIST) and unique and n < 1000:
                n += 1
                candidate = target.with_name(f"{target.name}-{n}")
                continue
            shutil.rmtree(stage_path, ignore_errors=True)
            if exc.errno in (errno.ENOTEMPTY, errno.EEXIST):
                raise InputError(
                    f"out {target}", "appeared while the command was writing; nothing was written"
                ) from None
            raise OutputError(str(target), _reason(exc)) from None


def _reason(exc: OSError) -> str:
    hints = {
        errno.ENOSPC: "no space left on the device",
        errno.EFBIG: "file too large (a file-size limit?)",
        errno.EACCES: "permission denied",
        errno.EROFS: "read-only file system",
        errno.ENOTDIR: "a file is in the way of a folder",
        errno.EDQUOT: "disk quota exceeded",
    }
    return f"{hints.get(exc.errno, exc.strerror or str(exc))}; nothing was written"


def _is_write_failure(exc: BaseException) -> bool:
    """h5py/HDF5 and matplotlib wrap an ENOSPC/EFBIG in their own exception types."""
    text = f"{type(exc).__module__} {exc}".lower()
    return any(k in text for k in ("h5py", "hdf", "no space", "file too large", "errno 28", "errno 27", "quota"))


def stale_stages(root: Path = OUTPUTS) -> list[Path]:
    """Staging folders left by a process that no longer runs (killed with SIGKILL, power loss)."""
    if not root.is_dir():
        return []
    stale = []
    for p in root.iterdir():
        m = _PARTIAL.match(p.name)
        if m and p.is_dir() and not _alive(int(m["pid"])):
            stale.append(p)
    return sorted(stale)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True

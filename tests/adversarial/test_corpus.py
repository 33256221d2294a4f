"""The adversarial corpus (issue 12): every case in ``cases.toml`` is a hostile invocation of one
command (bad files, flags, names, impossible values) or a fault (file-size limit, SIGTERM mid-write,
SIGINT under dask, two identical runs at once, a read-only or file parent). The contract, for each:

- a failing case exits with its code and ends with exactly one stderr line ``flopcast: error: ...``
  (or the documented ``flopcast: interrupted; ...`` line) holding the case's fragment; the only other
  stderr lines allowed are ``flopcast: note: ...``; no traceback;
- a case expected to succeed (exit 0) prints no error, and valid JSON (no NaN) when asked for --json;
- no file or folder appears in the working directory outside the chosen ``--out`` folder and
  ``outputs/``, and no ``.partial-`` stage is left anywhere.

Cases run in-process (``flopcast.cli.main`` with capsys) in a fresh temporary working directory;
only the fault cases start a subprocess.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import tomllib
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
CASES = tomllib.loads((HERE / "cases.toml").read_text(encoding="utf-8"))["case"]
SUBPROCESS_KINDS = {"fsize", "sigterm", "sigint_dask", "parallel"}


def _bases() -> dict[str, str]:
    from conftest import MINI

    from flopcast.priors.evidence import EVIDENCE_DIR
    from flopcast.priors.scenario import SCENARIO_DIR

    read = lambda p: p.read_text(encoding="utf-8")  # noqa: E731
    return {
        "mini": MINI,
        "plappert": read(SCENARIO_DIR / "plappert-2024.toml"),
        "llm": read(SCENARIO_DIR / "llm-economics.toml"),
        "vd": read(SCENARIO_DIR / "video-diffusion.toml"),
        "video-timings": read(EVIDENCE_DIR / "video-timings.toml"),
    }


def _content(spec: dict, root: Path) -> bytes:
    if "hex" in spec:
        return bytes.fromhex(spec["hex"])
    text = _bases()[spec["base"]] if "base" in spec else ""
    for old, new in spec.get("replace", []):
        assert old in text, f"replace: {old!r} not in base {spec.get('base')}"
        text = text.replace(old, new.replace("{tmp}", str(root)), 1 if spec.get("once") else -1)
    if "repeat" in spec:
        piece, count = spec["repeat"]
        text += spec.get("prefix", "") + piece * count + spec.get("suffix", "")
    return (text + spec.get("text", "").replace("{tmp}", str(root))).encode("utf-8")


def _prepare(case: dict, root: Path) -> dict[Path, bytes]:
    """Create the case's files; returns those marked ``keep`` with their bytes (they must not change)."""
    kept = {}
    for spec in case.get("file", []):
        path = root / spec["path"]
        if spec.get("dir"):
            path.mkdir(parents=True, exist_ok=True)
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(_content(spec, root))
        if spec.get("keep"):
            kept[path] = path.read_bytes()
    return kept


def _argv(case: dict, root: Path) -> list[str]:
    return [a.replace("{out}", str(root / "out")).replace("{tmp}", str(root)) for a in case["argv"]]


def _snapshot(root: Path) -> set[str]:
    found = set()
    for folder, dirs, files in os.walk(root):
        rel = Path(folder).relative_to(root)
        found.update(str(rel / n) for n in dirs + files)
    return found


def _outside(new: set[str]) -> list[str]:
    return sorted(
        p for p in new if not (p == "out" or p.startswith("out/") or p == "outputs" or p.startswith("outputs/"))
    )


def _strict_json(text: str):
    def no_constant(name):
        raise ValueError(f"JSON holds {name}")

    return json.loads(text, parse_constant=no_constant)


def check(
    case: dict, code: int, stdout: str, stderr: str, root: Path, before: set[str], kept: dict[Path, bytes] | None = None
) -> None:
    want = case.get("exit", 2)
    assert "Traceback" not in stderr, stderr
    assert code == want, f"exit {code}, expected {want}; stderr: {stderr[-800:]}"
    lines = stderr.splitlines()
    others = [ln for ln in lines if not ln.startswith("flopcast: note: ")]
    if want != 0:
        final = case.get("line", "flopcast: error: ")
        assert len(others) == 1 and others[0].startswith(final), f"stderr: {stderr[-800:]}"
        assert case["error"].lower() in others[0].lower(), f"{case['error']!r} not in {others[0]!r}"
        if case.get("out_absent", True):
            assert not (root / "out").exists(), "a failed run left its --out folder"
    else:
        assert all(ln.startswith("flopcast: warning: ") for ln in others), stderr
        for rel, text in case.get("absent", []):  # hostile text that must not reach a file raw
            assert text not in (root / rel).read_text(encoding="utf-8"), f"{text!r} reached {rel} unescaped"
        if case.get("warning"):
            assert case["warning"].lower() in stderr.lower(), f"{case['warning']!r} not in {stderr!r}"
        if "--json" in case["argv"]:
            for line in stdout.strip().splitlines():
                _strict_json(line)
        for written in [*(root / "out").rglob("*.json"), *(root / "outputs").rglob("*.json")]:
            _strict_json(written.read_text(encoding="utf-8"))  # no NaN or Infinity in any file either
    after = _snapshot(root)
    assert not _outside(after - before), f"written outside --out and outputs/: {_outside(after - before)}"
    assert not [p for p in after if ".partial-" in p], f"stage left behind: {after}"
    changed = [
        str(p.relative_to(root)) for p, data in (kept or {}).items() if not p.is_file() or p.read_bytes() != data
    ]
    assert not changed, f"files outside --out were changed: {changed}"


@pytest.fixture
def workdir(tmp_path, monkeypatch):
    root = tmp_path / "cwd"
    root.mkdir()
    monkeypatch.chdir(root)
    return root


@pytest.mark.parametrize(
    "case", [c for c in CASES if c.get("kind", "inprocess") not in SUBPROCESS_KINDS], ids=lambda c: c["id"]
)
def test_inprocess_case(case, workdir, capsys):
    from flopcast.cli import main

    kept = _prepare(case, workdir)
    if case.get("kind") == "readonly":
        ro = workdir / "ro"
        ro.mkdir()
        ro.chmod(0o555)
        if os.access(ro, os.W_OK):  # root writes anyway
            ro.chmod(0o755)
            pytest.skip("this user can write into a read-only folder (root)")
    before = _snapshot(workdir)
    try:
        code = main(_argv(case, workdir))
    finally:
        if case.get("kind") == "readonly":
            (workdir / "ro").chmod(0o755)
    captured = capsys.readouterr()
    check(case, code, captured.out, captured.err, workdir, before, kept)


def _env() -> dict:
    return {**os.environ, "MPLBACKEND": "Agg", "PYTHONDONTWRITEBYTECODE": "1"}


def _command(argv: list[str]) -> list[str]:
    return [sys.executable, "-m", "flopcast", *argv]


def _wait_for(predicate, proc, timeout: float) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return True
        if proc.poll() is not None:
            return False
        time.sleep(0.02)
    return False


def _session_members(sid: int) -> list[int]:
    """Live processes of the session ``sid`` (the run was started in a session of its own)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[3]) == sid and fields[0] != "Z":  # fields: state, ppid, pgrp, session
            found.append(int(stat.parent.name))
    return found


def _wait_until(predicate, timeout: float) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(0.05)
    return predicate()


@pytest.mark.parametrize("case", [c for c in CASES if c.get("kind") in SUBPROCESS_KINDS], ids=lambda c: c["id"])
def test_fault_case(case, workdir):
    _prepare(case, workdir)
    before = _snapshot(workdir)
    argv = _argv(case, workdir)
    kind = case["kind"]
    if kind == "fsize":
        import resource

        limit = int(case["fsize"])

        def limit_files():
            resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

        proc = subprocess.run(
            _command(argv), cwd=workdir, env=_env(), capture_output=True, text=True, timeout=300, preexec_fn=limit_files
        )
        check(case, proc.returncode, proc.stdout, proc.stderr, workdir, before)
    elif kind in ("sigterm", "sigint_dask"):
        # a session of its own, so the interrupt reaches the whole process group as a terminal's does
        proc = subprocess.Popen(
            _command(argv),
            cwd=workdir,
            env=_env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )
        try:
            if kind == "sigterm":  # mid-write: once the stage folder exists
                started = _wait_for(lambda: any(".partial-" in p for p in _snapshot(workdir)), proc, 120)
                assert started, "the run ended before it started writing; give it more draws"
                time.sleep(float(case.get("after", 0)))  # e.g. into the figures, rendered by a forked worker
                proc.send_signal(getattr(signal, case.get("signal", "SIGTERM")))
            else:  # mid-computation on a LocalCluster
                time.sleep(float(case.get("after", 8)))
                assert proc.poll() is None, "the run ended before the interrupt; give it more draws"
                os.killpg(proc.pid, signal.SIGINT)  # Ctrl-C: every process of the group
            out, err = proc.communicate(timeout=120)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.communicate()
        check(case, proc.returncode, out, err, workdir, before)
        assert _wait_until(lambda: not _session_members(proc.pid), 10), (
            f"processes of the run outlived it: {_session_members(proc.pid)}"
        )
    elif kind == "parallel":
        procs = [
            subprocess.Popen(
                _command(argv), cwd=workdir, env=_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
            )
            for _ in range(2)
        ]
        results = [(p.wait(timeout=300), *p.communicate()) for p in procs]
        for code, out, err in results:
            check(case, code, out, err, workdir, before)
        folders = [p for p in _snapshot(workdir) if p.startswith("outputs/") and p.count("/") == 1]
        assert len(folders) == 2, f"two identical runs must write two folders, got {folders}"


def test_corpus_is_large_and_covers_every_command():
    commands = {c["argv"][0] for c in CASES if c["argv"]}
    every = {
        "run",
        "show",
        "scenarios",
        "sensitivity",
        "stress",
        "audit",
        "compare",
        "compare-outputs",
        "waterfall",
        "calibrate",
        "validate",
    }
    assert every <= commands, every - commands
    assert len(CASES) >= 60
    assert len({c["id"] for c in CASES}) == len(CASES)
    assert {"fsize", "sigterm", "parallel", "readonly", "parent_file"} <= {c.get("kind") for c in CASES}

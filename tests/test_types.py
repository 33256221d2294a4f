"""The public API type-checks (mypy). The repository's folders install under one import root through
setuptools' package-dir (simulate/ is flopcast, models/ flopcast.models, priors/ flopcast.priors), which
a type checker cannot follow from the source tree, so the test lays the same package out with
symlinks in a temporary folder and runs mypy there."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PUBLIC = [
    "flopcast.api",
    "flopcast.registry",
    "flopcast.plan",
    "flopcast.errors",
    "flopcast.priors.vocabulary",
    "flopcast.priors.equations",
    "flopcast.models._formula",
]


def package_tree(folder: Path) -> Path:
    """``folder/flopcast`` laid out as the installed package, every file a symlink into the repository."""
    root = folder / "flopcast"
    root.mkdir()
    for entry in (ROOT / "simulate").iterdir():
        if entry.name != "__pycache__":
            (root / entry.name).symlink_to(entry)
    (root / "models").symlink_to(ROOT / "models")
    (root / "priors").symlink_to(ROOT / "priors")
    return folder


@pytest.mark.slow
def test_public_api_type_checks(tmp_path):
    pytest.importorskip("mypy")
    tree = package_tree(tmp_path)
    args = [
        sys.executable,
        "-m",
        "mypy",
        "--ignore-missing-imports",
        "--follow-imports=silent",
        "--cache-dir",
        str(tmp_path / ".mypy_cache"),
        *(arg for m in PUBLIC for arg in ("-p", m)),
    ]
    proc = subprocess.run(
        args, cwd=tree, capture_output=True, text=True, timeout=600, env={**os.environ, "MYPYPATH": ""}
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr

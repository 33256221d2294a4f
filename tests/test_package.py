"""One import root: after install, ``flopcast`` is the package and the bare folder names are not
importable; a user's own ``models.py`` or ``priors/`` beside their notebook cannot shadow ours."""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _python(code: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    return subprocess.run([sys.executable, "-c", code], cwd=cwd, env=env, capture_output=True, text=True, timeout=120)


@pytest.mark.slow
def test_users_models_and_priors_do_not_shadow_flopcast(tmp_path):
    (tmp_path / "models.py").write_text("raise SystemExit('the user models.py was imported')\n")
    (tmp_path / "priors").mkdir()
    (tmp_path / "priors" / "__init__.py").write_text("raise SystemExit('the user priors/ was imported')\n")
    (tmp_path / "simulate.py").write_text("raise SystemExit('the user simulate.py was imported')\n")
    proc = _python(
        "import flopcast\nv = flopcast.evaluate_point('plappert-2024')['training_h100_months']\nprint(round(v))\n",
        tmp_path,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "4211"  # the source's 4,211 H100-months at 4x data


@pytest.mark.parametrize("name", ["models", "priors", "simulate"])
def test_bare_folder_names_are_not_importable_outside_the_repository(tmp_path, name):
    proc = _python(f"import {name}", tmp_path)
    assert proc.returncode != 0 and "ModuleNotFoundError" in proc.stderr


def test_every_package_folder_is_installed():
    """The explicit package list in pyproject.toml names every folder holding an __init__.py."""
    conf = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    listed = set(conf["packages"])
    roots = {v: k for k, v in conf["package-dir"].items()}
    found = set()
    for folder, root in roots.items():
        for init in (ROOT / folder).rglob("__init__.py"):
            rel = init.parent.relative_to(ROOT / folder)
            found.add(".".join([root, *rel.parts]))
    assert found == listed


def test_scenario_models_resolve_inside_flopcast_models_only():
    from flopcast.plan import load_model

    model = load_model("sora")
    assert all(part.__name__ == "flopcast.models.sora" for part in model.parts)

"""Issue 23 (trust, second round), the parts a corpus case cannot express: the budget check that
``run`` applies whatever decided the draws, quoted commands, and the calibrated copy's file name."""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
import time
from pathlib import Path

import pytest

from flopcast import engine
from flopcast.fmt import command, safe
from flopcast.priors.errors import InputError


@pytest.fixture
def one_us_per_draw(monkeypatch):
    """A fixed pilot (1 us per draw on one thread), so the estimate does not depend on this machine."""
    monkeypatch.setattr(engine, "_per_draw_seconds", lambda plan: 1e-6)


def test_api_run_refuses_a_run_of_days(one_us_per_draw):
    # 1e12 draws x 1 us x 2.2 / at most 4 threads >= 6.4 days, far above the one-hour budget
    with pytest.raises(InputError, match="allow_long=True"):
        engine.run("plappert-2024", draws=10**12)


def test_scenario_default_draws_are_checked_like_a_flag(one_us_per_draw):
    from dataclasses import replace

    plan = engine.plan_for("plappert-2024")
    huge = replace(plan, scenario=replace(plan.scenario, default_draws=10**12))
    with pytest.raises(InputError, match="would take about"):
        engine.check_budget(huge, None)


def test_allow_long_skips_the_time_check_without_a_pilot(monkeypatch):
    def no_pilot(plan):
        raise AssertionError("allow_long must not time a pilot")

    monkeypatch.setattr(engine, "_per_draw_seconds", no_pilot)
    plan = engine.plan_for("plappert-2024")
    engine.check_budget(plan, 10**12, allow_long=True, in_memory=False)
    with engine.long_runs_allowed():
        engine.check_budget(plan, 10**12, in_memory=False)


def test_memory_check_applies_to_in_memory_runs_of_any_size(one_us_per_draw):
    plan = engine.plan_for("plappert-2024")
    with pytest.raises(InputError, match="in memory"):  # 1e12 draws x 8 bytes x ~30 columns: 240 TB
        engine.check_budget(plan, 10**12, allow_long=True, in_memory=True)


@pytest.mark.parametrize(
    "args",
    [
        ["rm", "-r", "outputs/.x'; touch PWNED; echo '.partial-1"],  # the folder name
        ["flopcast", "run", "my scenarios/a b.toml", "--set", "sora_params=5e9 to 60e9"],
        ["flopcast", "run", "$(touch PWNED)`id`;|&.toml"],
    ],
)
def test_printed_commands_split_back_into_the_same_arguments(args):
    assert shlex.split(command(*args)) == args


@pytest.mark.parametrize(
    "arg, shown",
    [
        ("a\x1b[31mb", "$'a\\x1b[31mb'"),  # ESC: terminal colour codes
        ("x\u202eexe.toml", "$'x\\u202eexe.toml'"),  # RIGHT-TO-LEFT OVERRIDE (Trojan Source, CVE-2021-42574)
        ("c1\x9b", "$'c1\\u009b'"),  # C1 control sequence introducer
    ],
)
def test_control_and_bidi_characters_are_escaped_in_commands(arg, shown):
    text = command(arg)
    assert text == shown
    assert safe(text) == text  # nothing left that drives a terminal
    # bash reads the escape back as the original argument
    echoed = subprocess.run(["bash", "-c", f"printf %s {text}"], capture_output=True, text=True).stdout
    assert echoed == arg


def test_safe_shows_bidi_and_c1_as_question_marks():
    assert safe("a\u202eb\u2066c\x85d\x1be") == "a?b?c?d?e"


@pytest.mark.parametrize(
    "name, file_name",
    [
        ("video-diffusion", "video-diffusion-calibrated.toml"),
        ("/tmp/prev/video-diffusion", "tmp-prev-video-diffusion-calibrated.toml"),
        ("../../../escaped", "escaped-calibrated.toml"),
    ],
)
def test_calibrated_copy_is_named_by_the_writers_check(name, file_name):
    from flopcast.analyze.calibration.propagation import toml_file_name
    from flopcast.outdir import check_file_name

    assert toml_file_name(name) == file_name == check_file_name(file_name)


def test_scenario_text_is_read_under_the_callers_file_name(tmp_path):
    from flopcast.priors.scenario_text import scenario_from_text

    text = '[scenario]\nname = "/etc/x"\nmodel = "pipeline"\n'
    with pytest.raises(ValueError):
        scenario_from_text(text, tmp_path, "../x.toml")
    assert scenario_from_text(text, tmp_path, "x.toml").path == tmp_path / "x.toml"


@pytest.mark.skipif((os.cpu_count() or 1) < 2 or sys.platform != "linux", reason="figures render in-process here")
def test_the_figure_worker_dies_with_a_killed_parent(tmp_path):
    """SIGKILL cannot be caught: the forked worker must still end (PR_SET_PDEATHSIG), or it lives on
    (~400 MB) and holds a pipe such as `| tee` open."""
    mark = tmp_path / "worker.pid"
    script = (
        "import os, time\n"
        "from flopcast.report.parallel import render_all\n"
        "parent = os.getpid()\n"
        "def job(x):\n"
        "    if os.getpid() != parent:\n"
        f"        open({str(mark)!r}, 'w').write(str(os.getpid()))\n"
        "        time.sleep(120)\n"
        "    else:\n"
        "        time.sleep(120)\n"
        "    return x\n"
        "render_all(range(8), job)\n"
    )
    proc = subprocess.Popen([sys.executable, "-c", script])
    try:
        assert _until(lambda: mark.is_file() and mark.read_text(), 60), "the worker never started"
        worker = int(mark.read_text())
        assert _alive(worker)
        assert os.readlink(f"/proc/{worker}/fd/1") == os.devnull  # no terminal or pipe held open
    finally:
        proc.kill()
        proc.wait()
    assert _until(lambda: not _alive(worker), 10), "the figure worker outlived its killed parent"


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _until(predicate, timeout: float) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(0.05)
    return bool(predicate())


def _flopcast(argv, **kw):
    env = {**os.environ, "MPLBACKEND": "Agg", **kw.pop("env", {})}
    return subprocess.run(
        [sys.executable, "-m", "flopcast", *argv],
        capture_output=True,
        text=True,
        env=env,
        check=False,
        timeout=300,
        **kw,
    )


def test_a_full_stdout_ends_in_one_line(tmp_path):
    with open("/dev/full", "w") as full:
        proc = subprocess.run(
            [
                sys.executable,
                "-m",
                "flopcast",
                "run",
                "plappert-2024",
                "--draws",
                "1000",
                "--seed",
                "1",
                "--no-report",
                "--out",
                str(tmp_path / "out"),
            ],
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, "MPLBACKEND": "Agg"},
            check=False,
            timeout=300,
        )
    assert proc.returncode == 1
    assert proc.stderr.splitlines() == [proc.stderr.strip()] and "standard output" in proc.stderr, proc.stderr
    assert (tmp_path / "out" / "summary.json").is_file()  # the folder was complete before printing


def test_an_ascii_terminal_gets_escapes_not_a_traceback(tmp_path):
    proc = _flopcast(
        ["run", "plappert-2024", "--draws", "1000", "--seed", "1", "--no-report", "--out", str(tmp_path / "out")],
        env={"PYTHONIOENCODING": "ascii"},
    )
    assert proc.returncode == 0 and "Traceback" not in proc.stderr, proc.stderr
    proc = _flopcast(["hardware"], env={"PYTHONIOENCODING": "ascii"})
    assert proc.returncode == 0 and "Traceback" not in proc.stderr, proc.stderr


def test_api_audit_refuses_a_scenario_without_headlines(tmp_path):
    from conftest import MINI

    from flopcast.analyze.audit import audit

    path = tmp_path / "mini.toml"  # conftest's MINI scenario lists no [[headlines]]
    path.write_text(MINI, encoding="utf-8")
    with pytest.raises(InputError, match="no \\[\\[headlines\\]\\]"):
        audit(engine.plan_for(path), draws=100, seed=1)


def test_api_load_samples_of_a_file_that_is_not_netcdf(tmp_path):
    from flopcast.samples import load_samples

    bad = tmp_path / "samples.nc"
    bad.write_text("not NetCDF")
    with pytest.raises(InputError, match="not a flopcast samples.nc"):
        load_samples(bad)


def test_api_calibrate_refuses_dict_evidence():
    from flopcast.analyze.calibration import calibrate

    with pytest.raises(InputError, match="list of flopcast Observation"):
        calibrate("video-diffusion", {"output": "gpu_seconds_per_video", "value": 80}, draws=10, tune=10, seed=1)


def test_api_point_takes_set_like_run():
    # plappert-2024 at its points with dataset_multiplier 10: training H100-months 10,528 (the
    # source's 10x figure: Plappert, "Under The Hood: How OpenAI's Sora Model Works", Factorial Funds,
    # March 2024) instead of 4,211 at 4x
    assert round(engine.point("plappert-2024", set={"dataset_multiplier": 10}).values["training_h100_months"]) == 10528


def test_api_set_outside_the_domain_is_refused():
    with pytest.raises(InputError, match="video_fraction"):
        engine.point("plappert-2024", set={"video_fraction": 3})


def test_samples_cannot_be_edited_behind_the_summaries():
    r = engine.run("plappert-2024", draws=1000, seed=1)
    ds = r.samples
    with pytest.raises(ValueError, match="read-only"):
        ds["peak_fleet_h100"].values[:] = 0.0
    assert r.outputs["peak_fleet_h100"].min() > 0  # the run's draws, hence samples.nc and summary.json, agree

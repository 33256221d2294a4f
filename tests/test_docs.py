"""Docstring examples are real: they run here."""

import doctest

import pytest

import flopcast.analyze.calibration
import flopcast.api
import flopcast.engine


@pytest.mark.parametrize(
    "module", [flopcast.engine, flopcast.analyze.calibration, flopcast.api], ids=lambda m: m.__name__
)
def test_docstring_examples_run(module):
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0


# README examples are executed: every fenced block that starts with `$ flopcast ...` is run and its lines
# must be what the command prints (a `...` line stands for any lines); every sentence in README_CLAIMS is
# found, whitespace aside, both in README.md and in what its command prints. A number in the README can
# therefore not drift from the tool.
import re  # noqa: E402
import shlex  # noqa: E402
from pathlib import Path  # noqa: E402

README = Path(__file__).resolve().parent.parent / "README.md"


def _squash(text: str) -> str:
    return " ".join(text.split())


def readme_commands() -> list[tuple[str, list[str]]]:
    """(command, expected output lines) of every ``$ flopcast`` block in README.md."""
    out = []
    for block in re.findall(r"^( *)```[a-z]*\n(.*?)^\1```", README.read_text(), flags=re.S | re.M):
        indent, body = block
        lines = [line[len(indent) :] for line in body.splitlines()]
        if not lines or not lines[0].startswith("$ flopcast "):
            continue
        command = lines.pop(0)[2:]
        while command.endswith("\\"):
            command = command[:-1] + lines.pop(0).strip()
        out.append((command, lines))
    return out


def _run(capsys, tmp_path, command: str) -> str:
    from flopcast.cli.app import main

    argv = shlex.split(command)[1:]
    if argv[0] not in ("show", "scenarios", "models", "hardware", "new"):
        argv += ["--out", str(tmp_path / "out")]
    assert main(argv) == 0, command
    return capsys.readouterr().out


@pytest.mark.parametrize("command, expected", readme_commands(), ids=lambda v: v if isinstance(v, str) else "")
def test_readme_command_blocks_print_what_they_show(capsys, tmp_path, command, expected):
    printed = [line.rstrip() for line in _run(capsys, tmp_path, command).splitlines() if not line.startswith("wrote ")]
    pattern = "".join(r"(?:.*\n)*?" if line.strip() == "..." else re.escape(line.rstrip()) + r"\n" for line in expected)
    assert re.match(pattern, "\n".join(printed) + "\n"), "\n".join(printed)


# (command, a sentence the README says it prints or computes)
README_CLAIMS = [
    (
        "flopcast run plappert-2024 --seed 1",
        "peak fleet: 720k H100s is the 14th percentile of a 90% band 392k-13.9M; the source's own assumptions give "
        "990k (22nd percentile), not 720k",
    ),
    (
        "flopcast stress plappert-2024 --output peak_fleet_h100 --headline 3e8 --draws 200000 --seed 1",
        "P(>= 3.000e+08) = 4.9e-06 ± 1e-07 (importance sampling, 20,000 draws, ESS 2,200; plain Monte Carlo saw 0 "
        "of 200,000 draws there)",
    ),
    (
        'flopcast voi plappert-2024 --output peak_fleet_h100 --decision ">= 720000" --seed 1',
        "removes 47% of the variance of log(peak_fleet_h100) on average",
    ),
    (
        'flopcast voi plappert-2024 --output peak_fleet_h100 --decision ">= 720000" --seed 1',
        "flips the answer with probability 0.0608 ± 0.0032",
    ),
]


@pytest.mark.parametrize("command, claim", README_CLAIMS)
def test_readme_claims_are_what_the_tool_prints(capsys, tmp_path, command, claim):
    assert _squash(claim) in _squash(README.read_text()), "the README no longer says this"
    assert _squash(claim) in _squash(_run(capsys, tmp_path, command))


def test_readme_default_draws_mcse_claim():
    """README 'Default draws': the largest relative MCSE of p05/p50/p95 over plappert-2024's outputs at the
    default 200,000 draws, seed 1."""
    import flopcast as fc

    text = _squash(README.read_text())
    m = re.search(r"measured with seed 1: largest ([0-9.]+)%, `(\w+)` p95", text)
    assert m, "the README's default-draws sentence changed"
    r = fc.run("plappert-2024", draws=200_000, seed=1)
    name, worst = max(((n, s.max_relative_mcse) for n, s in r.summary.items()), key=lambda t: t[1])
    assert name == m.group(2) and f"{100 * worst:.2f}" == m.group(1)


def test_readme_gpu_sentence():
    """README Accelerators: `flopcast run plappert-2024 --gpu B200 --seed 1`."""
    import flopcast as fc
    from flopcast.analyze.headlines import headlines
    from flopcast.report.style import eng

    text = _squash(README.read_text())
    m = re.search(
        r"gives a peak fleet of (\S+) B200s \(`peak_fleet_gpu`; 90%: (\S+)-(\S+)\), i.e. (\S+) H100-equivalents "
        r"\(`peak_fleet_h100`\), where the source's 720k H100s sit at the (\d+)th percentile",
        text,
    )
    assert m, "the README's --gpu B200 sentence changed"
    r = fc.run("plappert-2024", gpu="B200", seed=1)
    s, e = r.summary["peak_fleet_gpu"], r.summary["peak_fleet_h100"]
    assert (s.unit, e.unit) == ("B200s", "H100-equivalents")
    assert (eng(s.median), eng(s.p05), eng(s.p95), eng(e.median)) == m.groups()[:4]
    h = [h for h in headlines(r).items if h.output == "peak_fleet_h100" and h.published == 720_000]
    assert h and f"{h[0].published_percentile:.0f}" == m.group(5)

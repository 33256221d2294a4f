"""Property-based adversarial test (issue 12): hypothesis writes scenario files (random names,
families, parameters including NaN, inf, negative, huge and tiny, missing fields) and ``--set``
arguments, and every ``flopcast run`` / ``show`` on them must either succeed or end with one
``flopcast: error:`` line and exit 2: no traceback, no other stderr line, and no file outside the
chosen ``--out`` folder."""

from __future__ import annotations

import contextlib
import io
import json
import math
import os
import tempfile
import tomllib
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from flopcast.priors.families import FAMILIES

INPUTS = [
    "sora_params",
    "dataset_multiplier",
    "temporal_compression",
    "video_seconds",
    "fps",
    "video_fraction",
    "sampling_steps",
    "training_utilization",
    "inference_utilization",
]
KEYS = [
    "ci90",
    "low",
    "high",
    "mu",
    "sigma",
    "alpha",
    "beta",
    "value",
    "mode",
    "min",
    "max",
    "point",
    "median",
    "values",
]
HOSTILE_NAMES = [
    "../../x",
    "/etc/passwd",
    "a\x00b",
    "$\\alpha$",
    "\x1b[31mred",
    "x" * 300,
    "",
    " ",
    "ok",
    "..",
    "con",
    "a/b\\c",
    "\u202eevil",
]

numbers = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.sampled_from([0, -1, 1, 0.5, 1e300, -1e300, 1e-300, 2**63, float("nan"), float("inf")]),
)
values = st.one_of(numbers, st.lists(numbers, min_size=0, max_size=3), st.text(max_size=5), st.booleans())
loose_priors = st.fixed_dictionaries(
    {"dist": st.one_of(st.sampled_from(sorted(FAMILIES)), st.text(max_size=8))},
    optional={k: values for k in KEYS},
)
# a family with one of its own parameter sets, every value hostile or not: reaches sampling more often
FORMS = sorted((family, tuple(sorted(keys))) for family, cls in FAMILIES.items() for keys in cls.FORMS)
well_formed = st.sampled_from(FORMS).flatmap(
    lambda form: st.fixed_dictionaries(
        {
            "dist": st.just(form[0]),
            **{
                k: st.one_of(numbers, st.tuples(numbers, numbers).map(list), st.lists(numbers, min_size=1, max_size=4))
                for k in form[1]
            },
        }
    )
)
priors = st.one_of(loose_priors, well_formed)
names = st.one_of(st.just("gen"), st.just("gen-2"), st.sampled_from(HOSTILE_NAMES), st.text(max_size=130))
set_values = st.one_of(
    numbers.map(repr), st.tuples(numbers, numbers).map(lambda p: f"{p[0]!r} to {p[1]!r}"), st.text(max_size=12)
)
sets = st.lists(st.tuples(st.sampled_from(INPUTS + ["nosuch"]), set_values).map(lambda p: f"{p[0]}={p[1]}"), max_size=2)


def _toml_value(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        return "nan" if math.isnan(v) else ("inf" if v > 0 else "-inf") if math.isinf(v) else repr(v)
    if isinstance(v, str):
        return json.dumps(v, ensure_ascii=False)
    return "[" + ", ".join(_toml_value(x) for x in v) + "]"


def _dump(data: dict) -> str:
    out = ["[scenario]", *(f"{k} = {_toml_value(v)}" for k, v in data["scenario"].items())]
    for name, spec in data["priors"].items():
        out += ["", f"[priors.{name}]", *(f"{k} = {_toml_value(v)}" for k, v in spec.items())]
    return "\n".join(out) + "\n"


def _mini() -> dict:
    from conftest import MINI

    return tomllib.loads(MINI)


def _run(argv: list[str]) -> tuple[int, str, str]:
    from flopcast.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(argv)
    return code, out.getvalue(), err.getvalue()


def _contract(code: int, stderr: str) -> None:
    assert "Traceback" not in stderr
    lines = [ln for ln in stderr.splitlines() if not ln.startswith("flopcast: note: ")]
    if code == 0:
        assert all(ln.startswith("flopcast: warning: ") for ln in lines), stderr
    else:
        assert code == 2, (code, stderr)
        assert len(lines) == 1 and lines[0].startswith("flopcast: error: "), stderr


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    name=names,
    changed=st.dictionaries(st.sampled_from(INPUTS), priors, max_size=2),
    dropped=st.lists(st.sampled_from(INPUTS + ["name", "model"]), max_size=1),
    overrides=sets,
    command=st.sampled_from(["run", "show"]),
)
def test_generated_scenarios_end_in_one_line(name, changed, dropped, overrides, command):
    data = _mini()
    data["scenario"]["name"] = name
    data["priors"].update(changed)
    for key in dropped:
        data["scenario"].pop(key, None)
        data["priors"].pop(key, None)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        path = root / "gen.toml"
        path.write_text(_dump(data), encoding="utf-8")
        before = set(os.listdir(root))
        argv = [command, str(path), *[a for s in overrides for a in ("--set", s)]]
        if command == "run":
            argv += ["--draws", "200", "--seed", "1", "--no-report", "--json", "--out", str(root / "out")]
        cwd = os.getcwd()
        os.chdir(root)
        try:
            code, stdout, stderr = _run(argv)
        finally:
            os.chdir(cwd)
        _contract(code, stderr)
        if code == 0 and command == "run":
            json.loads(stdout.strip().splitlines()[-1], parse_constant=lambda c: (_ for _ in ()).throw(ValueError(c)))
        new = set(os.listdir(root)) - before
        assert new <= ({"out", "outputs"} if code == 0 else set()), new

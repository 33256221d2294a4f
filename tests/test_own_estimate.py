"""Your own estimate: equations in a scenario file, a notebook function, a Python file next to the
scenario, and one prior vocabulary. Closed forms: a product of independent lognormals is lognormal,
log y ~ N(sum mu_i, sum sigma_i^2), so its quantiles, its Sobol shares of log(y) (sigma_i^2 / sum) and
its posterior under a lognormal measurement of y (normal-normal conjugacy in log space) are exact."""

from __future__ import annotations

import math
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from scipy import stats

import flopcast as fc
from flopcast.priors.errors import InputError

Z95 = stats.norm.ppf(0.95)
CI90 = {"a": (1.0, 10.0), "b": (0.5, 2.0), "c": (100.0, 1000.0)}  # the issue's three-factor example
MU = {n: (math.log(lo) + math.log(hi)) / 2 for n, (lo, hi) in CI90.items()}
SIGMA = {n: (math.log(hi) - math.log(lo)) / (2 * Z95) for n, (lo, hi) in CI90.items()}
MU_Y, SD_Y = sum(MU.values()), math.sqrt(sum(s**2 for s in SIGMA.values()))

THREE = """\
[scenario]
name = "three"
description = "three-factor product"

[priors.a]
dist = "lognormal"
ci90 = [1, 10]
[priors.b]
dist = "lognormal"
ci90 = [0.5, 2]
[priors.c]
dist = "lognormal"
ci90 = [100, 1000]
unit = "widgets"
[priors.usd_per_unit]
dist = "constant"
value = 3

[outputs]
y = "a * b * c"
[outputs.cost]
formula = "y * usd_per_unit / 1e6"
unit = "million USD"
description = "what y costs"
"""


def closed_form(p: float) -> float:
    return math.exp(MU_Y + SD_Y * stats.norm.ppf(p))


@pytest.fixture
def three(tmp_path) -> Path:
    path = tmp_path / "three.toml"
    path.write_text(THREE)
    return path


def cli(*args, cwd=None):
    env = {**os.environ, "MPLBACKEND": "Agg"}
    return subprocess.run(
        [sys.executable, "-m", "flopcast", *map(str, args)],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        timeout=600,
    )


# -- analytic tier: closed forms, loose tolerance ---------------------------------------------------

QUANTILES = [("p05", 0.05), ("median", 0.5), ("p95", 0.95)]


@pytest.mark.parametrize(("field", "p"), QUANTILES)
def test_equation_scenario_matches_closed_form(three, field, p):
    s = fc.run(three, draws=200_000, seed=1).summary["y"]
    assert getattr(s, field) == pytest.approx(closed_form(p), rel=0.02)
    cost = fc.run(three, draws=200_000, seed=1).summary["cost"]
    assert getattr(cost, field) == pytest.approx(closed_form(p) * 3 / 1e6, rel=0.02)
    assert cost.unit == "million USD"


@pytest.mark.parametrize(("field", "p"), QUANTILES)
def test_function_model_matches_closed_form(field, p):
    r = fc.run(
        lambda a, b, c: {"y": a * b * c}, priors={"a": (1, 10), "b": (0.5, 2), "c": (100, 1000)}, draws=400_000, seed=1
    )
    assert getattr(r.summary["y"], field) == pytest.approx(closed_form(p), rel=0.02)


def test_cli_run_of_the_issue_toml(three, tmp_path):
    proc = cli("run", three, "--draws", 100_000, "--seed", 1, "--json", "--out", tmp_path / "out")
    assert proc.returncode == 0, proc.stderr
    import json

    y = json.loads(proc.stdout)["outputs"]["y"]
    assert y["median"] == pytest.approx(closed_form(0.5), rel=0.02)
    assert (tmp_path / "out" / "samples.nc").is_file() and (tmp_path / "out" / "report.html").is_file()


def test_sobol_shares_of_log_y_are_the_variance_shares(three):
    sens = fc.sensitivity(three, "y", log=True, n=1024, seed=3)
    total = sum(s**2 for s in SIGMA.values())
    for name, row in sens.inputs.items():
        assert row.s1 == pytest.approx(SIGMA[name] ** 2 / total, abs=0.06), name


def test_stress_probability_is_the_lognormal_tail(three):
    x = closed_form(0.99)  # P(y >= x) = 0.01 exactly
    s = fc.stress(three, "y", x, draws=200_000, seed=2)
    assert abs(s.p_exceed - 0.01) < 4 * s.p_exceed_mcse


def test_voi_of_a_product_is_each_log_variance_share(three):
    v = fc.voi(three, "y", draws=100_000, seed=1)
    total = sum(s**2 for s in SIGMA.values())
    shares = {row.name: row.share for row in v.rows}
    for n in CI90:
        assert shares[n] == pytest.approx(SIGMA[n] ** 2 / total, abs=0.03), n


@pytest.mark.slow
def test_calibrate_an_equation_scenario_is_the_conjugate_posterior(three, tmp_path):
    evidence = tmp_path / "ev.toml"
    evidence.write_text(
        '[evidence]\nscenario = "three.toml"\n\n[[observation]]\nlabel = "y measured"\n'
        'output = "y"\nvalue = 2000\nsigma_log = 0.2\nsource = "a test measurement"\n'
    )
    cal = fc.calibrate(three, evidence, draws=1000, chains=2, seed=1)
    prec = 1 / SD_Y**2 + 1 / 0.2**2
    mean = (MU_Y / SD_Y**2 + math.log(2000) / 0.2**2) / prec
    post = cal.posterior_run.summary["y"]  # the posterior propagated through the equations
    assert post.median == pytest.approx(math.exp(mean), rel=0.05)
    assert post.p95 == pytest.approx(math.exp(mean + Z95 / math.sqrt(prec)), rel=0.07)


@pytest.mark.slow
def test_calibrate_a_notebook_function_in_memory(tmp_path):
    evidence = tmp_path / "ev.toml"
    evidence.write_text(
        '[[observation]]\nlabel = "y measured"\noutput = "y"\nvalue = 2000\nsigma_log = 0.2\n'
        'source = "a test measurement"\n'
    )
    priors = {"a": (1, 10), "b": (0.5, 2), "c": (100, 1000)}
    cal = fc.calibrate(
        lambda a, b, c: {"y": np.exp(np.log(a) + np.log(b)) * c}, evidence, priors=priors, draws=1000, chains=2, seed=1
    )
    prec = 1 / SD_Y**2 + 1 / 0.2**2
    mean = (MU_Y / SD_Y**2 + math.log(2000) / 0.2**2) / prec
    assert cal.posterior_run.summary["y"].median == pytest.approx(math.exp(mean), rel=0.05)
    cal.save(tmp_path / "cal")
    assert (tmp_path / "cal" / "posterior.nc").is_file() and not list((tmp_path / "cal").glob("*.toml"))
    with pytest.raises(InputError, match="PyTensor tensors"):
        fc.calibrate(lambda a, b, c: {"y": float(a) * b * c}, evidence, priors=priors, draws=100, tune=100, seed=1)


# -- the formula language --------------------------------------------------------------------------

HOSTILE = [
    ('__import__(\\"os\\").system(\\"touch PWNED\\")', "__import__"),
    ("a.__class__", "attribute access"),
    ('open(\\"/etc/passwd\\")', "open"),
    ("(lambda: 1)()", "lambda"),
    ("[1] * 10 ** 10", "a list"),
    ("a[0]", "a subscript"),
    ('\\"text\\"', "a string"),
    ("[x for x in a]", "a comprehension"),
    ("a if b else c", "where("),
    ("a // b", "//"),
    ("a ^ b", "**"),
    ("log(x=a)", "positional"),
    ("getattr(a, 'b')", "getattr"),
    ("a and b", "and/or"),
    ("_secret * 2", "_"),
    ("d * 2", "'d'"),
    ("y * 2", "the output it defines"),
    ("(" * 300 + "a" + ")" * 300, "nested"),
    ("max(" + "a, " * 1100 + "a)", "terms"),
    ("a * " * 1500 + "a", "characters long"),
]


@pytest.mark.parametrize(("formula", "says"), HOSTILE, ids=[h[1] for h in HOSTILE])
def test_hostile_formula_is_refused_at_load_nothing_runs(tmp_path, formula, says):
    path = tmp_path / "bad.toml"
    path.write_text(THREE.replace('y = "a * b * c"', f'y = "{formula}"'))
    proc = cli("run", path, "--draws", 100, "--out", tmp_path / "out", cwd=tmp_path)
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("flopcast: error: bad.toml: outputs.y"), proc.stderr
    assert says in lines[0]
    assert not (tmp_path / "out").exists() and not (tmp_path / "PWNED").exists()


def test_exponent_tower_overflows_to_one_line(tmp_path):
    path = tmp_path / "tower.toml"
    path.write_text(THREE.replace('y = "a * b * c"', 'y = "a * 10 ** 10 ** 10"'))
    proc = cli("run", path, "--draws", 1000, "--out", tmp_path / "out", cwd=tmp_path)
    assert proc.returncode == 2 and len(proc.stderr.strip().splitlines()) == 1, proc.stderr
    assert "infinite" in proc.stderr and not (tmp_path / "out").exists()


def test_formula_evaluates_the_same_on_numpy_and_pytensor():
    import pytensor
    import pytensor.tensor as pt

    from flopcast.models._formula import parse

    f = parse(
        "where(a > 2, log(a) * max(b, 1, 0.5), sqrt(b)) + clip(a, 1, 3) ** 2 - abs(-b) / exp(floor(a))"
        " + ceil(b) * (a <= b) + min(a, b)"
    )
    a = np.array([0.5, 1.5, 2.5, 7.0])
    b = np.array([0.3, 2.0, 4.0, 0.9])
    expected = f({"a": a.copy(), "b": b.copy()})
    ta, tb = pt.dvector("a"), pt.dvector("b")
    got = pytensor.function([ta, tb], f({"a": ta, "b": tb}))(a, b)
    np.testing.assert_allclose(got, expected, rtol=1e-12)
    direct = (
        np.where(a > 2, np.log(a) * np.maximum(np.maximum(b, 1), 0.5), np.sqrt(b))
        + np.clip(a, 1, 3) ** 2
        - np.abs(-b) / np.exp(np.floor(a))
        + np.ceil(b) * (a <= b)
        + np.minimum(a, b)
    )
    np.testing.assert_allclose(expected, direct, rtol=1e-12)


def test_in_place_evaluation_never_writes_into_inputs_or_earlier_outputs(three):
    plan = fc.bind(three)
    a, b, c = np.array([1.0, 2.0]), np.array([3.0, 4.0]), np.array([5.0, 6.0])
    y = plan.model.evaluate({"a": a, "b": b, "c": c, "usd_per_unit": np.float64(3)})
    np.testing.assert_array_equal(a, [1.0, 2.0])
    np.testing.assert_array_equal(b, [3.0, 4.0])
    np.testing.assert_array_equal(y["y"], [15.0, 48.0])  # cost = y * 3 / 1e6 did not overwrite y
    np.testing.assert_allclose(y["cost"], [45e-6, 144e-6])


@pytest.mark.parametrize(
    ("change", "says"),
    [
        ('[outputs]\ny = "a * b * c"', None),
        ('[outputs]\na = "b * c"', "already an input"),
        ('[outputs]\ny = "later * 2"\nlater = "a"', "'later'"),
        ('[outputs]\n"bad name" = "a"', "cannot name an output"),
        ("[outputs]\ny = 3", "formula string"),
        ('[outputs.y]\nformula = "a"\ncolour = "red"', "unknown key"),
        ('[outputs.y]\nformula = "a"\ndomain = "tiny"', "unknown domain"),
    ],
)
def test_outputs_table_is_checked_at_load(tmp_path, change, says):
    path = tmp_path / "s.toml"
    path.write_text(THREE.split("[outputs]")[0] + change + "\n")
    if says is None:
        assert fc.run(path, draws=1000, seed=1).summary["y"].median > 0
        return
    with pytest.raises(InputError, match="s.toml: outputs") as exc:
        fc.bind(path)
    assert says in str(exc.value)


def test_a_scenario_needs_a_model_or_outputs(tmp_path):
    path = tmp_path / "s.toml"
    path.write_text(THREE.split("[outputs]")[0])
    with pytest.raises(InputError, match="scenario.model: missing"):
        fc.bind(path)


def test_output_domain_is_checked_on_every_draw(tmp_path):
    path = tmp_path / "s.toml"
    path.write_text(THREE.split("[outputs]")[0] + '[outputs.d]\nformula = "a - 5"\ndomain = "positive"\n')
    with pytest.raises(InputError, match="output d leaves its domain"):
        fc.run(path, draws=2000, seed=1)


def test_input_domain_follows_the_prior_and_drives_set_ranges(three):
    plan = fc.bind(three, set={"b": "0.5 to 4"})
    assert plan.model.inputs["b"].domain.name == "positive"
    assert plan.dists["b"].family == "lognormal"
    assert plan.dists["b"].quantile([0.05, 0.95]) == pytest.approx([0.5, 4.0])
    beta = THREE.replace(
        '[priors.b]\ndist = "lognormal"\nci90 = [0.5, 2]', '[priors.b]\ndist = "beta"\nci90 = [0.2, 0.6]'
    )
    path = three.parent / "beta.toml"
    path.write_text(beta)
    assert fc.bind(path, set={"b": (0.3, 0.5)}).dists["b"].family == "beta"
    with pytest.raises(InputError, match="not a fraction"):
        fc.bind(path, set={"b": 2})


# -- one prior vocabulary ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [(5e9, 60e9), "5e9 to 60e9", {"dist": "lognormal", "ci90": [5e9, 60e9]}, "lognormal-object"],
    ids=["pair", "string", "dict", "object"],
)
def test_every_form_of_the_vocabulary_gives_the_same_prior(value):
    if value == "lognormal-object":
        value = fc.lognormal(ci90=(5e9, 60e9))
    a = fc.run("plappert-2024", draws=4000, seed=7, set={"sora_params": value})
    b = fc.run("plappert-2024", draws=4000, seed=7, set={"sora_params": (5e9, 60e9)})
    np.testing.assert_array_equal(a.outputs["peak_fleet_h100"], b.outputs["peak_fleet_h100"])
    cli_strings = fc.plan_for("plappert-2024", ["sora_params=5e9 to 60e9"]).dists["sora_params"]
    assert fc.bind("plappert-2024", set={"sora_params": value}).dists["sora_params"] == cli_strings


def test_quantiles_dict_and_fixed_values():
    plan = fc.bind(
        lambda a, b: {"y": a * b}, priors={"a": {"quantiles": [[0.1, 5.0], [0.5, 12.0], [0.9, 80.0]]}, "b": 3}
    )
    assert plan.dists["a"].quantile([0.1, 0.5, 0.9]) == pytest.approx([5.0, 12.0, 80.0], rel=1e-6)
    assert plan.constants["b"] == 3.0
    assert plan.model.inputs["a"].domain.name == "positive"


@pytest.mark.parametrize(
    ("priors", "says"),
    [
        ({"a": (1, 10)}, "no prior for input 'b'"),
        ({"a": (1, 10), "b": 2, "z": 1}, "takes no input 'z'"),
        ({"a": (10, 1), "b": 2}, "lower bound"),
        ({"a": True, "b": 2}, "must be a number"),
        ({"a": float("nan"), "b": 2}, "finite"),
        ({"a": (1, 2, 3), "b": 2}, "pair"),
        ({"a": {"dist": "gamma"}, "b": 2}, "unknown distribution"),
    ],
)
def test_bad_priors_for_a_function_are_one_error(priors, says):
    with pytest.raises(InputError, match=says):
        fc.run(lambda a, b: {"y": a * b}, priors=priors, draws=100, seed=1)


def test_function_errors_are_one_line_with_the_cause_chained():
    def broken(a):
        return {"y": a.nonexistent}

    with pytest.raises(InputError, match="raised AttributeError") as exc:
        fc.run(broken, priors={"a": (1, 2)}, draws=10, seed=1)
    assert isinstance(exc.value.__cause__, AttributeError)
    with pytest.raises(InputError, match="must return a dict"):
        fc.run(lambda a: a, priors={"a": (1, 2)}, draws=10, seed=1)


def test_units_of_a_function_model():
    @fc.model(units={"y": "USD"})
    def cost(a, b=2.0):
        return {"y": a * b}

    r = fc.run(cost, priors={"a": (1, 10)}, draws=20_000, seed=1)
    assert r.summary["y"].unit == "USD"
    assert r.summary["y"].median == pytest.approx(2 * math.sqrt(10), rel=0.03)  # default b = 2 is fixed


def test_signatures_are_real():
    import inspect

    sig = inspect.signature(fc.stress)
    assert list(sig.parameters)[:3] == ["model", "output", "headline"]
    assert {"priors", "set", "gpu", "flop_convention", "tail"} <= set(sig.parameters)
    assert "sets" not in inspect.signature(fc.run).parameters
    assert fc.stress.__doc__.startswith("fc.stress(")
    with pytest.raises(TypeError):
        fc.run("plappert-2024", sets=["a=1"])


# -- a Python file next to the scenario ---------------------------------------------------------------


def test_model_file_next_to_the_scenario(tmp_path):
    (tmp_path / "m").mkdir()
    (tmp_path / "m" / "my_model.py").write_text(
        "def model(a, b, c):\n    return {'y': a * b * c}\n\ndef other(a, b, c):\n    return {'z': a + b + c}\n"
    )
    scenario = THREE.split("[priors.usd_per_unit]")[0].replace(
        'description = "three-factor product"', 'model = "my_model.py"'
    )
    (tmp_path / "m" / "s.toml").write_text(scenario + '\n[outputs.y]\nunit = "widgets"\n')
    r = fc.run(tmp_path / "m" / "s.toml", draws=100_000, seed=1)
    assert r.summary["y"].median == pytest.approx(closed_form(0.5), rel=0.02)
    assert r.summary["y"].unit == "widgets"
    (tmp_path / "m" / "t.toml").write_text(scenario.replace("my_model.py", "my_model.py:other"))
    assert set(fc.run(tmp_path / "m" / "t.toml", draws=1000, seed=1).summary) == {"z"}


@pytest.mark.parametrize(
    ("model", "body", "says"),
    [
        ("missing.py", None, "no such Python file"),
        ("bad.py", "raise SystemExit(3)\n", "failed to load: SystemExit"),
        ("bad.py", "x = 1\n", "defines no function 'model'"),
        ("bad.py:__class__", "def model(a): return {'y': a}\n", "not a function name"),
        ("bad.py:print", "def model(a): return {'y': a}\n", "defines no function"),
    ],
)
def test_model_file_problems_are_one_line(tmp_path, model, body, says):
    if body is not None:
        (tmp_path / model.split(":")[0]).write_text(body)
    (tmp_path / "s.toml").write_text(
        f'[scenario]\nname = "s"\nmodel = "{model}"\n\n[priors.a]\ndist = "constant"\nvalue = 1\n'
    )
    proc = cli("run", tmp_path / "s.toml", "--draws", 10, "--out", tmp_path / "out")
    assert proc.returncode == 2 and len(proc.stderr.strip().splitlines()) == 1, proc.stderr
    assert says in proc.stderr and not (tmp_path / "out").exists()


def test_bundled_scenarios_cannot_name_a_python_file():
    from flopcast.priors.scenario import SCENARIO_DIR, parse_scenario

    with pytest.raises(InputError, match="bundled scenario cannot load a Python file"):
        parse_scenario({"scenario": {"name": "x", "model": "evil.py"}}, SCENARIO_DIR / "x.toml")


def test_new_without_model_writes_a_template_that_runs(tmp_path):
    proc = cli("new", "mine", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    text = (tmp_path / "mine.toml").read_text()
    assert len(text.splitlines()) <= 16
    r = fc.run(tmp_path / "mine.toml", draws=20_000, seed=1)
    # y = a b c with a, c lognormal and b ~ beta(ci90 = [0.2, 0.6]): median near sqrt(10) x 0.38 x sqrt(1e5)
    assert 200 < r.summary["y"].median < 600 and r.summary["y"].unit == "units of y"


def test_show_lists_the_equations(three):
    proc = cli("show", three)
    assert proc.returncode == 0, proc.stderr
    assert "  y = a * b * c" in proc.stdout and "  cost = y * usd_per_unit / 1e6  [million USD]" in proc.stdout
    import json

    shown = json.loads(cli("show", three, "--json").stdout)["outputs"]
    assert shown[1] == {"name": "cost", "formula": "y * usd_per_unit / 1e6", "unit": "million USD"}


def test_a_module_file_uses_the_public_quantity(tmp_path):
    (tmp_path / "m.py").write_text(
        "from flopcast import Quantity\n"
        "INPUTS = {'a': Quantity('s', 'a time', domain='positive')}\n"
        "OUTPUTS = {'twice': Quantity('s', 'twice a', domain='positive')}\n"
        "def evaluate(x):\n    return {'twice': 2 * x['a']}\n"
    )
    (tmp_path / "s.toml").write_text(
        '[scenario]\nname = "s"\nmodel = "m.py"\n\n[priors.a]\ndist = "lognormal"\nci90 = [1, 4]\n'
    )
    s = fc.run(tmp_path / "s.toml", draws=50_000, seed=1).summary["twice"]
    assert s.unit == "s" and s.median == pytest.approx(4.0, rel=0.02)  # closed form: 2 x sqrt(1 x 4)

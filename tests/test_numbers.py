"""Numbers as people write them (priors/numbers.py): one parser for the CLI and TOML strings."""

import json

import pytest

from flopcast import engine
from flopcast.analyze.voi import parse_decision
from flopcast.cli.app import main
from flopcast.priors.errors import InputError
from flopcast.priors.numbers import numbers_in, parse_number, to_number


# (text, value): the suffixes flopcast prints (report/style.py eng: k, M, B, T) read back
@pytest.mark.parametrize(
    "text, value",
    [
        ("720000", 720000.0),
        ("720k", 720e3),
        ("720K", 720e3),
        ("1.5M", 1.5e6),
        ("2.3B", 2.3e9),
        ("2.3G", 2.3e9),
        ("1.1T", 1.1e12),
        ("3e8", 3e8),
        ("3E+08", 3e8),
        ("720_000", 720000.0),
        (" 13.9M ", 13.9e6),
        ("50%", 0.5),
        ("-2.5k", -2500.0),
        (".5", 0.5),
        (720000, 720000.0),
        (1.5, 1.5),
    ],
)
def test_numbers_as_written(text, value):
    assert to_number(text) == pytest.approx(value, rel=1e-15)


@pytest.mark.parametrize(
    "text, fragment",
    [
        ("5m", "write M for million"),
        ("lots", "not a number"),
        ("1.5 MB", "not a number"),
        ("1__0", "not a number"),
        ("inf", "not a number"),
        ("k", "not a number"),
        (True, "not a number"),
    ],
)
def test_what_is_no_number_is_refused(text, fragment):
    with pytest.raises(ValueError, match=fragment):
        to_number(text)
    with pytest.raises(InputError, match="--headline"):
        parse_number(text, "--headline")


def test_toml_strings_become_numbers_and_other_strings_stay():
    assert numbers_in({"ci90": ["5B", "60B"], "point": "20.25B", "source": "a text"}) == {
        "ci90": [5e9, 60e9],
        "point": 20.25e9,
        "source": "a text",
    }


def test_set_and_range_take_suffixes():
    a = engine.plan_for("plappert-2024", ["sora_params=20B", "dataset_multiplier=4 to 10"])
    b = engine.plan_for("plappert-2024", ["sora_params=20e9", "dataset_multiplier=4 to 10"])
    assert a.constants["sora_params"] == b.constants["sora_params"] == 20e9
    c = engine.plan_for("plappert-2024", ["sora_params=5B to 60B"])
    d = engine.plan_for("plappert-2024", ["sora_params=5e9 to 60e9"])
    assert c.dists["sora_params"] == d.dists["sora_params"]
    q = engine.plan_for("plappert-2024", ["sora_params=q0.1=5B, q0.5=12B, q0.9=80B"])
    assert [round(got / want, 9) for _, want, got in q.dists["sora_params"].achieved()] == [1.0, 1.0, 1.0]


def test_decision_takes_suffixes():
    assert parse_decision(">= 720k") == parse_decision(">= 720000")


def test_scenario_file_takes_number_strings(write_scenario):
    """The same prior, point and headline written as numbers and as the strings people write."""
    from conftest import MINI

    written = MINI.replace("ci90 = [5e9, 60e9]\npoint = 20.25e9", 'ci90 = ["5B", "60B"]\npoint = "20.25B"')
    assert written != MINI
    plain, strings = (engine.plan_for(str(write_scenario(t))) for t in (MINI, written))
    assert strings.dists["sora_params"] == plain.dists["sora_params"]
    assert strings.points["sora_params"] == plain.points["sora_params"] == 20.25e9


def test_headline_720k_on_the_command_line(capsys, tmp_path):
    code = main(
        [
            "stress",
            "plappert-2024",
            "--output",
            "peak_fleet_h100",
            "--headline",
            "720k",
            "--draws",
            "2000",
            "--seed",
            "1",
            "--json",
            "--out",
            str(tmp_path / "s"),
        ]
    )
    assert code == 0
    j = json.loads(capsys.readouterr().out)
    assert j["headline"] == 720000.0

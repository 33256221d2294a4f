"""Help pages: every option says what it does, every subcommand shows an example that parses, and no
help page prints argparse's escaped percent sign."""

import argparse
import shlex

import pytest

from flopcast.cli.app import build_parser


def _subparsers(parser):
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            yield from action.choices.items()


PARSER = build_parser()
NAMES = sorted(name for name, _ in _subparsers(PARSER))


@pytest.mark.parametrize("name", NAMES)
def test_every_option_has_help_and_the_page_an_example(name):
    sub = dict(_subparsers(PARSER))[name]
    missing = [a.dest for a in sub._actions if a.help in (None, "") and not isinstance(a, argparse._HelpAction)]
    assert not missing, f"{name}: options without help: {missing}"
    page = sub.format_help()
    assert "example" in page and "%%" not in page
    examples = [line.strip() for line in page.split("example", 1)[1].splitlines()[1:] if line.strip()]
    for line in examples:
        argv = shlex.split(line.split("  #")[0])
        assert argv[:2] == ["flopcast", name]
        args = PARSER.parse_args(argv[1:])  # parses as written (run-time checks come later)
        assert args.command == name


def test_top_level_help_shows_examples():
    page = PARSER.format_help()
    assert "examples:" in page and "flopcast run plappert-2024" in page

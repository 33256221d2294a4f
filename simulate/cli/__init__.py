"""The ``flopcast`` command: shared options parsed once, one command skeleton, one output writer."""

from flopcast.cli.app import main as _main


def main(argv=None) -> int:

    return _main(argv)

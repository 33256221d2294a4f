"""The ``flopcast`` command: shared options parsed once, one command skeleton, one output writer."""


def main(argv=None) -> int:
    from flopcast.cli.app import main as _main

    return _main(argv)

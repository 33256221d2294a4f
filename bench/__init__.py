"""Benchmarks of GitHub issue 7 (not tests): ``python -m bench.run`` from the repository root."""

"""Compute equations, one module per system. See ``models/_spec.py`` for what a module provides."""

"""Compute equations, one module per system. See ``models/spec.py`` for what a module provides."""

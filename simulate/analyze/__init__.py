"""Analyses over a plan or a run: sensitivity, stress, audit, compare, waterfall, calibration."""

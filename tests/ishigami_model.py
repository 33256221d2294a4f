"""The Ishigami function as a flopcast model module (test only): Sobol indices known in closed form.
Y = sin x1 + a sin^2 x2 + b x3^4 sin x1, x_i ~ U(-pi, pi), a = 7, b = 0.1."""

import numpy as np

from flopcast.models.spec import Quantity

INPUTS = {f"x{i}": Quantity("rad", f"Ishigami input {i}") for i in (1, 2, 3)}
OUTPUTS = {"y": Quantity("1", "Ishigami function")}
KEY_OUTPUTS = ("y",)
A, B = 7.0, 0.1


def evaluate(x):
    return {"y": np.sin(x["x1"]) + A * np.sin(x["x2"]) ** 2 + B * x["x3"] ** 4 * np.sin(x["x1"])}


def analytic_indices():
    """Closed form (Ishigami & Homma 1990; Saltelli et al. 2008, Global Sensitivity Analysis, 4.5)."""
    pi = np.pi
    v1 = 0.5 * (1 + B * pi**4 / 5) ** 2
    v2 = A**2 / 8
    v13 = B**2 * pi**8 * (1 / 18 - 1 / 50)
    var = v1 + v2 + v13
    return {"x1": (v1 / var, (v1 + v13) / var), "x2": (v2 / var, v2 / var), "x3": (0.0, v13 / var)}

"""A product of three positive inputs as a flopcast model module (test only): Y = x1 x2 x3, so with
lognormal inputs log Y is normal and every tail probability of Y has a closed form."""

from flopcast.models.spec import Quantity

INPUTS = {f"x{i}": Quantity("1", f"factor {i}", domain="positive") for i in (1, 2, 3)}
OUTPUTS = {"y": Quantity("1", "product of the factors", domain="positive")}
KEY_OUTPUTS = ("y",)


def evaluate(x):
    return {"y": x["x1"] * x["x2"] * x["x3"]}

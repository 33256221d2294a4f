"""The one contract every module in models/ keeps (models/spec.py), checked module by module:

- INPUTS and OUTPUTS are Quantity with a unit, a description and a domain; defaults lie in their domain;
- ``evaluate`` is pure: it leaves its inputs unchanged and gives the same result twice;
- a batch equals slice by slice: 64 random in-domain draws as arrays give exactly what each draw
  gives alone;
- the equations run on PyTensor tensors: the compiled graph agrees with numpy;
- every bundled scenario's priors, correlations, headline outputs, headline ``set`` values and waterfall
  name real inputs and outputs of its model.
"""

from __future__ import annotations

import importlib

import numpy as np
import pytest

from flopcast.models.spec import Domain, Quantity
from flopcast.plan import load_model
from flopcast.priors.scenario import bundled_scenarios, load_scenario
from flopcast.registry import available_models

MODULES = available_models()
SCENARIOS = [p.stem for p in bundled_scenarios()]
N = 64
# (relative tolerance of the compiled PyTensor graph against numpy: fused C loops may round differently)
PYTENSOR_RTOL = 1e-12


def _module(name: str):
    return importlib.import_module(f"flopcast.models.{name}")


def _draw(domain: Domain, rng: np.random.Generator, n: int) -> np.ndarray:
    """n random values inside ``domain``, spread over several decades where the domain is unbounded."""
    if domain.name == "switch":
        return rng.integers(0, 2, n).astype(float)
    if domain.name == "integer":
        return rng.integers(1, 17, n).astype(float)
    if domain.name == "fraction":
        return rng.uniform(0.0, 1.0, n)
    if domain.name == "open_fraction":
        return 1.0 - rng.uniform(0.0, 1.0, n)  # (0, 1]
    if domain.name == "count":
        return 1.0 + rng.lognormal(1.0, 1.5, n)
    if domain.name in ("positive", "nonnegative"):
        return rng.lognormal(1.0, 2.0, n)
    return rng.normal(0.0, 10.0, n)


def _inputs(module, seed: int = 0) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    return {name: _draw(q.domain, rng, N) for name, q in module.INPUTS.items()}


def test_every_model_module_is_covered():
    assert {"sora", "dit", "llm", "pipeline", "tokens_per_video", "video_diffusion", "video_fleet"} <= set(MODULES)


@pytest.mark.parametrize("name", MODULES)
def test_quantities_declare_unit_description_and_domain(name):
    module = _module(name)
    assert module.INPUTS and module.OUTPUTS and callable(module.evaluate)
    assert not set(module.INPUTS) & set(module.OUTPUTS)
    for kind, table in (("input", module.INPUTS), ("output", module.OUTPUTS)):
        for qname, q in table.items():
            assert isinstance(q, Quantity), (kind, qname)
            assert q.unit.strip() and q.description.strip(), (kind, qname)
            assert isinstance(q.domain, Domain), (kind, qname, "declares no domain")
            if q.default is not None:
                assert q.domain.contains(float(q.default)), (kind, qname, q.default)
    assert set(getattr(module, "KEY_OUTPUTS", ())) <= set(module.OUTPUTS)


@pytest.mark.parametrize("name", MODULES)
def test_evaluate_is_pure(name):
    module = _module(name)
    x = _inputs(module)
    before = {k: v.copy() for k, v in x.items()}
    with np.errstate(all="ignore"):
        first = module.evaluate(x)
        second = module.evaluate(x)
    assert set(x) == set(before) and all(np.array_equal(x[k], before[k]) for k in x), "evaluate changed its inputs"
    assert set(first) == set(module.OUTPUTS)
    for out in module.OUTPUTS:
        assert np.array_equal(first[out], second[out], equal_nan=True), out


@pytest.mark.parametrize("name", MODULES)
def test_batch_equals_slice_by_slice(name):
    module = _module(name)
    x = _inputs(module, seed=1)
    with np.errstate(all="ignore"):
        batch = {k: np.broadcast_to(v, (N,)) for k, v in module.evaluate(x).items()}
        for i in range(N):
            alone = module.evaluate({k: np.float64(v[i]) for k, v in x.items()})
            for out, value in alone.items():
                assert np.array_equal(batch[out][i], value, equal_nan=True), (out, i, batch[out][i], value)


@pytest.mark.parametrize("name", MODULES)
def test_runs_on_pytensor_tensors(name):
    import pytensor
    import pytensor.tensor as pt

    module = _module(name)
    x = _inputs(module, seed=2)
    symbols = {k: pt.dvector(k) for k in module.INPUTS}
    graph = module.evaluate(symbols)
    outs = list(module.OUTPUTS)
    fn = pytensor.function(
        [symbols[k] for k in module.INPUTS],
        [pt.as_tensor_variable(graph[o]) for o in outs],
        mode="FAST_COMPILE",
        on_unused_input="raise",
    )
    got = fn(*[x[k] for k in module.INPUTS])
    with np.errstate(all="ignore"):
        want = module.evaluate(x)
    for out, value in zip(outs, got):
        expected = np.broadcast_to(want[out], (N,))
        assert np.allclose(np.broadcast_to(value, (N,)), expected, rtol=PYTENSOR_RTOL, atol=0, equal_nan=True), out


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_scenario_names_real_inputs_and_outputs(scenario):
    sc = load_scenario(scenario)
    model = load_model(sc.model)
    inputs, outputs = set(model.inputs), set(model.outputs)
    assert set(sc.priors) <= inputs, set(sc.priors) - inputs
    for c in sc.correlations:
        assert set(c.inputs) <= inputs, c
    for h in sc.headlines:
        assert h.output in outputs, h.output
        assert set(h.set) <= inputs, h.set
        for k, v in h.set.items():
            assert model.inputs[k].domain.contains(v), (h.output, k, v)
    if sc.waterfall is not None:
        assert sc.waterfall.output in outputs
        assert set(sc.waterfall.start) <= inputs, set(sc.waterfall.start) - inputs
        for k, v in sc.waterfall.start.items():
            assert model.inputs[k].domain.contains(v), ("waterfall.start", k, v)
        for step in sc.waterfall.steps:
            assert set(step.inputs) <= inputs, step.inputs

"""Two scenarios side by side, with common random numbers: every input the two share sees the
same unit-cube draw, so the ratio distribution reflects the assumptions that differ, not noise."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from flopcast.priors.errors import InputError
from flopcast.results import Rendered
from flopcast.engine import check_draws, plan_for, run, sampled_columns
from flopcast.seeds import resolve_seed
from flopcast.summary import Summary, summarize


@dataclass
class OutputComparison:
    output: str
    unit: str
    a: Summary
    b: Summary
    ratio: Summary  # of B / A, draw by draw
    p_b_greater: float


@dataclass(repr=False)
class Comparison(Rendered):
    a: str
    b: str
    draws: int
    seed: int
    sampler: str
    outputs: dict[str, OutputComparison]
    shared_inputs: list[str]

    def to_json(self) -> dict:
        def s(x: Summary) -> dict:
            return {"median": x.median, "p05": x.p05, "p95": x.p95, "mean": x.mean, "hdi90": list(x.hdi90)}

        return {
            "a": self.a, "b": self.b, "draws": self.draws, "seed": self.seed, "sampler": self.sampler,
            "common_random_numbers": self.shared_inputs,
            "outputs": {n: {"unit": c.unit, "a": s(c.a), "b": s(c.b), "ratio_b_over_a": s(c.ratio),
                            "p_b_greater": c.p_b_greater} for n, c in self.outputs.items()},
        }


def compare(a, b, outputs=(), sets_a=(), sets_b=(), draws: int | None = None, seed: int | None = None,
            sampler: str = "mc", stream: bool | None = None) -> Comparison:
    """B against A on their shared outputs with common random numbers, over all ``draws`` (streamed
    above ``engine.STREAM_ABOVE`` or with ``stream=True``: ``_compare_streamed``)."""
    plan_a, plan_b = plan_for(a, sets_a), plan_for(b, sets_b)
    common = [n for n in plan_a.model.outputs if n in plan_b.model.outputs]
    if outputs:
        for name in outputs:
            if name not in common:
                raise InputError(f"--output {name}", f"not an output of both models; shared outputs: {', '.join(common) or 'none'}")
        common = list(outputs)
    if not common:
        raise InputError(f"{plan_a.scenario.name} vs {plan_b.scenario.name}",
                         "the two models share no output; name one with --output")
    draws = check_draws(draws if draws is not None else max(plan_a.scenario.default_draws or 0,
                                                           plan_b.scenario.default_draws or 0) or 200_000)
    seed = resolve_seed(seed)
    columns = sorted(set(sampled_columns(plan_a)) | set(sampled_columns(plan_b)))
    shared = sorted(set(plan_a.uncertain) & set(plan_b.uncertain))
    if _streams(draws, stream, sampler):
        return _compare_streamed(plan_a, plan_b, common, draws, seed, sampler, columns, shared)
    ra = run(plan_a, draws=draws, seed=seed, sampler=sampler, summarize_outputs=False, columns=columns, stream=False)
    rb = run(plan_b, draws=draws, seed=seed, sampler=sampler, summarize_outputs=False, columns=columns, stream=False)
    out = {}
    for name in common:
        ya, yb = ra.outputs[name], rb.outputs[name]
        with np.errstate(all="ignore"):
            ratio = yb / ya
        unit = plan_a.unit(name)
        out[name] = OutputComparison(name, unit, summarize(ya, unit), summarize(yb, unit),
                                     summarize(ratio[np.isfinite(ratio)], "ratio"), float(np.mean(yb > ya)))
    return Comparison(plan_a.scenario.name, plan_b.scenario.name, draws, seed, sampler, out, shared)


def _streams(draws: int, stream: bool | None, sampler: str) -> bool:
    from flopcast.analyze.streamed import wants_stream

    return wants_stream(draws, stream, sampler)


def _compare_streamed(plan_a, plan_b, common, draws, seed, sampler, columns, shared) -> Comparison:
    """``compare`` over all draws without holding them: exact quantiles and P(B > A) over N = draws
    (``analyze.streamed``); the 90% HDIs come from the streaming histograms (within one bin)."""
    from flopcast.analyze.streamed import compare_summaries

    got = compare_summaries((plan_a, plan_b), common, draws, seed, sampler, columns)
    out = {n: OutputComparison(n, plan_a.unit(n), *got[n]) for n in common}
    return Comparison(plan_a.scenario.name, plan_b.scenario.name, draws, seed, sampler, out, shared)

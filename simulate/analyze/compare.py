"""Two scenarios side by side, with common random numbers: every input the two share sees the
same unit-cube draw, so the ratio distribution reflects the assumptions that differ, not noise."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field

import numpy as np

from flopcast.analyze.reductions import Quantity, draws_of, reduce
from flopcast.engine import check_draws, plan_for, sampled_columns
from flopcast.priors import hardware as hw
from flopcast.priors.errors import InputError
from flopcast.results import Result
from flopcast.seeds import resolve_seed
from flopcast.summary import PROBS, Summary

# B counts as above A only beyond this relative difference: one quantity reached along two float
# paths (an H100 count, and another accelerator's count x the ratio of their peaks) differs by ulps,
# which must not read as "B above A" in a share of the draws
TIE_RTOL = 1e-9


@dataclass
class OutputComparison:
    output: str
    unit: str
    a: Summary
    b: Summary
    ratio: Summary  # of B / A, draw by draw
    p_b_greater: float


@dataclass(frozen=True, repr=False)
class Comparison(Result):
    _row_name = "output"  # to_dataframe: one row per output

    a: str
    b: str
    draws: int
    seed: int
    sampler: str
    outputs: dict[str, OutputComparison]
    shared_inputs: list[str]
    unmatched: dict[str, list[str]] = field(default_factory=dict)  # {"a": [...], "b": [...]}: names only one has

    def unmatched_note(self) -> str:
        """Which outputs were left out because their names differ, and how to pair them (or '')."""
        a, b = self.unmatched.get("a", []), self.unmatched.get("b", [])
        if not (a and b):
            return ""

        close = [(difflib.SequenceMatcher(None, x, y).ratio(), x, y) for x in a for y in b]
        _, x, y = max(close)
        return (
            f"not compared, names differ: A has {', '.join(a)}; B has {', '.join(b)}; pair outputs that measure "
            f"the same thing with --map A_OUTPUT=B_OUTPUT (e.g. --map {x}={y})"
        )

    def __repr__(self) -> str:
        return f"<Comparison {self.a} (A) vs {self.b} (B): {len(self.outputs)} outputs, {self.draws:,} draws, seed {self.seed}>"

    def to_json(self) -> dict:
        def s(x: Summary) -> dict:
            return {"median": x.median, "p05": x.p05, "p95": x.p95, "mean": x.mean, "hdi90": list(x.hdi90)}

        return {
            "a": self.a,
            "b": self.b,
            "draws": self.draws,
            "seed": self.seed,
            "sampler": self.sampler,
            "common_random_numbers": self.shared_inputs,
            "not_compared": self.unmatched,
            "outputs": {
                n: {
                    "unit": c.unit,
                    "a": s(c.a),
                    "b": s(c.b),
                    "ratio_b_over_a": s(c.ratio),
                    "p_b_greater": c.p_b_greater,
                }
                for n, c in self.outputs.items()
            },
        }


def split_accelerators(sets) -> tuple[list[str], list[str]]:
    """``--set`` strings -> (the others, the ``accelerator=`` ones from --gpu): one applies to both
    scenarios, two choose A's and B's; more is refused."""
    gpus = [s for s in sets if s.split("=", 1)[0].strip() == "accelerator"]
    if len(gpus) > 2:
        raise InputError("gpu", f"give at most two (A's and B's), got {len(gpus)}")
    return [s for s in sets if s not in gpus], gpus


def label(plan) -> str:
    """A scenario's name in a comparison, with its accelerator when one was chosen."""
    acc = plan.scenario.accelerator
    return f"{plan.scenario.name} on {acc}" if acc else plan.scenario.name


def compare(
    a,
    b,
    outputs=(),
    sets_a=(),
    sets_b=(),
    draws: int | None = None,
    seed: int | None = None,
    sampler: str = "mc",
    mapping: dict[str, str] | None = None,
    stream: bool | None = None,
) -> Comparison:
    """B against A on their shared outputs with common random numbers, over all ``draws`` (streamed
    above ``engine.STREAM_ABOVE`` or with ``stream=True``; the same numbers either way: ``reductions``). ``mapping``:
    {output of A: output of B} for outputs named differently; they are compared as ``A=B`` (units
    that differ, such as H100s and GPUs, are shown as ``A unit / B unit``). A scenario against itself
    on two accelerators: ``sets_a={"accelerator": "H100-SXM"}, sets_b={"accelerator": "B200"}``."""
    plan_a, plan_b = plan_for(a, sets_a), plan_for(b, sets_b)
    common = [n for n in plan_a.model.outputs if n in plan_b.model.outputs]
    counts = _accelerator_counts(plan_a, plan_b)  # {neutral name: (A's output, B's output)}
    pairs = {}
    for name_a, name_b in (mapping or {}).items():
        for plan, name in ((plan_a, name_a), (plan_b, name_b)):
            if name not in plan.model.outputs:
                raise InputError(
                    f"mapping {name_a}={name_b}",
                    f"{name!r} is not an output of {plan.scenario.name}; its outputs: {', '.join(plan.model.outputs)}",
                )
        ua, ub = plan_a.unit(name_a), plan_b.unit(name_b)
        if _dimension(ua) != _dimension(ub):
            raise InputError(
                f"mapping {name_a}={name_b}",
                f"{ua!r} and {ub!r} measure different things, so B/A of "
                "them means nothing; map outputs of one unit (accelerator names aside: H100s = GPUs)",
            )
        pairs[name_a if name_a == name_b else f"{name_a}={name_b}"] = (name_a, name_b)
    for name in outputs:
        if name not in common and name not in counts:
            raise InputError(
                f"output {name}",
                hw.renamed_hint(name)
                or f"not an output of both models; shared outputs: {', '.join([*common, *counts]) or 'none'}",
            )
    unmatched = {}
    if outputs or pairs:  # only what was named
        common = list(outputs)
    else:
        paired = {n for ab in counts.values() for n in ab}
        unmatched = {
            "a": [n for n in plan_a.model.outputs if n not in plan_b.model.outputs and n not in paired],
            "b": [n for n in plan_b.model.outputs if n not in plan_a.model.outputs and n not in paired],
        }
        common += list(counts)
    pairs = {**{n: counts.get(n, (n, n)) for n in common}, **pairs}
    if not pairs:
        raise InputError(
            f"{plan_a.scenario.name} vs {plan_b.scenario.name}",
            "the two models share no output name; pair outputs with --map A_OUTPUT=B_OUTPUT (A's: "
            f"{', '.join(plan_a.model.outputs)}; B's: {', '.join(plan_b.model.outputs)})",
        )
    draws = check_draws(
        draws
        if draws is not None
        else max(plan_a.scenario.default_draws or 0, plan_b.scenario.default_draws or 0) or 200_000
    )
    seed = resolve_seed(seed)
    columns = sorted(set(sampled_columns(plan_a)) | set(sampled_columns(plan_b)))
    shared = sorted(set(plan_a.uncertain) & set(plan_b.uncertain))
    source = draws_of((plan_a, plan_b), draws, seed, sampler, columns, stream)
    got = reduce(source, reductions(plan_a, plan_b, pairs, draws))
    out = {
        name: OutputComparison(
            name,
            got[f"a:{name}"].summary.unit,
            *(got[f"{k}:{name}"].summary for k in "abr"),
            got[f"g:{name}"].draws / draws,
        )
        for name in pairs
    }
    return Comparison(label(plan_a), label(plan_b), draws, seed, sampler, out, shared, unmatched)


def reductions(plan_a, plan_b, pairs: dict[str, tuple[str, str]], draws: int) -> dict[str, Quantity]:
    """What ``compare`` reads off the draws, per compared pair ``{label: (output of A, output of B)}``:
    the summaries (exact quantiles, MCSE and 90% HDI) of A, of B (their MCSE with a calibrated
    scenario's posterior ESS) and of the finite ratios B/A draw by draw, and the count of draws where
    B > A; over every draw, held or streamed (``analyze.reductions``)."""
    wanted = {}
    for name, (na, nb) in pairs.items():
        ua, ub = plan_a.unit(na), plan_b.unit(nb)
        unit = ua if ua == ub else f"{ua} / {ub}"

        def ratio(frame, na=na, nb=nb):
            return frame[1][1][nb] / frame[0][1][na]

        def greater(frame, na=na, nb=nb):
            a, b = frame[0][1][na], frame[1][1][nb]
            return (b > a) & ~np.isclose(b, a, rtol=TIE_RTOL, atol=0.0)

        wanted |= {
            f"a:{name}": Quantity.output(na, 0, unit=unit, ess=plan_a.mcse_ess(draws, PROBS, na)),
            f"b:{name}": Quantity.output(nb, 1, unit=unit, ess=plan_b.mcse_ess(draws, PROBS, nb)),
            f"r:{name}": Quantity(ratio, finite=True, unit="ratio"),
            f"g:{name}": Quantity.output(nb, 1, where=greater, order="count"),
        }
    return wanted


def _accelerator_counts(plan_a, plan_b) -> dict[str, tuple[str, str]]:
    """Counts on each side's chosen accelerator that only one side names neutrally: on the H100 (or with
    no accelerator) ``peak_fleet_h100`` is that count, on a B200 ``peak_fleet_gpu`` is (priors/hardware.py);
    they are compared as ``peak_fleet_gpu``. Only between two plans of one model (two models' names are
    paired with ``mapping``)."""
    out: dict[str, tuple[str, str]] = {}
    if plan_a.model.name != plan_b.model.name:
        return out
    for name in (*plan_a.model.outputs, *plan_b.model.outputs):
        if name in plan_a.model.outputs and name in plan_b.model.outputs:
            continue
        a, b = plan_a.resolve_output(name), plan_b.resolve_output(name)
        if a is not None and b is not None:
            out[name] = (a, b)
    return out


def _dimension(unit: str) -> str:
    """A unit with every accelerator name replaced by one token: ``"H100-months"`` and ``"B200-months"``
    and ``"GPU-months"`` count the same thing; ``"USD"`` and ``"FLOP"`` do not."""

    tokens = sorted({*hw.names(), "H100", "GPU", "TPU-chip"}, key=len, reverse=True)
    return re.sub("|".join(map(re.escape, tokens)), "ACCELERATOR", unit)

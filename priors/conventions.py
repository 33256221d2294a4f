"""A scenario's ``flop_convention``: take the model inputs' published figures as written
(``"as_published"``, the default) or convert each to the counting convention its equation expects
(``"corrected"``: a multiply-accumulate count x 2, a sparse peak / 2, ...; ``models/_convention.py``).

Converting scales the input's prior (a constant's value, a distribution by ``Scaled``) or, for an input
the scenario leaves at the model's default, the default; each converted prior's source says so."""

from __future__ import annotations

from dataclasses import replace
from typing import Any, Mapping

from flopcast.models._convention import Mismatch, mismatches
from flopcast.priors.errors import InputError
from flopcast.priors.families import Constant
from flopcast.priors.families.scaled import Scaled
from flopcast.priors.prior import Prior

FLOP_CONVENTIONS = ("as_published", "corrected")


def check_flop_convention(value: Any, where: str) -> str:
    if value not in FLOP_CONVENTIONS:
        raise InputError(
            where,
            f"must be one of {', '.join(repr(v) for v in FLOP_CONVENTIONS)}, got {value!r}: "
            "'corrected' converts MAC counts and sparse peaks to the FLOPs and dense peaks the "
            "model's equations expect",
        )
    return value


def note(m: Mismatch) -> str:
    return f"x{m.factor:g} ({'; '.join(s.why for s in m.steps)}): flop_convention = corrected"


def convert(scenario, inputs: Mapping[str, Any]):
    """``(scenario, mismatches)``: the scenario with every mismatched input converted when its
    ``flop_convention`` is ``"corrected"`` (else unchanged), and the mismatches it converted."""
    if scenario.flop_convention != "corrected":
        return scenario, []

    priors = dict(scenario.priors)
    done = []
    for m in mismatches(inputs):
        prior = priors.get(m.input)
        if prior is None:
            default = inputs[m.input].default
            if default is None:  # no prior and no default: binding reports the missing input
                continue
            value = float(default) * m.factor
            priors[m.input] = Prior(
                m.input, Constant(value), value, source=f"model default {default:g} {m.unit}, {note(m)}"
            )
        elif prior.is_constant:
            value = prior.point * m.factor
            priors[m.input] = replace(prior, dist=Constant(value), point=value, source=f"{prior.source} [{note(m)}]")
        else:
            priors[m.input] = replace(
                prior,
                dist=Scaled(prior.dist, m.factor),
                point=prior.point * m.factor,
                source=f"{prior.source} [{note(m)}]",
            )
        done.append(m)
    return replace(scenario, priors=priors), done

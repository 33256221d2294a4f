"""Bind a scenario's priors to its model's inputs (the model comes from ``flopcast.registry``).

The engine knows no model by name: ``scenario.model = "sora"`` imports ``models.sora``; a scenario's
own ``[outputs]``, a notebook function and a Python file are models too.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, Mapping

from flopcast.priors import hardware as hw
from flopcast.priors.conventions import convert
from flopcast.priors.domains import fit_domain, prior_problem, value_problem
from flopcast.priors.errors import InputError
from flopcast.priors.families import Distribution
from flopcast.priors.scenario import Correlation, Scenario
from flopcast.priors.vocabulary import describe
from flopcast.registry import Model, available_models, load_model, model_for

__all__ = ["Model", "Plan", "available_models", "bind", "load_model"]


@dataclass(frozen=True)
class Plan:
    """A scenario bound to its model: which inputs are sampled, which are fixed, and their metadata."""

    scenario: Scenario
    model: Model
    dists: Mapping[str, Distribution]  # uncertain inputs, in scenario order
    constants: Mapping[str, float]  # constant priors and model defaults
    points: Mapping[str, float]  # every input's point value
    correlations: tuple[Correlation, ...] = field(default=())
    joint: tuple[str, ...] = ()  # posterior inputs, drawn together by one draw index
    joint_draws: Any = None  # (n, len(joint)) array
    published: Scenario | None = None  # the scenario before its flop_convention converted any input
    converted: tuple = ()  # the convention mismatches converted (models/_convention.Mismatch)

    @property
    def independent(self) -> bool:
        """Whether the uncertain inputs are sampled independently (Sobol indices assume so)."""
        return not self.correlations and not self.joint

    @property
    def uncertain(self) -> list[str]:
        return list(self.dists)

    @property
    def input_names(self) -> list[str]:
        return list(self.model.inputs)

    def check_output(self, name: str, where: str | None = None) -> None:
        """An InputError unless ``name`` is an output of this plan; an old H100-equivalent twin's name
        (``peak_fleet_h100_h100e``) is told its new one (priors/hardware.py)."""
        if name not in self.model.outputs:
            raise InputError(
                where or f"output {name}",
                hw.renamed_hint(name)
                or f"unknown output; the {self.model.name} model's outputs are: {', '.join(self.model.outputs)}",
            )

    def resolve_output(self, name: str) -> str | None:
        """The output ``name`` names on this plan, or None: itself, or, for an accelerator-neutral name
        (``peak_fleet_gpu``) on a plan that keeps the model's names (on the H100), the h100-named count
        it stands for (``peak_fleet_h100``, counted on the chosen accelerator, which is the H100)."""
        if name in self.model.outputs:
            return name
        for own, spec in self.model.outputs.items():
            if hw.neutral_name(own) == name and hw.restated_unit(spec.unit, "") is not None:
                return own
        return None

    def case_problem(self, output: str, accelerator: str | None) -> str | None:
        """Why a measurement of ``output`` made on ``accelerator`` (an evidence case's set.accelerator, whose
        peak then goes into the model) cannot be compared with this plan's ``output``; None when it can.
        A count on the chosen accelerator is then a count on the case's; an H100-equivalent twin is
        counted with the plan's own accelerator's factor, and on a plan that keeps the model's names an
        h100-named count would hold the case's accelerator, not H100s."""
        if accelerator is None or output not in self.model.outputs:
            return None
        own = self.model.own_name(output)
        counts = hw.restated_unit(self.unit(output), "") is not None
        twins = {t: n for t, n, _ in self.model.equivalents}
        if output in twins and accelerator != self.scenario.accelerator:
            return (
                f"{output} is in H100-equivalents at the {self.scenario.accelerator}'s peak, but this case ran on "
                f"{accelerator}: name {twins[output]}, its count on the case's accelerator"
            )
        if output not in twins and own == output and counts and hw.neutral_name(output) and accelerator != hw.REFERENCE:
            return (
                f"{output} counts H100s, but this case ran on {accelerator}: give the value in H100-equivalents "
                f"without set.accelerator, or choose an accelerator (--gpu) and name {hw.neutral_name(output)}"
            )
        return None

    def unit(self, name: str) -> str:
        spec = self.model.inputs.get(name) or self.model.outputs.get(name)
        return spec.unit if spec is not None else ""

    def mcse_ess(self, draws: int, probs, output: str | None = None) -> dict[float, float] | None:
        """Effective sample size behind the MCSE of each quantile in ``probs`` of ``output`` for a run
        of ``draws``, or None when its draws are independent (then the draw count is the ESS).

        A calibrated scenario resamples its posterior's draws (``joint``), which hold only the
        posterior's effective sample size E of independent information (ArviZ's quantile ESS), however
        many run draws pick from them. An output that rises with a posterior input has its p quantile
        where that input's is; one that falls, at the input's 1 - p (the direction is read from the
        model at the point values; an input the output does not move is skipped; with no output
        given, both). E is the smallest over the inputs. The run's quantile carries two independent
        errors, the posterior's (variance ~ 1/E) and the resampling's (~ 1/draws): ESS = 1 / (1/E + 1/draws).
        """
        post = self.scenario.posterior
        if not self.joint or post is None:
            return None
        signs = self._joint_directions(output)
        if not signs:
            return None
        out = {}
        for p in probs:
            e = min(
                post.ess(n, q)
                for n, sign in signs.items()
                for q in ({p} if sign > 0 else {1.0 - p} if sign < 0 else {p, 1.0 - p})
            )
            out[p] = 1.0 / (1.0 / e + 1.0 / draws)
        return out

    def _joint_directions(self, output: str | None) -> dict[str, float]:
        """+1 / -1 for each posterior input that raises / lowers ``output`` when nudged up 1% from the
        point values; 0 when unknown (no output, not finite); inputs that do not move it are left out."""
        import numpy as np

        if output is None:
            return {n: 0.0 for n in self.joint}
        x = {n: np.float64(v) for n, v in self.points.items()}
        with np.errstate(all="ignore"):
            base = float(self.model.evaluate(x)[output])
            signs = {}
            for n in self.joint:
                step = 0.01 * abs(x[n]) or 1e-6
                moved = float(self.model.evaluate({**x, n: x[n] + step})[output])
                delta = moved - base
                if not (np.isfinite(delta) and np.isfinite(base)):
                    signs[n] = 0.0
                elif delta != 0:
                    signs[n] = float(np.sign(delta))
        return signs

    def posterior_note(self, draws: int, probs=(0.05, 0.5, 0.95)) -> str | None:
        """A warning when ``draws`` exceed ten times what the posterior supports: more draws
        resample the same posterior draws and leave the MCSE where the posterior's ESS puts it."""
        post = self.scenario.posterior
        if not self.joint or post is None:
            return None
        e = min(post.ess(n, p) for n in self.joint for p in probs)
        if draws <= 10 * e:
            return None
        return (
            f"{draws:,} draws resample {post.draws.shape[0]:,} posterior draws whose effective sample size "
            f"is about {e:,.0f}; beyond ~{10 * e:,.0f} draws the MCSE no longer falls (it is set by the "
            "posterior): draw more posterior samples (flopcast calibrate --draws/--chains) to narrow it"
        )

    def prior_source(self, name: str) -> str:
        prior = self.scenario.priors.get(name)
        if prior is not None:
            return prior.source
        return f"model default: {self.model.inputs[name].source}"


def bind(scenario: Scenario, sets: tuple[str, ...] | list[str] = ()) -> Plan:
    """Check the scenario against its model and split inputs into sampled and fixed.

    Every problem is collected (unknown or missing inputs, units, priors or points outside an input's
    domain, headlines naming unknown outputs or setting values outside a domain) and raised as one
    InputError listing all of them.
    """

    file = scenario.file
    model = model_for(scenario)
    sets = tuple(sets)
    scenario, model, sets = with_accelerator(scenario, model, sets)
    if sets:
        scenario = scenario.with_overrides(sets, model.inputs)

    problems: list[tuple[str, str]] = []
    scenario, problems = _fit_domains(scenario, model)
    published = scenario
    scenario, converted = convert(scenario, model.inputs)  # flop_convention = "corrected"
    for name, prior in scenario.priors.items():
        if name not in model.inputs:
            problems.append(
                (
                    f"priors.{name}",
                    f"the {model.name} model has no input {name!r}; its inputs are: {', '.join(model.inputs)}",
                )
            )
            continue
        unit = model.inputs[name].unit
        if prior.unit is not None and prior.unit != unit:
            problems.append((f"priors.{name}.unit", f"{prior.unit!r} does not match the model's unit {unit!r}"))
        problem = prior_problem(prior.dist, prior.point, model.inputs[name].domain)
        if problem is not None:
            problems.append(
                (f"priors.{name}", f"{prior.source}: {problem}" if prior.source.startswith("--set") else problem)
            )
    dists: dict[str, Distribution] = {}
    constants: dict[str, float] = {}
    points: dict[str, float] = {}
    for name, spec in model.inputs.items():
        given = scenario.priors.get(name)
        if given is None:
            if spec.default is None:
                problems.append(
                    (
                        f"priors.{name}",
                        f"missing: the {model.name} model needs {name} "
                        f"({spec.unit}, {spec.description}) and has no default",
                    )
                )
                continue
            constants[name] = float(spec.default)
            points[name] = float(spec.default)
        elif given.is_constant:
            constants[name] = given.point
            points[name] = given.point
        else:
            dists[name] = given.dist
            points[name] = given.point
    for i, headline in enumerate(scenario.headlines):
        if headline.output not in model.outputs:
            problems.append(
                (
                    "headlines",
                    hw.renamed_hint(headline.output)
                    or f"unknown output {headline.output!r}; the {model.name} model's "
                    f"outputs are: {', '.join(model.outputs)}",
                )
            )
        for name, value in headline.set.items():
            if name not in model.inputs:
                problems.append(("headlines.set", f"unknown input {name!r}"))
            elif (problem := value_problem(value, model.inputs[name].domain)) is not None:
                problems.append((f"headlines[{i}].set.{name}", problem))
    if problems:
        raise _all_problems(file, problems)
    # A correlation whose input a --set has fixed no longer applies (the file itself cannot
    # correlate a constant: the loader refuses that).
    correlations = tuple(c for c in scenario.correlations if all(n in dists for n in c.inputs))
    joint: tuple[str, ...] = ()
    joint_draws = None
    post = scenario.posterior
    if post is not None:
        keep = [j for j, n in enumerate(post.inputs) if n in dists and n in model.inputs]
        joint = tuple(post.inputs[j] for j in keep)
        joint_draws = post.draws[:, keep] if keep else None
        # posterior draws carry their own dependence; a copula cannot act on them
        correlations = tuple(c for c in correlations if not any(n in joint for n in c.inputs))
        scale = {m.input: m.factor for m in converted}
        if joint_draws is not None and any(n in scale for n in joint):
            joint_draws = joint_draws * [scale.get(n, 1.0) for n in joint]
    return Plan(
        scenario, model, dists, constants, points, correlations, joint, joint_draws, published, tuple(converted)
    )


HARDWARE_SETS = ("accelerator", "precision")  # ``--gpu NAME`` arrives as the override ``accelerator=NAME``


def with_accelerator(
    scenario: Scenario, model: Model, sets: tuple[str, ...]
) -> tuple[Scenario, Model, tuple[str, ...]]:
    """Apply the accelerator the scenario names or an ``accelerator=NAME`` override chooses (the last
    wins; ``precision=bf16|fp8`` likewise) to the scenario's hardware inputs and the model's outputs
    counted in accelerators (priors/hardware.py: restated on the chosen one with H100-equivalent twins; an
    h100-named output keeps its name for the twin and its count takes the neutral name, ``Model.renamed``);
    the other overrides are returned to be applied as usual."""

    pairs = [(s, *(part.strip() for part in s.split("=", 1))) for s in sets if isinstance(s, str) and "=" in s]
    chosen = {k: v for _, k, v in pairs if k in HARDWARE_SETS}
    rest = tuple(s for s in sets if override_key(s) not in HARDWARE_SETS)
    precision = hw.check_precision(chosen.get("precision", scenario.precision), "set precision")
    name = chosen.get("accelerator", scenario.accelerator)
    if name is None:
        if "precision" in chosen:
            raise InputError(
                "set precision",
                "chooses the peak of an accelerator: add --gpu NAME (H100-SXM for the H100 the scenario is written in)",
            )
        return scenario, model, rest
    acc = hw.find(name, "gpu" if "accelerator" in chosen else f"{scenario.file}: scenario.accelerator")
    if not any(getattr(q, "hardware", None) for q in model.inputs.values()):
        raise InputError(
            f"gpu {name}",
            f"the {model.name} model takes no accelerator figures (no input declares hardware=); run it without --gpu",
        )
    given = {override_key(s) for s in rest}
    scenario = replace(
        scenario,
        headlines=tuple(  # a plan bound before: its published figures back in H100s
            replace(h, output=h.output.removesuffix(hw.EQUIVALENT_SUFFIX)) for h in scenario.headlines
        ),
    )
    priors = hw.hardware_priors(scenario.priors, model.inputs, acc, precision, given, f"--gpu {acc.name}")
    applied = tuple(f"{k}={v}" for k, v in chosen.items())
    scenario = replace(
        scenario, priors=priors, accelerator=acc.name, precision=precision, overrides=scenario.overrides + applied
    )
    if acc.name == hw.REFERENCE:  # H100 units stay; a generic model's GPU units name the chosen H100
        outputs = {n: replace(spec, unit=hw.on_reference(spec.unit)) for n, spec in model.outputs.items()}
        return scenario, replace(model, outputs=outputs), rest
    restated = hw.equivalents(model.outputs, acc, precision)
    outputs = restated.outputs
    # Published H100 figures sit in the H100-equivalent band: an h100-named output is that band already;
    # another output's is its NAME_h100e twin.
    headlines = tuple(
        replace(h, output=h.output + hw.EQUIVALENT_SUFFIX) if h.output + hw.EQUIVALENT_SUFFIX in outputs else h
        for h in scenario.headlines
    )
    neutral = {own: new for new, own in restated.renamed}
    key = tuple(
        k
        for name in model.key_outputs
        for k in ((neutral[name], name) if name in neutral else (name, name + hw.EQUIVALENT_SUFFIX))
        if k in outputs
    )
    return (
        replace(scenario, headlines=headlines),
        replace(model, outputs=outputs, equivalents=restated.twins, key_outputs=key, renamed=restated.renamed),
        rest,
    )


def _fit_domains(scenario: Scenario, model: Model) -> tuple[Scenario, list[tuple[str, str]]]:
    """Priors that take their bounds from the input they feed (a metalog written without bounds)."""

    fitted, problems = {}, []
    for name, prior in scenario.priors.items():
        if name not in model.inputs:
            continue
        try:
            dist = fit_domain(prior.dist, model.inputs[name].domain)
        except ValueError as exc:
            problems.append((f"priors.{name}", f"{model.inputs[name].domain.label}: {exc}"))
            continue
        if dist is not prior.dist:
            point = dist.median if prior.point == prior.dist.median else prior.point
            fitted[name] = replace(prior, dist=dist, point=point)
    return (replace(scenario, priors={**scenario.priors, **fitted}) if fitted else scenario), problems


def override_key(item) -> str:
    """The input an override names: ``"NAME=VALUE"`` or ``(name, value)``."""
    return item.split("=", 1)[0].strip() if isinstance(item, str) else str(item[0])


def check_repeats(sets, twice_ok=()) -> None:
    """One --set (or --gpu) per input: a second would silently replace the first. ``compare`` takes
    two --gpu (A's and B's), which must differ."""

    seen: dict[str, list[str]] = {}
    for item in sets:
        value = item.split("=", 1)[-1].strip() if isinstance(item, str) else describe(item[1])
        seen.setdefault(override_key(item), []).append(value)
    for name, values in seen.items():
        flag = "gpu" if name == "accelerator" else f"set {name}"
        if len(values) > (2 if name in twice_ok else 1):
            raise InputError(flag, f"given {len(values)} times ({', '.join(values)}); give it once")
        if name in twice_ok and len(values) == 2 and values[0].casefold() == values[1].casefold():
            raise InputError(flag, f"both sides are {values[0]}: give two different accelerators")


def override_items(sets) -> tuple:
    """Overrides as ``bind`` takes them: ``--set`` strings from the CLI stay strings; a notebook's
    mapping ``{name: value}`` becomes ``(name, value)`` pairs, whose values are any form of the prior
    vocabulary (``priors/vocabulary.py``); ``{"accelerator": "B200"}`` becomes ``"accelerator=B200"``."""
    if sets is None:
        return ()
    if isinstance(sets, str):
        return (sets,)
    if isinstance(sets, Mapping):
        out: list = []
        for name, value in sets.items():
            if not isinstance(name, str):
                raise InputError("set", f"keys are input names, got {name!r}")
            if name in HARDWARE_SETS and isinstance(value, str):  # {"accelerator": "B200"}
                out.append(f"{name}={value}")
            else:
                out.append((name, value))
        return tuple(out)
    items = tuple(sets)
    for item in items:
        if not (isinstance(item, str) or (isinstance(item, tuple) and len(item) == 2 and isinstance(item[0], str))):
            raise InputError("set", f"must be a dict {{name: value}} or NAME=VALUE strings, got {item!r}")
    return items


def _all_problems(file: str, problems: list[tuple[str, str]]) -> InputError:
    """One error for every problem: ``file: field: reason`` for one, a numbered list on one line for more."""
    if len(problems) == 1:
        ((field_, reason),) = problems
        error = InputError(f"{file}: {field_}", reason)
    else:
        listed = "; ".join(f"({i}) {field_}: {reason}" for i, (field_, reason) in enumerate(problems, 1))
        error = InputError(file, f"{len(problems)} problems: {listed}")
    error.problems = [(f"{file}: {field_}", reason) for field_, reason in problems]
    return error

"""Writing scenarios: ``flopcast models`` (every model's inputs and outputs with units, domains and
descriptions) and ``flopcast new NAME --model MODEL`` (a scenario template listing every input).

The template lists the inputs without a default as commented ``REQUIRED`` blocks: uncomment each,
replace LOW/MODE/HIGH/VALUE with numbers in the input's unit and cite a source. Until then loading
it names every missing input in one error. Inputs with a model default are listed commented as
optional overrides.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from flopcast.cli.options import add
from flopcast.cli.skeleton import emit_json
from flopcast.fmt import num, safe, table
from flopcast.outdir import create_file
from flopcast.plan import available_models, load_model
from flopcast.priors.errors import InputError
from flopcast.report.text import clip, wrap

NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,79}")

# the prior a template proposes for each domain (the family must respect the domain)
_TEMPLATE = {
    "fraction": ('"beta"', ["ci90 = [LOW, HIGH]   # 90% interval, inside (0, 1)"]),
    "open_fraction": ('"beta"', ["ci90 = [LOW, HIGH]   # 90% interval, inside (0, 1]"]),
    "positive": ('"lognormal"', ["ci90 = [LOW, HIGH]   # 90% interval, both > 0"]),
    "nonnegative": ('"lognormal"', ["ci90 = [LOW, HIGH]   # 90% interval, both > 0"]),
    "count": ('"pert"', ["low = LOW             # >= 1", "mode = MODE", "high = HIGH"]),
    "integer": ('"constant"', ["value = VALUE         # a whole number >= 1"]),
    "switch": ('"constant"', ["value = VALUE         # 0 or 1"]),
    "real": ('"normal"', ["ci90 = [LOW, HIGH]   # 90% interval"]),
}


def register(sub) -> None:

    m = sub.add_parser("models", help="every model's inputs and outputs: units, domains, descriptions")
    m.add_argument("model", nargs="?", default=None, help="one model (default: all)")
    add(m, "json")
    m.set_defaults(handler=cmd_models, skeleton=False)
    n = sub.add_parser("new", help="write a scenario template for a model, every input listed and commented")
    n.add_argument("name", help="scenario name (letters, digits, . _ -; also the file name)")
    n.add_argument(
        "--model",
        help="a bundled model to write every input of (see 'flopcast models'; chain with +); "
        "without it: a short scenario with its own equations, runnable as written",
    )
    n.add_argument("--out", default=None, metavar="FILE.toml", help="where to write (default: ./NAME.toml)")
    n.set_defaults(handler=cmd_new, skeleton=False)


def _domain(spec) -> str:
    return spec.domain.name if spec.domain is not None else "positive"


def model_json(model) -> dict:
    def q(spec) -> dict:
        d = {
            "unit": spec.unit,
            "description": spec.description,
            "domain": str(spec.domain) if spec.domain is not None else "",
        }
        if getattr(spec, "default", None) is not None:
            d["default"] = spec.default
        return d

    return {
        "model": model.name,
        "key_outputs": list(model.key_outputs),
        "inputs": {n: q(s) for n, s in model.inputs.items()},
        "outputs": {n: q(s) for n, s in model.outputs.items()},
    }


def cmd_models(args) -> int:

    names = [args.model] if args.model else available_models()
    models = [load_model(n, "models") for n in names]
    if args.json:
        emit_json({"models": [model_json(m) for m in models]})
        return 0
    for i, m in enumerate(models):
        if i:
            print()
        print("\n".join(wrap(f"{m.name}: key outputs {', '.join(m.key_outputs)}", "")))
        for kind, specs in (("inputs", m.inputs), ("outputs", m.outputs)):
            rows = [
                [
                    n,
                    s.unit,
                    s.domain.interval if s.domain is not None else "",
                    num(s.default) if getattr(s, "default", None) is not None else "",
                    s.description,
                ]
                for n, s in specs.items()
            ]
            text = table([kind, "unit", "domain", "default" if kind == "inputs" else "", "description"], rows, "lllrl")
            print("\n".join(clip(line) for line in text.splitlines()))
    return 0


def template(name: str, model) -> str:
    lines = [
        f"# Scenario {name} for the {model.name} model, written by `flopcast new`.",
        "# Fill in every REQUIRED block (uncomment it, replace LOW/MODE/HIGH/VALUE with numbers in the",
        "# input's unit, cite the source), then check it with `flopcast run FILE --point` and `flopcast show FILE`.",
        "# Distributions: lognormal, normal, beta, pert, triangular, uniform, loguniform, constant (value = V).",
        "# `point` is the source's own value (what --point evaluates); give each prior one.",
        "",
        "[scenario]",
        f'name = "{name}"',
        f'model = "{model.name}"',
        'description = "what this scenario estimates, and from which source"',
        'source = "author, title, date, where published, section"',
        "",
    ]
    for n, spec in model.inputs.items():
        default = getattr(spec, "default", None)
        dist, params = _TEMPLATE.get(_domain(spec), _TEMPLATE["positive"])
        head = (
            f"# REQUIRED: {n} [{spec.unit}]: {spec.description}; {spec.domain}"
            if default is None
            else f"# optional (model default {default:g} {spec.unit}): {n}: {spec.description}"
        )
        block = [
            f"[priors.{n}]",
            f"dist = {dist}",
            *params,
            "point = VALUE" if dist != '"constant"' else None,
            f'unit = "{spec.unit}"',
            'source = "author, title, date, where published, section"',
        ]
        lines += [head.replace("\n", " "), *(f"# {b}" for b in block if b is not None), ""]
    lines += [
        "# Figures the source published (checked by `flopcast audit`, shown in every run report):",
        f'# [[headlines]]\n# output = "{model.key_outputs[0]}"\n# value = VALUE\n# label = "what the figure is"',
        '# quote = "the sentence it comes from"\n# source = "author, title, date, section"',
        "",
    ]
    return "\n".join(lines)


EQUATIONS_TEMPLATE = """\
# {name}: your own estimate; run it with: flopcast run {file}
# Priors: ci90 is each guess's 90% interval. Outputs: formulas of the inputs and of outputs above them
# (+ - * / ** ( ), comparisons, log exp sqrt min max ceil floor where clip abs).
[scenario]
name = "{name}"
description = "what this estimates, and from which source"

[priors]
a = {{ dist = "lognormal", ci90 = [1, 10], unit = "units of a" }}
b = {{ dist = "beta", ci90 = [0.2, 0.6], unit = "fraction" }}
c = {{ dist = "lognormal", ci90 = [100, 1000], unit = "units of c" }}

[outputs]
y = {{ formula = "a * b * c", unit = "units of y" }}
"""


def cmd_new(args) -> int:

    if not NAME.fullmatch(args.name) or ".." in args.name:
        raise InputError(
            "new",
            f"{args.name!r} is not a scenario name: 1-80 letters, digits, '.', '_' or '-', "
            "starting with a letter or digit (no '/' or '..')",
        )
    model = load_model(args.model, "--model") if args.model is not None else None
    out = Path(args.out) if args.out else Path(f"{args.name}.toml")
    if out.suffix != ".toml":
        raise InputError("--out", f"{safe(out)} must end in .toml")

    text = template(args.name, model) if model is not None else EQUATIONS_TEMPLATE.format(name=args.name, file=out)
    create_file(out, text)  # whole or not at all, never over a file
    if model is None:
        print(
            f"wrote {safe(out)}: three priors and one formula, runnable as written (flopcast run {safe(out)})",
            file=sys.stdout,
        )
        return 0
    required = sum(getattr(s, "default", None) is None for s in model.inputs.values())
    print(
        f"wrote {safe(out)}: {len(model.inputs)} inputs of {model.name}, {required} REQUIRED blocks to fill in",
        file=sys.stdout,
    )
    return 0

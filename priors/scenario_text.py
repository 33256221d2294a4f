"""The calibrated scenario's TOML text: the original scenario file, renamed, with a ``[posterior]``
table that points at the joint posterior draws (``flopcast calibrate`` writes both side by side).

The original text is kept line for line (comments, sources, rationales) and edited, not re-serialised:
the [scenario] keys (``name``; ``accelerator`` and ``precision`` with ``--gpu``) are set through tomlkit,
which round-trips everything else as written, and replaced tables are commented out whole; every edit
is verified by parsing the result back. ``scenario_from_text`` reads such a text as if it
were a file in a folder (the ``[posterior]`` file resolves beside it).
"""

from __future__ import annotations

import math
import re
import tomllib
from dataclasses import replace
from pathlib import Path
from typing import Iterable, Mapping, Sequence

from flopcast.priors.evidence import Evidence
from flopcast.priors.hardware import SOURCE_PREFIX
from flopcast.priors.posterior import Posterior
from flopcast.priors.scenario import Correlation, Scenario, parse_prior, parse_scenario, posterior_priors
from flopcast.priors.toml_io import loads_toml

_HEADER = re.compile(r"^\s*(\[\[?)\s*([^\]]+?)\s*(\]\]?)\s*(#.*)?$")


def _tables(lines: list[str]) -> list[tuple[int, str, bool]]:
    """(line index, table name, is array) of every table header outside multi-line strings."""
    out, in_string = [], None
    for i, line in enumerate(lines):
        if in_string is None:
            m = _HEADER.match(line)
            if m and m.group(1) in ("[", "[[") and len(m.group(1)) == len(m.group(3)):
                out.append((i, m.group(2).strip(), m.group(1) == "[["))
        code = line.split("#", 1)[0] if in_string is None else line
        for quote in ('"""', "'''"):
            if in_string in (None, quote) and code.count(quote) % 2 == 1:
                in_string = None if in_string == quote else quote
    return out


def _comment_out(lines: list[str], start: int, tables: list[tuple[int, str, bool]], why: str) -> None:
    following = [i for i, _, _ in tables if i > start]
    end = following[0] if following else len(lines)
    lines[start] = f"# ({why}) " + lines[start]
    for k in range(start + 1, end):
        if lines[k].strip() and not lines[k].lstrip().startswith("#"):
            lines[k] = "# " + lines[k]


def _toml_value(v: float) -> str:
    return repr(float(v)) if math.isfinite(v) else "nan"


def _toml_string(s: str) -> str:
    """A TOML basic string with every control character escaped (written by the TOML library)."""
    import tomlkit

    return tomlkit.string(str(s)).as_string()


def posterior_scenario_text(
    scenario: Scenario,
    informed: Sequence[str],
    nc_name: str,
    note: str,
    *,
    kept: Iterable[Correlation],
    units: Mapping[str, str] | None = None,
    evidence: Evidence | None = None,
    seed: int | None = None,
    created: str = "",
    version: str = "",
) -> str:
    """The original scenario file with a ``[posterior]`` table appended, renamed ``<name>-calibrated``.

    ``kept`` are the correlations the bound scenario keeps (a ``--set`` that fixes an input drops the
    correlations it is part of); ``units`` the unit of each ``--set`` input (written into its table);
    ``version`` the flopcast version for the header comment.

    Edits, all verified by re-parsing: ``--set`` overrides replace the tables they override (the old
    ones are commented out); correlations between informed inputs are commented out because the joint
    posterior draws carry them (and correlations a ``--set`` removed)."""
    sc = scenario
    kept = tuple(kept)
    units = dict(units or {})
    lines = sc.path.read_text(encoding="utf-8").splitlines()
    tables = _tables(lines)
    name = f"{sc.name}-calibrated"
    # overrides and correlations: whole tables commented out, found by their headers outside strings
    hardware_keys = ("accelerator", "precision")  # --gpu: written into [scenario], its priors re-derived on load
    overridden = [n for n in dict.fromkeys(t.split("=", 1)[0].strip() for t in sc.overrides) if n not in hardware_keys]
    corr_index = 0
    kept_pairs = {tuple(c.inputs) for c in kept}
    for i, table, is_array in reversed(tables):  # reversed: commenting does not move line numbers
        if not is_array and table.startswith("priors.") and table[len("priors.") :].strip('"') in overridden:
            _comment_out(lines, i, tables, "replaced by a --set override below")
    corr_lines = [i for i, t, arr in tables if arr and t == "correlations"]
    for i, corr in zip(corr_lines, sc.correlations):
        corr_index += 1
        pair = tuple(corr.inputs)
        if pair not in kept_pairs:
            _comment_out(lines, i, tables, "dropped: a --set override fixed one of its inputs")
        elif pair[0] in informed or pair[1] in informed:
            _comment_out(lines, i, tables, "carried by the joint posterior draws")
    stamp = [
        f"# Calibrated by flopcast calibrate {version} ({created or 'now'}, seed {seed}) from {_one_line(sc.file)}"
    ]
    if evidence is not None:
        stamp.append(
            f"# on {_one_line(evidence.file)}: {len(evidence)} observation(s). The [posterior] table at the end replaces"
        )
    else:
        stamp.append("# The [posterior] table at the end replaces")
    stamp.append(f"# the priors of {', '.join(informed)} by joint posterior draws ({nc_name}, beside this file);")
    stamp.append("# every other input keeps its prior. Run it: flopcast run path/to/this.toml")
    out = _set_scenario_keys("\n".join(stamp + [""] + lines), sc, name).split("\n")
    for n in overridden:
        prior = sc.priors[n]
        unit = units.get(n, "")
        out += ["", f"[priors.{n}]  # --set {n} (flopcast calibrate)"]
        if prior.is_constant:
            out += ['dist = "constant"', f"value = {_toml_value(prior.point)}"]
        else:
            out += _dist_lines(prior.dist)
        if unit:
            out.append(f"unit = {_toml_string(unit)}")
        out.append(f"source = {_toml_string(prior.source)}")
    out += [
        "",
        "[posterior]",
        f"file = {_toml_string(nc_name)}",
        "inputs = [" + ", ".join(_toml_string(n) for n in informed) + "]",
        f"note = {_toml_string(note)}",
        "",
    ]
    text = "\n".join(out)
    _verify_text(text, sc, kept, informed, name)
    return text


def _set_scenario_keys(text: str, sc: Scenario, name: str) -> str:
    """The [scenario] table's ``name`` (and, with ``--gpu``, ``accelerator`` and ``precision``) set by a
    TOML library that keeps everything else as written (tomlkit: comments, order, multi-line strings;
    a ``name = ...`` line inside a description is text, not the key)."""
    import tomlkit

    doc = tomlkit.parse(text)
    head = doc["scenario"]
    head["name"] = name
    head["name"].comment(f"calibrated from {_one_line(sc.name)}")
    if sc.accelerator is not None:
        head["accelerator"] = sc.accelerator
        head["accelerator"].comment("--gpu (flopcast calibrate)")
        head["precision"] = sc.precision
    return tomlkit.dumps(doc)


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def _dist_lines(d) -> list[str]:
    """TOML lines that rebuild a --set prior (a range gives a lognormal, beta, loguniform or normal;
    quantiles a metalog)."""
    if d.family == "metalog":
        pairs = ", ".join(f"[{_toml_value(p)}, {_toml_value(v)}]" for p, v in d.quantiles)
        bounds = [f"{k} = {_toml_value(v)}" for k, v in (("lower", d.lower), ("upper", d.upper)) if math.isfinite(v)]
        return ['dist = "metalog"', f"quantiles = [{pairs}]", *bounds]
    params = {"mean": d.mu, "sd": d.sigma} if d.family == "normal" else d.params()
    return [f"dist = {_toml_string(d.family)}", *(f"{k} = {_toml_value(v)}" for k, v in params.items())]


def _verify_text(
    text: str, scenario: Scenario, kept: Sequence[Correlation], informed: Sequence[str], name: str
) -> None:

    data = tomllib.loads(text)  # a bug here is ours, not the user's: let it raise
    if scenario.accelerator is not None and data["scenario"].get("accelerator") != scenario.accelerator:
        problems_head = ["accelerator"]
    else:
        problems_head = []
    problems = problems_head
    if data["scenario"]["name"] != name:
        problems.append("scenario name")
    if list(data["posterior"]["inputs"]) != list(informed):
        problems.append("posterior inputs")
    for n, prior in scenario.priors.items():
        if prior.source.startswith(SOURCE_PREFIX):  # from the accelerator: re-derived when the copy loads
            continue
        got = parse_prior(n, data["priors"][n], "check")
        if got.dist.is_constant != prior.is_constant or abs(got.point - prior.point) > 1e-9 * max(1, abs(prior.point)):
            problems.append(f"prior {n}")
    corrs = {tuple(c["inputs"]) for c in data.get("correlations", [])}
    want = {tuple(c.inputs) for c in kept if c.inputs[0] not in informed and c.inputs[1] not in informed}
    if corrs != want:
        problems.append("correlations")
    if problems:  # an internal error: the written scenario would not reproduce this one
        raise RuntimeError(f"calibrated scenario text differs from the original in: {', '.join(problems)}")


def scenario_from_text(
    text: str, folder: Path, file_name: str = "scenario.toml", posterior: Posterior | None = None
) -> Scenario:
    """Parse scenario TOML text as if it were the file ``<folder>/<file_name>``. ``file_name`` is the
    caller's (a checked plain file name), never the scenario's ``name``: a name is data and may hold
    ``/`` or ``..``. With ``posterior`` (draws in memory) the text's ``[posterior]`` table is replaced by
    it, so no file has to be written to read the calibrated scenario back."""

    if "/" in file_name or "\\" in file_name or file_name in ("", ".", ".."):
        raise ValueError(f"not a plain file name: {file_name!r}")
    data = loads_toml(text, "<scenario text>")
    path = Path(folder) / file_name
    if posterior is None:
        return parse_scenario(data, path)
    spec = data.get("posterior") if isinstance(data.get("posterior"), dict) else {}
    if list(spec.get("inputs", ())) != list(posterior.inputs):
        raise ValueError("the text's [posterior] inputs are not the draws'")
    posterior = replace(posterior, note=str(spec.get("note", "")), file=Path(folder) / str(spec.get("file", "")))
    sc = parse_scenario({k: v for k, v in data.items() if k != "posterior"}, path)
    return replace(sc, posterior=posterior, priors=posterior_priors(sc.priors, posterior))

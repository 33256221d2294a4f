"""Compact HTML for notebooks (``_repr_html_``): a caption and one table, never a dump of draws."""

from __future__ import annotations

import html

from flopcast.report.fmt import num


def _table(header: list[str], rows: list[list[str]]) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in r) + "</tr>" for r in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def run_html(result) -> str:
    sc = result.plan.scenario
    caption = (f"<b>{html.escape(sc.name)}</b> [{html.escape(result.plan.model.name)}]: {result.draws:,} draws, "
               f"seed {result.seed}, sampler {result.sampler}")
    rows = [[n, s.unit, num(s.median), num(s.p05), num(s.p95), f"{num(s.hdi90[0])} - {num(s.hdi90[1])}",
             f"{100 * s.max_relative_mcse:.2f}%"] for n, s in result.summary.items()]
    return f"<div>{caption}{_table(['output', 'unit', 'median', 'p05', 'p95', '90% HDI', 'max rel. MCSE'], rows)}</div>"

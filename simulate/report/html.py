"""Self-contained HTML: one page (its own CSS, figures embedded), tables and images."""

from __future__ import annotations

import base64
import html

_CSS = """body{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222}
table{border-collapse:collapse;margin:1em 0;font-size:0.9em}td,th{border:1px solid #ccc;padding:3px 8px}
td.r{text-align:right;font-variant-numeric:tabular-nums}th{background:#f3f3f3}img{max-width:100%}
.figs{display:grid;grid-template-columns:repeat(auto-fill,minmax(520px,1fr));gap:1em}code{background:#f5f5f5}\n.figs.small{grid-template-columns:repeat(auto-fill,minmax(340px,1fr))}figure{margin:0}svg{max-width:100%;height:auto}\n.summary{background:#f4f8fb;border-left:4px solid #0072B2;padding:0.2em 1em;font-size:1.05em}.summary li{margin:0.3em 0}\n.lead svg{max-width:900px}tr:target{background:#fff3c4}a{color:#0072B2}"""


def html_table(header, rows, align, ids=None) -> str:
    out = ["<table><tr>" + "".join(f"<th>{html.escape(h)}</th>" for h in header) + "</tr>"]
    for i, r in enumerate(rows):
        row_id = f" id='{html.escape(ids[i])}'" if ids else ""
        out.append(
            f"<tr{row_id}>"
            + "".join(f"<td class='{'r' if a == 'r' else 'l'}'>{html.escape(str(c))}</td>" for c, a in zip(r, align))
            + "</tr>"
        )
    return "".join(out) + "</table>"


def html_page(title: str, sections: list[str]) -> str:
    return (
        f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
        f"<style>{_CSS}</style></head><body>{''.join(sections)}</body></html>\n"
    )


def img_tag(png: bytes, alt: str) -> str:
    return f"<img alt='{html.escape(alt)}' src='data:image/png;base64,{base64.b64encode(png).decode()}'>"

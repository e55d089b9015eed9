"""Why offers sit above or below the line: one chart for all offers, a bar per offer
split into the part explained by who was enrolled (selection, "creaming") and the
extra effect (``decomposition.parquet``, :mod:`evaluation.decomposition`)."""

from __future__ import annotations

import math
from html import escape

from flows.report import plots
from flows.report.cells import ReportData, num

WORDS = {
    "da": {
        "title": "Hvorfor ligger tilbuddene over eller under linjen?",
        "intro": (
            "Deltagernes forskel fra hele målgruppen, delt i to: den del, der skyldes, hvem "
            "tilbuddet optog (udvælgelse: matchede kontroller minus målgruppen), og "
            "mer-effekten (deltagere minus matchede kontroller). Et tilbud kan se godt ud, "
            "fordi det optog dem, der var tættest på målet, uden at gøre en forskel."
        ),
        "x": "Forskel fra målgruppen, procentpoint (første år)",
        "selection": "Udvælgelse",
        "effect": "Mer-effekt",
        "raw": "Rå forskel",
        "none": "Ingen opdeling at vise endnu.",
    },
    "en": {
        "title": "Why do the offers sit above or below the line?",
        "intro": (
            "The participants' difference from the whole target group, in two parts: the "
            "part due to who the offer enrolled (selection: matched controls minus the "
            "target group) and the extra effect (participants minus matched controls). An "
            "offer can look good because it enrolled those closest to the goal without "
            "making a difference."
        ),
        "x": "Difference from the target group, percentage points (first year)",
        "selection": "Selection",
        "effect": "Extra effect",
        "raw": "Raw difference",
        "none": "No decomposition to show yet.",
    },
}


def decomposition(r: ReportData) -> str:
    w = WORDS[r.lang]
    d = r.tables.get("decomposition")
    rows = []
    if d is not None and len(d):
        for _, row in d.iterrows():
            sel, eff = num(row.get("selection")), num(row.get("extra_effect"))
            if sel is None or eff is None:
                continue
            label = str(r.names.get(str(row["offer_id"]), row["offer_id"]))
            outcome = str(row.get("outcome", ""))
            rows.append((f"{label} ({r.outcome_label(outcome)})", sel * 100, eff * 100))
    body = f"<p>{escape(w['none'])}</p>"
    if rows:
        body = split_bars(rows, w, fmt_x=lambda v: r.s.number(v, 0))
    return (
        f"<section id='decomposition'><h2>{escape(w['title'])}</h2>"
        f"<p>{escape(w['intro'])}</p>{body}</section>"
    )


def split_bars(rows: list[tuple[str, float, float]], w: dict[str, str], *, fmt_x) -> str:  # noqa: ANN001
    """A bar per row from 0: selection, then the extra effect stacked on it, and the raw
    difference (their sum) marked."""
    names = [n for n, _, _ in rows]
    row_h, left = 34, plots._label_width(names, minimum=140)
    bottom = plots.M["t"] + row_h * len(rows)
    ends = [0.0] + [v for _, s, e in rows for v in (s, s + e)]
    x = plots.Scale(*plots._range(ends), left, plots.W - plots.M["r"])
    body = [
        f'<line x1="{x(0):.1f}" x2="{x(0):.1f}" y1="{plots.M["t"]}" y2="{bottom}" '
        f'stroke="{plots.GREY}"/>'
    ]
    for i, (name, sel, eff) in enumerate(rows):
        y = plots.M["t"] + row_h * i
        body.append(
            f'<text x="{left - 8}" y="{y + row_h / 2 + 4:.1f}" text-anchor="end" '
            f'class="tick">{escape(name)}</text>'
        )
        body.append(_bar(x, 0.0, sel, y + 6, row_h - 12, plots.ORANGE, w["selection"]))
        body.append(_bar(x, sel, sel + eff, y + 6, row_h - 12, plots.BLUE, w["effect"]))
        body.append(
            f'<line x1="{x(sel + eff):.1f}" x2="{x(sel + eff):.1f}" y1="{y + 2}" '
            f'y2="{y + row_h - 2}" stroke="#000" stroke-width="2"><title>{escape(w["raw"])}'
            f": {escape(fmt_x(sel + eff))}</title></line>"
        )
    for v in plots._ticks(x.lo, x.hi):
        body.append(
            f'<text x="{x(v):.1f}" y="{bottom + 16}" text-anchor="middle" '
            f'class="tick">{escape(fmt_x(v))}</text>'
        )
    body.append(
        f'<text x="{(left + x.b) / 2:.1f}" y="{bottom + 34}" text-anchor="middle" '
        f'class="axis">{escape(w["x"])}</text>'
    )
    legend = [(w["selection"], plots.ORANGE), (w["effect"], plots.BLUE), (w["raw"], "#000")]
    body.append(plots._legend(legend, left, bottom + 44))
    return plots._svg(w["title"], body, height=bottom + plots.M["b"] + 20)


def _bar(x, a: float, b: float, y: float, h: float, colour: str, what: str) -> str:  # noqa: ANN001
    if not (math.isfinite(a) and math.isfinite(b)) or a == b:
        return ""
    lo, hi = sorted((x(a), x(b)))
    return (
        f'<rect x="{lo:.1f}" y="{y:.1f}" width="{hi - lo:.1f}" height="{h:.1f}" '
        f'fill="{colour}"><title>{escape(what)}</title></rect>'
    )

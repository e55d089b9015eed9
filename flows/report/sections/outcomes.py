"""Every outcome of every offer in one table: the headline effect (first year) on each
outcome the offer is evaluated on, named by its label (a register measure's ``label_da``
/ ``label_en`` from the config, ``effects.outcome_label``), the primary one marked."""

from __future__ import annotations

from html import escape

from flows.report.cells import ReportData, num

WORDS = {
    "da": {
        "title": "Effekt på hvert udfald (første år)",
        "col": ("Tilbud", "Udfald", "Mer-effekt", "95 %-interval", "Primært"),
        "yes": "ja",
    },
    "en": {
        "title": "Effect on each outcome (first year)",
        "col": ("Offer", "Outcome", "Extra effect", "95% interval", "Primary"),
        "yes": "yes",
    },
}


def outcomes(r: ReportData) -> str:
    w = WORDS[r.lang]
    eff = r.tables["effects"]
    if not len(eff):
        return ""
    head = eff[eff["event_time"].isna()]
    lines = []
    for _, row in head.iterrows():
        outcome = str(row["outcome"])
        money = outcome.startswith("public_cost")
        fmt = r.s.money if money else r.s.pp
        est, lo, hi = (num(row.get(c)) for c in ("estimate", "ci_low", "ci_high"))
        interval = "" if lo is None or hi is None else f"{fmt(lo)} – {fmt(hi)}"
        primary = bool(row.get("primary")) if row.get("primary") is not None else False
        cells = (
            str(r.names.get(str(row["offer_id"]), row["offer_id"])),
            r.outcome_label(outcome),
            fmt(est),
            interval,
            w["yes"] if primary else "",
        )
        key = f"effects.{escape(str(row['offer_id']))}.{escape(outcome)}"
        tds = "".join(
            f'<td data-cell="{key}">{escape(c)}</td>' if i == 2 else f"<td>{escape(c)}</td>"
            for i, c in enumerate(cells)
        )
        lines.append(f"<tr>{tds}</tr>")
    th = "".join(f"<th>{escape(h)}</th>" for h in w["col"])
    return (
        f"<section id='outcomes'><h2>{escape(w['title'])}</h2>"
        f"<table><thead><tr>{th}</tr></thead><tbody>{''.join(lines)}</tbody></table></section>"
    )

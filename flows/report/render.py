"""The evaluation report: one self-contained HTML page from a month's published tables.

Reads only the small-cell suppressed tables the run publishes (never person-level
data) and never recomputes a number that was blanked: a suppressed cell shows "–".
Every headline number carries ``data-key="<table>.<offer_id>.<column>"``, its raw
``data-value`` and ``data-format``, so a test (or an analyst) can tie the page to the
Parquet files.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from html import escape
from pathlib import Path
from typing import Any

import pandas as pd

from evaluation.texts import DASH, STYLES, TEXTS, Lang, NumberStyle, Texts, covariate_label
from flows.report import plots

HEADLINE_OUTCOME = "self_sufficient"
VALUE_SCENARIO = "central"
CONTROL_GROUPS = ("matched_controls", "controls")  # levels.group of the controls
LOVE_ROWS = 15
LIGHTS = {
    "on_track": "#2e7d32",
    "at_risk": "#f9a825",
    "off_track": "#c62828",
    "too_early": "#9e9e9e",
    "no_target": "#9e9e9e",
}


def load_tables(month_dir: Path) -> dict[str, pd.DataFrame]:
    """Every Parquet table of a published month folder, keyed by file stem."""
    return {p.stem: pd.read_parquet(p) for p in sorted(Path(month_dir).glob("*.parquet"))}


def render_report(
    tables: Mapping[str, pd.DataFrame],
    *,
    as_of: str,
    lang: Lang = "da",
    run_id: str | None = None,
    min_cell_size: int = 5,
    headline_window: tuple[int, int] = (0, 11),
    smd_threshold: float = 0.1,
) -> str:
    """The report as a complete HTML document (Danish by default, ``lang="en"``)."""
    if lang not in TEXTS:
        raise ValueError(f"lang must be one of {sorted(TEXTS)}, not {lang!r}")
    r = _Report(tables, TEXTS[lang], STYLES[lang], lang, min_cell_size, headline_window)
    body = [
        f"<header><h1>{escape(r.t.title)}</h1><p class='sub'>"
        f"{escape(r.t.subtitle.format(as_of=r.s.month(as_of), run_id=run_id or DASH))}"
        "</p></header>",
        r.key_findings(as_of),
        r.caveat(),
        r.overview(),
        r.forest(),
        r.portfolio(),
        r.on_track(),
        *[r.offer_section(o, smd_threshold) for o in r.offers],
        r.method_notes(),
        f"<footer>{escape(r.t.generated_by)}</footer>",
    ]
    return _page(r.t.title, lang, "\n".join(body))


def _page(title: str, lang: str, body: str) -> str:
    return f"""<!DOCTYPE html>
<html lang="{lang}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(title)}</title>
<style>{CSS}</style></head>
<body><main>
{body}
</main></body></html>
"""


CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;color:#222;
margin:0;background:#fafafa;line-height:1.45}
main{max-width:960px;margin:0 auto;padding:24px;background:#fff}
h1{font-size:1.8em;margin:0}h2{border-bottom:2px solid #1f5f99;padding-bottom:4px;margin-top:2em}
.sub{color:#555;margin-top:4px}
table{border-collapse:collapse;width:100%;font-size:.92em;margin:8px 0}
th,td{border-bottom:1px solid #ddd;padding:5px 6px;text-align:left;vertical-align:top}
td.num{text-align:right;white-space:nowrap}th.num{text-align:right}
thead th{font-weight:600;font-size:.9em}
.finding{margin:.6em 0}.caveat{background:#f4f6f8;border-left:4px solid #1f5f99;padding:8px 16px}
.light{display:inline-block;width:14px;height:14px;border-radius:50%;margin-right:6px;
vertical-align:-2px}
.chart{width:100%;height:auto;max-width:760px;display:block;margin:8px 0}
.chart .tick{font-size:11px;fill:#444}.chart .axis{font-size:12px;fill:#222}
.chart .quadrant{font-size:11px;fill:#999;font-style:italic}
figcaption{font-size:.88em;color:#555}
.facts li{margin:2px 0}.warn{color:#c62828}td.status{white-space:nowrap}
table.payers{max-width:560px}
footer{margin-top:2em;font-size:.85em;color:#666}
@media print{@page{size:A4;margin:15mm}body{background:#fff;font-size:10.5pt}
main{max-width:none;padding:0}figure,tr,.finding,.caveat,#forest,#portfolio{break-inside:avoid}
h2,h3{break-after:avoid}section.offer{break-before:page}.chart{max-width:100%}}
"""


def _num(x: Any) -> float | None:
    if x is None or x is pd.NA:
        return None
    try:
        v = float(x)
    except (TypeError, ValueError):
        return None
    return v if math.isfinite(v) else None


class _Report:
    def __init__(
        self,
        tables: Mapping[str, pd.DataFrame],
        t: Texts,
        s: NumberStyle,
        lang: Lang,
        k: int,
        window: tuple[int, int],
    ) -> None:
        self.tables = {name: tables.get(name, pd.DataFrame()) for name in _TABLES}
        self.t, self.s, self.lang, self.k, self.window = t, s, lang, k, window
        matching = self.tables["matching"]
        self.offers: list[str] = [str(o) for o in matching.get("offer_id", [])]
        self.names = dict(zip(self.offers, matching.get("name", self.offers), strict=True))
        eff = self.tables["effects"]
        head = (
            eff[(eff["outcome"] == HEADLINE_OUTCOME) & eff["event_time"].isna()]
            if len(eff)
            else eff
        )
        self.headline = {str(row["offer_id"]): row for _, row in head.iterrows()}

    # -- cells ---------------------------------------------------------------------------
    def row(self, table: str, offer: str) -> pd.Series | None:
        frame = self.tables[table]
        if table == "effects":
            return self.headline.get(offer)
        if not len(frame):
            return None
        hit = frame[frame["offer_id"] == offer]
        return hit.iloc[0] if len(hit) else None

    def value(self, table: str, offer: str, column: str) -> float | None:
        """One published cell. In the long ``value`` table ``column`` names the measure
        (all payers, central scenario) and the cell is its ``value``."""
        if table == "value":
            return self.measure(offer, column)
        row = self.row(table, offer)
        return None if row is None or column not in row.index else _num(row[column])

    def measure(
        self, offer: str, measure: str, *, payer: str = "all", column: str = "value"
    ) -> float | None:
        v = self.tables["value"]
        if not len(v):
            return None
        hit = v[
            (v["offer_id"] == offer)
            & (v["measure"] == measure)
            & (v["payer"] == payer)
            & (v["scenario"] == VALUE_SCENARIO)
        ]
        return _num(hit[column].iloc[0]) if len(hit) else None

    def fmt(self, v: float | None, how: str) -> str:
        if how == "pp":
            return self.s.pp(v)
        if how == "money":
            return self.s.money(v)
        return self.s.number(v)

    def cell(self, table: str, offer: str, column: str, how: str) -> str:
        """A headline number with its data-key/data-value for checking against Parquet."""
        v = self.value(table, offer, column)
        raw = "" if v is None else repr(v)
        text = self.fmt(v, how)
        if v is None and self.published_blank(table, offer, column):
            text = self.t.not_defined  # blank in a row that was not suppressed
        return (
            f'<span data-key="{table}.{escape(offer)}.{column}" data-value="{raw}" '
            f'data-format="{how}">{escape(text)}</span>'
        )

    def published_blank(self, table: str, offer: str, column: str) -> bool:
        """True when the cell's row exists and is not flagged ``suppressed``: the number is
        missing because it is undefined (e.g. a price when the effect is not positive),
        not hidden. Anything else missing shows "–"."""
        if table == "value":
            v = self.tables["value"]
            hit = (
                v[
                    (v["offer_id"] == offer)
                    & (v["measure"] == column)
                    & (v["payer"] == "all")
                    & (v["scenario"] == VALUE_SCENARIO)
                ]
                if len(v)
                else v
            )
            row = hit.iloc[0] if len(hit) else None
        else:
            row = self.row(table, offer)
        if row is None or "suppressed" not in row.index:
            return False
        flag = row["suppressed"]
        return not (pd.isna(flag) or bool(flag))

    def name(self, offer: str) -> str:
        return escape(str(self.names.get(offer, offer)))

    def verdict(self, offer: str) -> str:
        p, holm = (
            self.value("effects", offer, "p_value"),
            self.value("effects", offer, "p_value_holm"),
        )
        if p is None:
            return "none"
        if (holm if holm is not None else p) < 0.05:
            return "clear"
        return "borderline" if p < 0.05 else "unclear"

    def window_text(self) -> str:
        lo, hi = self.window
        if (lo, hi) == (0, 11):
            return self.t.window_first_year
        return self.t.window_months.format(lo=lo, hi=hi)

    def follow_up(self, offer: str) -> int | None:
        eff = self.tables["effects"]
        if not len(eff):
            return None
        rows = eff[(eff["offer_id"] == offer) & (eff["outcome"] == HEADLINE_OUTCOME)]
        rows = rows[rows["event_time"].notna() & (pd.to_numeric(rows["n_treated"]) > 0)]
        return int(rows["event_time"].max()) if len(rows) else None

    # -- sections ------------------------------------------------------------------------
    def key_findings(self, as_of: str) -> str:
        t, out = self.t, []
        for o in self.offers:
            est, lo, hi = (self.value("effects", o, c) for c in ("estimate", "ci_low", "ci_high"))
            if self.row("effects", o) is None or est is None or lo is None or hi is None:
                status, effect = self.row("matching", o), self.row("effects", o)
                source = effect if effect is not None else status
                if source is not None and _flag(source):  # hidden, not missing
                    out.append(t.suppressed_sentence.format(name=self.name(o), k=self.k))
                else:
                    reason = "" if status is None else str(status.get("status", ""))
                    out.append(
                        t.no_estimate_sentence.format(name=self.name(o), reason=escape(reason))
                    )
                continue
            outcome = t.outcome_adjectives[HEADLINE_OUTCOME]
            lo_c = self.cell("effects", o, "ci_low", "pp")
            hi_c = self.cell("effects", o, "ci_high", "pp")
            if lo > 0:
                rng = t.range_more.format(lo=lo_c, hi=hi_c, outcome=outcome)
            elif hi < 0:
                rng = t.range_less.format(lo=self.s.pp(-hi), hi=self.s.pp(-lo), outcome=outcome)
            else:
                rng = t.range_mixed.format(lo=self.s.pp(-lo), hi=hi_c, outcome=outcome)
            verdict = {
                "clear": t.verdict_clear,
                "borderline": t.verdict_borderline,
                "unclear": t.verdict_unclear,
            }[self.verdict(o)]
            text = t.headline_sentence.format(
                name=self.name(o), range=rng, window=self.window_text(), verdict=verdict
            )
            follow = self.follow_up(o)
            text += " " + t.basis_sentence.format(
                participants=self.cell("effects", o, "n_treated", "count"),
                period=t.period_until.format(as_of=self.s.month(as_of)),
                controls=self.cell("matching", o, "n_controls", "count"),
                follow_up=self.s.number(follow),
            )
            net = self.value("portfolio", o, "net_value_per_participant_dkk")
            if net is not None:
                text += " " + t.value_sentence.format(
                    horizon=self.s.number(self.value("portfolio", o, "horizon_months")),
                    net=self.cell("portfolio", o, "net_value_per_participant_dkk", "money"),
                    net_lo=self.s.money(self.value("portfolio", o, "net_value_ci_low")),
                    net_hi=self.s.money(self.value("portfolio", o, "net_value_ci_high")),
                    total=self.cell("value", o, "total_net_value", "money"),
                    cost=self.s.money(self.value("portfolio", o, "cost_per_participant_dkk")),
                )
            if self.value("portfolio", o, "price_per_extra_self_sufficient_dkk") is not None:
                text += " " + t.price_sentence.format(
                    price=self.cell("portfolio", o, "price_per_extra_self_sufficient_dkk", "money")
                )
            elif net is not None:
                text += " " + t.price_not_defined
            out.append(text.replace(".</span>.", ".</span>"))  # "552.000 kr.." -> "kr."
        items = "".join(f"<p class='finding'>{x}</p>" for x in out)
        return f"<section id='findings'><h2>{escape(t.key_findings)}</h2>{items}</section>"

    def caveat(self) -> str:
        items = "".join(f"<li>{escape(x)}</li>" for x in self.t.caveat_items)
        return (
            f"<section class='caveat'><h3>{escape(self.t.caveat_title)}</h3>"
            f"<ul>{items}</ul></section>"
        )

    def overview(self) -> str:
        t = self.t
        level = self.value("effects", self.offers[0], "level") if self.offers else None
        head = [
            t.col_offer,
            t.col_participants_compared,
            t.col_controls,
            t.col_effect.format(level=self.s.number((level or 0.95) * 100)),
            t.col_net_pp,
            t.col_net_total,
            t.col_price_job,
            t.col_clear,
        ]
        rows = []
        for o in self.offers:
            lo, hi = (
                self.cell("effects", o, "ci_low", "pp"),
                self.cell("effects", o, "ci_high", "pp"),
            )
            effect = (
                f"{self.cell('effects', o, 'estimate', 'pp')} ({t.interval.format(lo=lo, hi=hi)})"
            )
            clear = {
                "clear": t.clear_yes,
                "borderline": t.clear_borderline,
                "unclear": t.clear_no,
                "none": DASH,
            }[self.verdict(o)]
            cells = [
                self.name(o),
                self.cell("matching", o, "n_matched", "count"),
                self.cell("matching", o, "n_controls", "count"),
                effect,
                self.cell("portfolio", o, "net_value_per_participant_dkk", "money"),
                self.cell("value", o, "total_net_value", "money"),
                self.cell("portfolio", o, "price_per_extra_self_sufficient_dkk", "money"),
                escape(clear),
            ]
            rows.append(
                "<tr>"
                + "".join(
                    f"<td{'' if i in (0, 7) else ' class=num'}>{c}</td>"
                    for i, c in enumerate(cells)
                )
                + "</tr>"
            )
        ths = "".join(
            f"<th{'' if i in (0, 7) else ' class=num'}>{escape(h)}</th>" for i, h in enumerate(head)
        )
        return (
            f"<section id='overview'><h2>{escape(t.overview)}</h2>"
            f"<table><thead><tr>{ths}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
            f"<p class='sub'>{escape(t.suppressed_note.format(k=self.k))} "
            f"{escape(t.not_defined_note)}</p></section>"
        )

    def forest(self) -> str:
        names = [str(self.names.get(o, o)) for o in self.offers]
        get = [
            [self.value("effects", o, c) for o in self.offers]
            for c in ("estimate", "ci_low", "ci_high")
        ]
        pct = [[None if v is None else v * 100 for v in col] for col in get]
        svg = plots.forest(
            names,
            *pct,
            title=self.t.forest_title,
            x_label=self.t.forest_axis,
            fmt_x=lambda v: self.s.number(v, 0),
        )
        return f"<section id='forest'><h2>{escape(self.t.forest_title)}</h2>{svg}</section>"

    def portfolio(self) -> str:
        t, shown, missing = self.t, [], []
        for o in self.offers:
            cost = self.value("portfolio", o, "cost_per_participant_dkk")
            eff = self.value("portfolio", o, "effect")
            if cost is None or eff is None:
                missing.append(str(self.names.get(o, o)))
            else:
                stars = self.value("portfolio", o, "evidence_stars")
                n = self.value("portfolio", o, "participants")
                shown.append((str(self.names.get(o, o)), cost, eff * 100, n, int(stars or 0)))
        svg = ""
        if shown:
            names, cost, eff, n, stars = (list(x) for x in zip(*shown, strict=True))
            svg = plots.portfolio(
                names,
                cost,
                eff,
                n,
                stars,
                title=t.portfolio_title,
                x_label=t.portfolio_x,
                y_label=t.portfolio_y,
                quadrants=t.quadrants,
                fmt_x=self.s.money,
                fmt_y=lambda v: self.s.number(v, 0),
            )
        note = (
            f"<p>{escape(t.portfolio_missing.format(names=', '.join(missing)))}</p>"
            if missing
            else ""
        )
        return (
            f"<section id='portfolio'><h2>{escape(t.portfolio_title)}</h2>"
            f"<p>{escape(t.portfolio_intro)}</p>{svg}{note}</section>"
        )

    def on_track(self) -> str:
        t, ind = self.t, self.tables["indicators"]
        rows = []
        for o in self.offers:
            hit = ind[(ind["offer_id"] == o) & (ind["indicator"] == "status")] if len(ind) else ind
            status = str(hit["status"].iloc[0]) if len(hit) else "no_target"
            rule = self.rule_text(o, hit.iloc[0]) if len(hit) else ""
            code = str(hit["rule_code"].iloc[0]) if len(hit) else ""
            label = t.status_labels.get(status, status)
            light = LIGHTS.get(status, "#9e9e9e")
            rows.append(
                f"<tr data-offer='{escape(o)}'><td>{self.name(o)}</td>"
                f"<td class='status' data-status='{escape(status)}'>"
                f"<span class='light' style='background:{light}'></span>{escape(label)}</td>"
                f"<td data-rule='{escape(code)}'>{escape(rule)}</td></tr>"
            )
        return (
            f"<section id='on-track'><h2>{escape(t.on_track_title)}</h2>"
            f"<p>{escape(t.on_track_intro)}</p><table><thead><tr>"
            f"<th>{escape(t.col_offer)}</th><th>{escape(t.col_status)}</th>"
            f"<th>{escape(t.col_rule)}</th></tr></thead><tbody>{''.join(rows)}</tbody></table>"
            "</section>"
        )

    def indicator(self, offer: str, name: str, column: str = "value") -> float | None:
        ind = self.tables["indicators"]
        if not len(ind):
            return None
        hit = ind[(ind["offer_id"] == offer) & (ind["indicator"] == name)]
        return _num(hit[column].iloc[0]) if len(hit) and column in hit else None

    def rule_text(self, offer: str, status_row: pd.Series) -> str:
        """The reason for the status in the report's language, by ``rule_code``, with the
        numbers of the offer's (suppressed) indicator rows; the monitor's own text when the
        code is unknown."""
        code = status_row.get("rule_code")
        template = self.t.rule_texts.get(str(code)) if pd.notna(code) else None
        if template is None:
            rule = status_row.get("rule")
            return "" if rule is None or pd.isna(rule) else str(rule)
        s, ind = self.s, self.indicator
        target_month = ind(offer, "trajectory_target", "event_time")
        last = ind(offer, "interim_att", "event_time")
        share = ind(offer, "enrolment", "value"), ind(offer, "enrolment", "planned")
        return template.format(
            last=s.number(last),
            estimate=s.pp(ind(offer, "interim_att")),
            ci_low=s.pp(ind(offer, "interim_att", "ci_low")),
            ci_high=s.pp(ind(offer, "interim_att", "ci_high")),
            trajectory=s.pp(ind(offer, "interim_att", "planned")),
            target=s.pp(ind(offer, "trajectory_target")),
            target_month=s.number(target_month),
            enrolled=s.number(share[0]),
            planned=s.number(share[1]),
            share=s.pct(None if None in share or not share[1] else share[0] / share[1]),
            dropouts=s.number(ind(offer, "dropouts")),
            dropout_share=s.pct(ind(offer, "dropout_share")),
        )

    def offer_section(self, o: str, smd_threshold: float) -> str:
        t, s = self.t, self.s
        facts = [
            t.fact_participants.format(
                n=self.cell("matching", o, "n_participants", "count"),
                matched=escape(s.number(self.value("matching", o, "n_matched"))),
            ),
            t.fact_controls.format(
                n=escape(s.number(self.value("matching", o, "n_controls"))),
                ess=escape(s.number(self.value("matching", o, "ess_controls"))),
            ),
        ]
        follow = self.follow_up(o)
        if follow is not None:
            facts.append(t.fact_follow_up.format(months=follow))
        mde = self.value("effects", o, "mde_80")
        if mde is not None:
            facts.append(t.fact_mde.format(mde=s.pp(mde)))
        p_pre = self.value("effects", o, "pretrend_p_value")
        if p_pre is None:
            facts.append(t.pretrend_none)
        elif p_pre < 0.05:
            facts.append(f"<span class='warn'>{t.pretrend_warn.format(p=s.p_value(p_pre))}</span>")
        else:
            facts.append(t.pretrend_ok.format(p=s.p_value(p_pre)))
        smd = self.value("matching", o, "max_abs_smd_after")
        if smd is not None:
            ok = bool(self.row("matching", o).get("balance_passed", False))
            facts.append((t.balance_ok if ok else t.balance_warn).format(smd=s.number(smd, 2)))
        even = self.value("portfolio", o, "break_even_month")
        if even is not None:
            facts.append(t.fact_break_even.format(month=s.number(even)))
        elif self.value("portfolio", o, "net_value_per_participant_dkk") is not None:
            facts.append(t.fact_break_even_none)
        items = "".join(f"<li>{f}</li>" for f in facts)
        title = escape(t.offer_results.format(name=self.names.get(o, o)))
        return (
            f"<section id='offer-{escape(o)}' class='offer'><h2>{title}</h2>"
            f"<h3>{escape(t.facts_title)}</h3><ul class='facts'>{items}</ul>"
            f"{self.event_study_figure(o)}{self.levels_figure(o)}"
            f"{self.love_figure(o, smd_threshold)}{self.payers_table(o)}</section>"
        )

    def payers_table(self, o: str) -> str:
        """Who gains: savings and net value per participant by payer (value table)."""
        t, rows = self.t, []
        order = sorted(t.payer_names, key=lambda k: k == "all")  # "all" (the total) last
        for payer in order:
            label = t.payer_names[payer]
            savings = self.measure(o, "savings_per_participant", payer=payer)
            net = self.measure(o, "net_value_per_participant", payer=payer)
            if savings is None and net is None and payer != "all":
                continue
            rows.append(
                f"<tr><td>{escape(label)}</td><td class=num>{escape(self.s.money(savings))}</td>"
                f"<td class=num>{escape(self.s.money(net))}</td></tr>"
            )
        if not rows:
            return ""
        return (
            f"<h3>{escape(t.payers_title)}</h3><table class='payers'><thead><tr>"
            f"<th>{escape(t.col_payer)}</th><th class=num>{escape(t.col_savings)}</th>"
            f"<th class=num>{escape(t.col_net_pp)}</th></tr></thead>"
            f"<tbody>{''.join(rows)}</tbody></table>"
        )

    def event_study_figure(self, o: str) -> str:
        eff = self.tables["effects"]
        rows = (
            eff[(eff["offer_id"] == o) & (eff["outcome"] == HEADLINE_OUTCOME)] if len(eff) else eff
        )
        rows = rows[rows["event_time"].notna()].sort_values("event_time") if len(rows) else rows
        if not len(rows):
            return f"<p>{escape(self.t.no_data)}</p>"
        e = [int(v) for v in rows["event_time"]]
        col = [
            [None if _num(v) is None else _num(v) * 100 for v in rows[c]]
            for c in ("estimate", "ci_low", "ci_high")
        ]
        if all(v is None for v in col[0]):  # every month suppressed
            return f"<p>{escape(self.t.no_data)}</p>"
        svg = plots.event_study(
            e,
            *col,
            title=self.t.event_study_title,
            x_label=self.t.event_study_axis_x,
            y_label=self.t.event_study_axis_y,
            fmt_y=lambda v: self.s.number(v, 0),
            fmt_x=lambda v: self.s.number(v, 0),
            start_label=self.t.label_start,
        )
        return _figure(self.t.event_study_title, svg, self.t.event_study_caption)

    def levels_figure(self, o: str) -> str:
        lv = self.tables["levels"]
        if not len(lv):
            return ""
        rows = lv[(lv["offer_id"] == o) & (lv["outcome"] == HEADLINE_OUTCOME)]
        if not len(rows):
            return ""
        wide = rows.pivot_table(index="event_time", columns="group", values="mean", dropna=False)
        e = [int(v) for v in wide.index]

        def series(group: str) -> list[float | None]:
            if group not in wide:
                return [None] * len(e)
            return [None if _num(v) is None else _num(v) * 100 for v in wide[group]]

        controls = next((g for g in CONTROL_GROUPS if g in wide), CONTROL_GROUPS[0])
        if all(v is None for v in series("participants") + series(controls)):
            return ""
        svg = plots.two_lines(
            e,
            series("participants"),
            series(controls),
            title=self.t.levels_title,
            x_label=self.t.event_study_axis_x,
            y_label=self.t.levels_axis_y,
            fmt_y=lambda v: self.s.number(v, 0),
            fmt_x=lambda v: self.s.number(v, 0),
            labels=(self.t.legend_participants, self.t.legend_controls),
        )
        return _figure(self.t.levels_title, svg, self.t.levels_caption)

    def love_figure(self, o: str, threshold: float) -> str:
        b = self.tables["balance"]
        rows = b[b["offer_id"] == o] if len(b) else b
        if not len(rows) or rows["smd_after"].isna().all():
            return ""
        order = rows.assign(_k=rows[["smd_before", "smd_after"]].abs().max(axis=1)).sort_values(
            "_k", ascending=False
        )
        top, rest = order.head(LOVE_ROWS), order.iloc[LOVE_ROWS:]
        names = [covariate_label(str(c), self.lang) for c in top["covariate"]]
        svg = plots.love_plot(
            names,
            [_num(v) for v in top["smd_before"]],
            [_num(v) for v in top["smd_after"]],
            threshold=threshold,
            title=self.t.love_title,
            x_label=self.t.love_axis,
            labels=(self.t.legend_before, self.t.legend_after),
        )
        caption = self.t.love_caption.format(k=len(top), threshold=self.s.number(threshold, 1))
        if len(rest):
            caption += " " + self.t.love_more.format(
                n=len(rest), smd=self.s.number(float(rest["smd_after"].abs().max()), 2)
            )
        return _figure(self.t.love_title, svg, caption)

    def method_notes(self) -> str:
        lo, hi = self.window
        items = "".join(
            f"<h3>{escape(h)}</h3><p>{escape(p.format(lo=lo, hi=hi))}</p>"
            for h, p in self.t.method_items
        )
        settings = ""
        if self.offers:
            o = self.offers[0]
            rate = self.value("portfolio", o, "discount_rate")
            row = self.row("portfolio", o)
            if row is not None and rate is not None:
                settings = (
                    "<p>"
                    + escape(
                        self.t.value_settings.format(
                            horizon=s_int(row.get("horizon_months")),
                            rate=self.s.number(rate * 100, 1),
                            year=s_int(row.get("price_year")),
                            extrapolation=self.extrapolation(row.get("extrapolation")),
                        )
                    )
                    + "</p>"
                )
        return (
            f"<section id='method'><h2>{escape(self.t.method_title)}</h2>{items}{settings}"
            f"<p>{escape(self.t.suppressed_note.format(k=self.k))} "
            f"{escape(self.suppressed_count())}</p></section>"
        )

    def extrapolation(self, label: Any) -> str:
        """The clause for a value table's extrapolation label ("decay(half_life=12,k=6)")."""
        text = "" if label is None or pd.isna(label) else str(label)
        rule = text.split("(", 1)[0]
        params = dict(re.findall(r"(\w+)=([\d.]+)", text))
        template = self.t.extrapolations.get(rule)
        if template is None:
            return text or DASH
        return template.format(k=params.get("k", DASH), h=params.get("half_life", DASH))

    def suppressed_count(self) -> str:
        """How many published rows have blanked numbers (flag ``suppressed``), by table."""
        counts = {}
        for name, frame in self.tables.items():
            if not len(frame) or "suppressed" not in frame:
                continue
            n = int(frame["suppressed"].fillna(False).astype(bool).sum())
            if n:
                counts[self.t.table_names.get(name, name)] = n
        if not counts:
            return self.t.suppressed_none
        tables = ", ".join(f"{k}: {self.s.number(v)}" for k, v in counts.items())
        return self.t.suppressed_count.format(n=self.s.number(sum(counts.values())), tables=tables)


def _flag(row: pd.Series) -> bool:
    """The row's ``suppressed`` flag (missing counts as not suppressed)."""
    v = row.get("suppressed", False)
    return False if v is None or pd.isna(v) else bool(v)


def s_int(v: Any) -> str:
    x = _num(v)
    return DASH if x is None else str(int(x))


def _figure(title: str, svg: str, caption: str) -> str:
    return f"<figure aria-label='{escape(title)}'><h3>{escape(title)}</h3>{svg}<figcaption>{escape(caption)}</figcaption></figure>"  # noqa: E501


_TABLES = ("effects", "matching", "balance", "levels", "portfolio", "indicators", "value")

"""The report's view of a month's published tables: cells, formats and verdicts.

Reads only the small-cell suppressed tables the run publishes (never person-level
data) and never recomputes a number that was blanked: a suppressed cell shows "–".
:meth:`ReportData.cell` marks a headline number with ``data-key="<table>.<offer_id>.<column>"``,
its raw ``data-value`` and ``data-format``, so a test (or an analyst) can tie the page to
the Parquet files.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from html import escape
from typing import Any

import numpy as np
import pandas as pd

from evaluation.did.staggered_register import METHOD as STAGGERED
from evaluation.offer_tables import headline_contrast
from evaluation.texts import DASH, Lang, NumberStyle, Texts
from evaluation.texts.report_words import WORDS
from flows.report.settings import ReportSettings

HEADLINE_OUTCOME = "self_sufficient"
VALUE_SCENARIO = "central"
TABLES = (
    "effects",
    "matching",
    "balance",
    "levels",
    "portfolio",
    "indicators",
    "value",
    "contract",
    "decomposition",
    "subgroups",
    "durations",
)


def num(x: Any) -> float | None:
    """A finite float, or None for anything missing or not a number."""
    if x is None or x is pd.NA:
        return None
    try:
        v = float(x)
    except (TypeError, ValueError):
        return None
    return v if math.isfinite(v) else None


def whole(v: Any) -> str:
    """A whole number as plain digits ("–" when missing)."""
    x = num(v)
    return DASH if x is None else str(int(x))


def flagged(row: pd.Series) -> bool:
    """The row's ``suppressed`` flag (missing counts as not suppressed)."""
    v = row.get("suppressed", False)
    return False if v is None or pd.isna(v) else bool(v)


def figure(title: str, svg: str, caption: str) -> str:
    return f"<figure aria-label='{escape(title)}'><h3>{escape(title)}</h3>{svg}<figcaption>{escape(caption)}</figcaption></figure>"  # noqa: E501


class ReportData:
    """The published tables of one month with the page's language and settings."""

    def __init__(
        self,
        tables: Mapping[str, pd.DataFrame],
        t: Texts,
        s: NumberStyle,
        lang: Lang,
        k: int,
        window: tuple[int, int],
        settings: ReportSettings | None = None,
    ) -> None:
        self.tables = {name: tables.get(name, pd.DataFrame()) for name in TABLES}
        self.t, self.s, self.lang, self.k, self.window = t, s, lang, k, window
        self.w = WORDS[lang]
        self.settings = settings or ReportSettings()
        matching = self.tables["matching"]
        self.offers: list[str] = [str(o) for o in matching.get("offer_id", [])]
        self.names = dict(zip(self.offers, matching.get("name", self.offers), strict=True))
        eff = self.tables["effects"]
        # the secondary Callaway & Sant'Anna rows have their own sentence (sections/
        # staggered.py); every other section reads the matched design's rows only
        secondary = (
            (eff["method"] == STAGGERED).to_numpy(bool)
            if len(eff) and "method" in eff.columns
            else np.zeros(len(eff), dtype=bool)
        )
        self.staggered = eff[secondary].reset_index(drop=True)
        self.tables["effects"] = eff = eff[~secondary].reset_index(drop=True)
        if len(eff):  # the headline contrast (not the ITT row)
            eff = eff[headline_contrast(eff)]
        head = (
            eff[(eff["outcome"] == HEADLINE_OUTCOME) & eff["event_time"].isna()]
            if len(eff)
            else eff
        )
        self.headline = {str(row["offer_id"]): row for _, row in head.iterrows()}

    def outcome_label(self, outcome: str) -> str:
        """An outcome's readable name: the texts' name of a known outcome in the page's
        language, else ``effects.outcome_label`` (Danish: a measure's label_da from the
        config), else its name."""
        if outcome in self.t.outcome_names:
            return self.t.outcome_names[outcome]
        cost, _, payer = outcome.partition("public_cost_dkk_")
        if not cost and payer in self.t.payer_names:  # the public cost of one payer
            return f"{self.t.outcome_names['public_cost_dkk']} ({self.t.payer_names[payer]})"
        eff = self.tables["effects"]
        if len(eff) and "outcome_label" in eff.columns:
            hit = eff.loc[eff["outcome"] == outcome, "outcome_label"].dropna()
            if len(hit) and str(hit.iloc[0]):
                return str(hit.iloc[0])
        return self.t.outcome_names.get(outcome, outcome)

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
        return None if row is None or column not in row.index else num(row[column])

    def value_row(self, offer: str, measure: str, payer: str = "all") -> pd.Series | None:
        """The ``value`` table's row of a measure and payer in the central scenario."""
        v = self.tables["value"]
        if not len(v):
            return None
        hit = v[
            (v["offer_id"] == offer)
            & (v["measure"] == measure)
            & (v["payer"] == payer)
            & (v["scenario"] == VALUE_SCENARIO)
        ]
        return hit.iloc[0] if len(hit) else None

    def measure(
        self, offer: str, measure: str, *, payer: str = "all", column: str = "value"
    ) -> float | None:
        row = self.value_row(offer, measure, payer)
        return None if row is None else num(row[column])

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
        row = self.value_row(offer, column) if table == "value" else self.row(table, offer)
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

    def indicator(self, offer: str, name: str, column: str = "value") -> float | None:
        ind = self.tables["indicators"]
        if not len(ind):
            return None
        hit = ind[(ind["offer_id"] == offer) & (ind["indicator"] == name)]
        return num(hit[column].iloc[0]) if len(hit) and column in hit else None

"""One source for every sentence: the facts of an offer that the report's sentences,
tables and charts all read (issue 18).

Every function here reads the published (suppressed) tables through
:class:`~flows.report.cells.ReportData` and the run's :class:`ReportSettings`; the
sections never look a number up themselves when a fact exists for it, so a sentence and
the table next to it cannot disagree. :func:`tagged` marks a number with ``data-src``
(``table|offer|...|column``) and ``data-value`` so a test can compare it with Parquet.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from html import escape

import pandas as pd

from evaluation.monetise.extrapolation import Extrapolation
from flows.report.cells import ReportData, flagged, num

PRICE_COLUMNS = ("price_per_extra_self_sufficient_dkk", "price_ci_low", "price_ci_high")


@dataclass(frozen=True)
class Interval:
    """A number with its interval (any part None when blank in the table)."""

    value: float | None
    low: float | None
    high: float | None

    @property
    def complete(self) -> bool:
        return None not in (self.value, self.low, self.high)


def tagged(text: str, value: float | None, src: str) -> str:
    """``text`` in a span carrying where its number comes from (``data-src``)."""
    raw = "" if value is None else repr(float(value))
    return f'<span data-src="{escape(src)}" data-value="{raw}">{escape(text)}</span>'


def threshold_text(r: ReportData, x: float) -> str:
    """A balance threshold as written in the config: "0,1", "0,15"."""
    decimals = next((d for d in range(1, 4) if round(x, d) == round(x, 4)), 4)
    return r.s.number(x, decimals)


def effect(r: ReportData, o: str) -> Interval | None:
    """The headline effect (a share) with its interval; None without an estimate."""
    if r.row("effects", o) is None:
        return None
    v = Interval(*(r.value("effects", o, c) for c in ("estimate", "ci_low", "ci_high")))
    return v if v.value is not None else None


def verdict(r: ReportData, o: str) -> str:
    """clear / clear_negative / borderline / unclear / none (no estimate) / hidden."""
    e = effect(r, o)
    if e is None:
        row = r.row("effects", o)
        return "hidden" if row is not None and flagged(row) else "none"
    v = r.verdict(o)
    return "clear_negative" if v == "clear" and e.value is not None and e.value < 0 else v


def price(r: ReportData, o: str) -> tuple[Interval | None, str | None]:
    """The price per extra self-sufficient citizen with its interval, only where the
    effect is clearly positive (the effect's whole interval above 0); otherwise None and
    the reason's code (``not_positive``, ``not_clear``, ``no_effect``, ``hidden``, or
    ``undefined``: blank in a row that was not suppressed)."""
    row = r.row("portfolio", o)
    eff = None if row is None else num(row.get("effect"))
    lo = None if row is None else num(row.get("effect_ci_low"))
    if eff is None:
        return None, ("hidden" if row is not None and flagged(row) else "no_effect")
    if eff <= 0:
        return None, "not_positive"
    if lo is None or lo <= 0:
        return None, "not_clear"
    p = Interval(*(r.value("portfolio", o, c) for c in PRICE_COLUMNS))
    if p.complete:
        return p, None
    return None, ("hidden" if row is not None and flagged(row) else "undefined")


def payment(r: ReportData, o: str) -> Interval | None:
    """The results-based payment owed (the municipality pays; central scenario) with its
    interval; None without payment terms."""
    row = r.value_row(o, "payment_owed", payer="kommune")
    if row is None:
        return None
    return Interval(num(row["value"]), num(row.get("ci_low")), num(row.get("ci_high")))


@dataclass(frozen=True)
class Status:
    """The on-track status and rule of an offer (``suppressed`` when it is hidden)."""

    status: str
    code: str


def status(r: ReportData, o: str) -> Status:
    ind = r.tables["indicators"]
    hit = ind[(ind["offer_id"] == o) & (ind["indicator"] == "status")] if len(ind) else ind
    if not len(hit):
        return Status("no_target", "")
    row = hit.iloc[0]
    if pd.isna(row["status"]):
        return Status("suppressed", "")
    code = row.get("rule_code")
    return Status(str(row["status"]), "" if code is None or pd.isna(code) else str(code))


def extrapolation(r: ReportData) -> Extrapolation | None:
    """The valuation's extrapolation rule (the same for every offer: one config)."""
    p = r.tables["portfolio"]
    if not len(p) or "extrapolation" not in p:
        return None
    labels = [str(x) for x in p["extrapolation"].dropna().unique()]
    return Extrapolation.from_label(labels[0]) if labels else None


@dataclass(frozen=True)
class Balance:
    """Balance after matching against the offer's threshold: passed (the table's verdict),
    the covariates that failed, and the largest |SMD| after matching with its covariate."""

    passed: bool
    threshold: float
    failing: int
    worst: str | None
    worst_smd: float | None


def balance(r: ReportData, o: str) -> Balance | None:
    m = r.row("matching", o)
    if m is None or r.value("matching", o, "max_abs_smd_after") is None:
        return None
    b = r.tables["balance"]
    rows = b[b["offer_id"] == o] if len(b) else b
    threshold = r.settings.smd_threshold(o)
    failing, worst, worst_smd = 0, None, r.value("matching", o, "max_abs_smd_after")
    if len(rows) and rows["smd_after"].notna().any():
        failing = int((~rows["passed"].fillna(True).astype(bool)).sum())
        pick = rows.loc[rows["smd_after"].abs().idxmax()]
        worst = str(pick["covariate"])
    passed = bool(m.get("balance_passed", False))
    return Balance(passed, threshold, failing, worst, worst_smd)


def placebo_months(r: ReportData) -> tuple[int, int] | None:
    """The months before the start the placebo test looks at (first, last), as
    positive numbers, from the effects table."""
    eff = r.tables["effects"]
    if not len(eff) or "placebo_window" not in eff:
        return None
    for w in eff["placebo_window"].dropna():
        if isinstance(w, str) and ".." in w:
            lo, hi = (abs(int(v)) for v in w.split(".."))
            return min(lo, hi), max(lo, hi)
    return None


@dataclass(frozen=True)
class Interim:
    """The monitor's interim effect (shares) over event months ``first``..``last`` and
    the target it is judged against."""

    first: int
    last: int
    effect: Interval
    needed: float | None
    target: float | None
    target_month: int | None

    @property
    def after_target(self) -> bool:
        return self.target_month is not None and self.last >= self.target_month


def interim(r: ReportData, o: str) -> Interim | None:
    """The interim effect as the monitor pooled it: the latest ``interim_months`` event
    months, reaching back to the target month once it has been observed
    (:func:`evaluation.monitor.trajectory.interim_effect`)."""
    last = r.indicator(o, "interim_att", "event_time")
    est = r.indicator(o, "interim_att")
    if last is None or est is None:
        return None
    month = r.indicator(o, "trajectory_target", "event_time")
    first = int(last) - r.settings.interim_months + 1
    if month is not None and last >= month:
        first = min(first, int(month))
    e = Interval(
        est, r.indicator(o, "interim_att", "ci_low"), r.indicator(o, "interim_att", "ci_high")
    )
    return Interim(
        first=max(first, 0),
        last=int(last),
        effect=e,
        needed=r.indicator(o, "interim_att", "planned"),
        target=r.indicator(o, "trajectory_target"),
        target_month=None if month is None else int(month),
    )


def finite(x: float | None) -> bool:
    return x is not None and math.isfinite(x)

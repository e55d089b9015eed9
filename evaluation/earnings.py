"""Earnings as an outcome: the persons x months matrix of ``earnings_dkk``.

``status_monthly.earnings_dkk`` (optional in the input contract) is the month's earnings
in DKK. :func:`earnings_matrix` lays it out like the panel's status matrix (NaN where a
month has no row or no amount), for
:meth:`evaluation.did.MatchedEventStudy.fit_amounts`: the extra earnings per month of
participants over their matched controls, with the headline's inference.
:func:`tax_value` is its public value: the tax the extra earnings pay, at the configured
rate per payer (``valuation.tax_rate``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from evaluation import months
from evaluation.did.results import EventStudyResult
from evaluation.monetise.config import ValuationSettings
from evaluation.panel import StatusPanel

EARNINGS = "earnings_dkk"


@dataclass(frozen=True, eq=False)
class EarningsRows:
    """The status rows' earnings as coordinates of a panel (person level, in memory): the
    panel's ``person_ids``, and per row with an amount its person (row of the panel),
    month (index) and amount in DKK, in the rows' order. Made once per panel (or per
    panel build of a backfill: every as-of cut keeps the persons), not once per offer."""

    person_ids: np.ndarray
    person: np.ndarray  # int32, rows of the panel (a row per status row: kept narrow)
    month: np.ndarray  # int32 month index
    amount: np.ndarray  # float64, finite

    @classmethod
    def of(
        cls, person_ids: np.ndarray, person: np.ndarray, month: np.ndarray, amount: np.ndarray
    ) -> EarningsRows | None:
        """The rows of known persons with a finite amount; None when no row has one."""
        ok = (person >= 0) & np.isfinite(amount)
        if not ok.any():
            return None
        return cls(person_ids, person[ok].astype(np.int32), month[ok], amount[ok])

    @classmethod
    def from_frame(cls, person_ids: np.ndarray, status: pd.DataFrame) -> EarningsRows | None:
        """From status rows (``person_id``, ``month``, ``earnings_dkk``); None when the
        column is absent or has no value."""
        if EARNINGS not in status.columns or status[EARNINGS].notna().sum() == 0:
            return None
        row = pd.Index(person_ids.astype(str)).get_indexer(status["person_id"].astype(str))
        amount = pd.to_numeric(status[EARNINGS], errors="coerce").to_numpy(np.float64)
        return cls.of(person_ids, row, months.from_dates(status["month"]), amount)


def earnings_matrix(
    panel: StatusPanel,
    status: pd.DataFrame | EarningsRows | None,
    persons: np.ndarray | None = None,
) -> np.ndarray | None:
    """Persons x months (the panel's columns; its rows, or only the sorted panel rows
    ``persons``) of ``earnings_dkk``; None when the column is absent or has no value.
    ``status``: the status rows, or their :class:`EarningsRows` on this panel's persons.
    Rows of other persons or of months outside the panel are ignored (the panel is
    already cut to the as-of month)."""
    rows = (
        EarningsRows.from_frame(panel.person_ids, status)
        if isinstance(status, pd.DataFrame)
        else status
    )
    if rows is None:
        return None
    if rows.person_ids is not panel.person_ids and not np.array_equal(
        rows.person_ids, panel.person_ids
    ):
        raise ValueError("the earnings rows were laid out on another panel's persons")
    n = panel.n_persons
    row, month, amount = rows.person, rows.month, rows.amount
    if persons is not None:
        # the rows of ``persons`` first, through a one-byte mask (a status row each: at
        # 1M persons x 60 months every full-length index array is 480 MB, paged in afresh)
        member = np.zeros(n, dtype=bool)
        member[persons] = True
        of_persons = np.flatnonzero(member[row])
        position = np.full(n, -1, dtype=np.int64)
        position[persons] = np.arange(len(persons))
        row, month, amount = position[row[of_persons]], month[of_persons], amount[of_persons]
        n = len(persons)
    col = month - panel.first_month
    ok = (row >= 0) & (col >= 0) & (col < panel.n_months)
    out = np.full((n, panel.n_months), np.nan)
    out[row[ok], col[ok]] = amount[ok]
    return out


def tax_value(extra_earnings_dkk: float, tax_rate: Mapping[str, float]) -> dict[str, float]:
    """The tax on extra earnings by payer (``{"kommune": 0.25, "stat": 0.12}``) and
    ``all`` (their sum), in DKK."""
    out = {payer: float(extra_earnings_dkk) * float(rate) for payer, rate in tax_rate.items()}
    out["all"] = float(sum(out.values()))
    return out


TAX_MEASURES = ("tax_on_extra_earnings_per_participant", "total_tax_on_extra_earnings")


def tax_rows(
    earnings: EventStudyResult,
    tax_rate: Mapping[str, float],
    *,
    participants: int,
    settings: ValuationSettings,
    price_year: int | None = None,
) -> pd.DataFrame:
    """``value.parquet`` rows of the public value of the extra earnings: the tax on them
    at ``tax_rate`` per payer (and ``all``, their sum), discounted like the savings over
    the observed event months 0..H-1 of the horizon (no extrapolation), per participant
    and in total, with normal intervals from the event study's covariance. Scenario
    ``central``; extra earnings are in current DKK (not deflated to ``price_year``)."""
    e = earnings.event_times
    h = settings.horizon_months
    use = (e >= 0) & (e < h) & np.isfinite(earnings.estimates)
    d = np.zeros(len(e))
    d[use] = settings.discount_factors(h)[e[use]]
    base = float(d @ np.nan_to_num(earnings.estimates))
    var = float(d @ np.nan_to_num(earnings.cov) @ d)
    z = stats.norm.ppf(1 - (1 - settings.level) / 2)
    rates = {**{p: float(r) for p, r in tax_rate.items()}, "all": float(sum(tax_rate.values()))}
    rows = []
    for payer, rate in rates.items():
        for measure, scale, unit in (
            (TAX_MEASURES[0], 1.0, "DKK per participant"),
            (TAX_MEASURES[1], float(participants), "DKK"),
        ):
            v, se = rate * scale * base, rate * scale * np.sqrt(max(var, 0.0))
            rows.append((measure, payer, v, v - z * se, v + z * se, unit))
    frame = pd.DataFrame(rows, columns=["measure", "payer", "value", "ci_low", "ci_high", "unit"])
    frame.insert(0, "offer_id", earnings.offer_id)
    frame.insert(3, "scenario", "central")
    months_used = int(use.sum())
    return frame.assign(
        horizon_months=np.int64(h),
        extrapolation="none",
        discount_rate=settings.discount_rate,
        price_year=pd.array([price_year] * len(frame), dtype="Int64"),
        note=(f"{months_used} of {h} months observed; extra earnings not extrapolated"
              if months_used < h else None),
    )  # fmt: skip

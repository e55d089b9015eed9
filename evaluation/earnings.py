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

import numpy as np
import pandas as pd

from evaluation import months
from evaluation.panel import StatusPanel

EARNINGS = "earnings_dkk"


def earnings_matrix(panel: StatusPanel, status: pd.DataFrame) -> np.ndarray | None:
    """Persons x months (the panel's rows and columns) of ``earnings_dkk``; None when
    the column is absent or has no value. Rows of persons or months outside the panel
    are ignored (the panel is already cut to the as-of month)."""
    if EARNINGS not in status.columns or status[EARNINGS].notna().sum() == 0:
        return None
    row = pd.Index(panel.person_ids.astype(str)).get_indexer(status["person_id"].astype(str))
    col = months.from_dates(status["month"]) - panel.first_month
    amount = pd.to_numeric(status[EARNINGS], errors="coerce").to_numpy(np.float64)
    ok = (row >= 0) & (col >= 0) & (col < panel.n_months) & np.isfinite(amount)
    out = np.full((panel.n_persons, panel.n_months), np.nan)
    out[row[ok], col[ok]] = amount[ok]
    return out


def tax_value(extra_earnings_dkk: float, tax_rate: Mapping[str, float]) -> dict[str, float]:
    """The tax on extra earnings by payer (``{"kommune": 0.25, "stat": 0.12}``) and
    ``all`` (their sum), in DKK."""
    out = {payer: float(extra_earnings_dkk) * float(rate) for payer, rate in tax_rate.items()}
    out["all"] = float(sum(out.values()))
    return out

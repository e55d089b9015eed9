"""The placebo test of the matched event study: months before the start that the
matching does not balance month by month.

Why not the usual pre-trend test. Event months -3..-1 are fixed by the target-group rule
(every participant and control had a target status then) and -12..-4 are the 12 status
lags the matching balances; a test on them cannot fail, whatever the selection. Two
textbook alternatives fail the other way on a municipality that creams on the
self-sufficient share of the last 36 months (as our generator and real job centres do):

* moving every start back by P months and matching on the history before the placebo
  start compares participants, selected at s on their months s-P..s-1, with controls who
  were not: it rejects even when the real design is unbiased;
* holding out the pre-window -H..-2 from the matching (matching on history before s-H)
  likewise ignores that selection depended on the held-out months.

Both are valid only when selection does not depend on the held-out months beyond the
history still matched on (Imbens & Rubin 2015, ch. 21, pseudo-outcomes; Imbens &
Wooldridge 2009, sec. 6.2). ``benchmarks/bench_placebo.py`` measures them.

The placebo here. The pseudo-outcomes are the statuses in the ``length`` months just
before the oldest lag, by default event months -24..-13 when the lags cover 12 months.
The design is the real one: the same risk sets, exact keys and every covariate, which
use those months only through sums (the 36-month counts), never month by month. Under
the real design's assumption that selection depends on the matched history only (the
lags, the window counts, demographics, programme history), the participants' and
matched controls' statuses in those months do not differ beyond chance, so the joint
Wald test of the event-study estimates at -24..-13 is a valid test at its nominal level
(up to the matching's finite-sample bias). It rejects when participants differed from
comparable controls in the second year before the start: selection on older history
than the matched lags - for example a drift in their situation that the 12 lags and the
sums do not capture - which would also bias the effect if that drift goes on.

What it cannot see: anything that arises in the last 12 months before the start or
after it and is not in the registers (a health crisis, a new caseworker), and selection
on older history that is balanced on average within the window (it tests each month,
not every pattern). Months that the covariates fix individually (a window count one
month longer than another) are left out of the placebo window.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats

DEFAULT_LENGTH = 12


def placebo_window(
    lags: int, windows: tuple[int, ...], *, length: int = DEFAULT_LENGTH, earliest: int = -60
) -> tuple[int, ...]:
    """Event months of the placebo: the ``length`` months before the oldest lag, less
    any month that two window counts (or a count and the lags) isolate, and none before
    ``earliest`` (the config's bound)."""
    spans = {lags, *windows} if lags > 0 else set(windows)
    fixed = {w for w in spans if w - 1 in spans or (w == 1)}
    months = [-m for m in range(lags + 1, lags + length + 1) if m not in fixed]
    return tuple(sorted(e for e in months if e >= earliest))


@dataclass(frozen=True)
class PlaceboTest:
    """Joint Wald test that the estimates in the placebo months are zero."""

    months: tuple[int, ...]
    statistic: float
    df: int
    p_value: float

    @property
    def window(self) -> str:
        return f"{min(self.months)}..{max(self.months)}" if self.months else ""

    def verdict(self, level: float) -> str:
        if not np.isfinite(self.p_value):
            return "The placebo test could not be computed (no estimable placebo month)."
        if self.p_value < 1 - level:
            return (
                f"Participants and matched controls differed in event months {self.window}, "
                f"which the matching balances only as sums (p = {self.p_value:.3f}): "
                "selection on older history; the effect may be biased."
            )
        return (
            f"No sign that participants and matched controls differed in event months "
            f"{self.window} (p = {self.p_value:.2f}); the test cannot see differences "
            "that arise in the last 12 months before the start."
        )


def placebo_test(
    event_times: np.ndarray, estimates: np.ndarray, cov: np.ndarray, months: tuple[int, ...]
) -> PlaceboTest:
    """Wald test over the placebo ``months`` with a finite estimate and positive
    variance (chi-squared with the covariance's rank as degrees of freedom)."""
    sel = np.isin(event_times, months) & np.isfinite(estimates)
    sel &= np.isfinite(np.diag(cov)) & (np.diag(cov) > 0)
    idx = np.flatnonzero(sel)
    if len(idx) == 0:
        return PlaceboTest(tuple(months), np.nan, 0, np.nan)
    est, c = estimates[idx], cov[np.ix_(idx, idx)]
    rank = int(np.linalg.matrix_rank(c))
    stat = float(est @ np.linalg.pinv(c) @ est)
    return PlaceboTest(tuple(months), stat, rank, float(stats.chi2.sf(stat, max(rank, 1))))

"""The frozen result of matching one offer."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from evaluation.matching.propensity import PropensityModel


@dataclass(frozen=True)
class CommonSupport:
    caliper: float  # absolute, on the logit scale (inf without a caliper)
    treated_score_range: tuple[float, float]
    control_score_range: tuple[float, float]
    share_treated_in_support: float  # participants inside the controls' score range
    share_controls_in_support: float


@dataclass(frozen=True, eq=False)
class MatchResult:
    """Matched sets of one offer.

    ``sets`` is person level (restricted): set_id, person (panel row), ref_month,
    treated, weight. Every matched participant has weight 1; the control weights of a
    set sum to its number of participants. ``hazards`` gives, for every month a control
    person was at risk, the calibrated hazard of starting the offer then: the event study
    turns it into inverse-probability-of-censoring weights.
    """

    offer_id: str
    method: str
    n_participants: int
    sets: pd.DataFrame
    unmatched: pd.DataFrame  # person, ref_month, reason
    balance: pd.DataFrame
    support: CommonSupport | None
    propensity: PropensityModel | None
    n_candidate_rows: int
    hazards: pd.DataFrame  # person, month, hazard of starting (controls' risk-set rows)

    @property
    def n_matched(self) -> int:
        return int(self.sets["treated"].sum())

    @property
    def n_controls(self) -> int:
        """Distinct control persons used."""
        return int(self.sets.loc[~self.sets["treated"], "person"].nunique())

    @property
    def control_weights(self) -> pd.Series:
        """Total matching weight per control person."""
        c = self.sets[~self.sets["treated"]]
        return c.groupby("person")["weight"].sum()

    @property
    def ess_controls(self) -> float:
        w = self.control_weights.to_numpy()
        return float(w.sum() ** 2 / (w**2).sum()) if len(w) else 0.0

    @property
    def balance_passed(self) -> bool:
        return bool(len(self.balance)) and bool(self.balance["passed"].all())

    def summary_frame(self) -> pd.DataFrame:
        """One row of counts for this offer (aggregate, publishable after suppression)."""
        reasons = self.unmatched["reason"].value_counts()
        row = {
            "offer_id": self.offer_id,
            "method": self.method,
            "n_participants": self.n_participants,
            "n_matched": self.n_matched,
            "n_unmatched": int(len(self.unmatched)),
            "n_controls": self.n_controls,
            "ess_controls": self.ess_controls,
            "n_candidate_rows": self.n_candidate_rows,
            "balance_passed": self.balance_passed,
            "max_abs_smd_after": float(self.balance["smd_after"].abs().max())
            if len(self.balance)
            else np.nan,
        }
        for reason, n in reasons.items():
            row[f"unmatched_{reason}"] = int(n)
        if self.support is not None:
            row["caliper"] = self.support.caliper
            row["share_treated_in_support"] = self.support.share_treated_in_support
        return pd.DataFrame([row])

    def summary(self) -> str:
        worst = (
            self.balance.loc[self.balance["smd_after"].abs().idxmax()]
            if len(self.balance)
            else None
        )
        lines = [
            f"Matching for offer {self.offer_id!r} ({self.method})",
            f"  participants {self.n_participants}, matched {self.n_matched}, "
            f"unmatched {len(self.unmatched)}",
            f"  distinct controls {self.n_controls}, effective sample size {self.ess_controls:.1f}",
        ]
        if worst is not None:
            verdict = "passed" if self.balance_passed else "FAILED"
            lines.append(
                f"  balance {verdict}; largest |SMD| after {abs(worst['smd_after']):.3f} "
                f"({worst['covariate']}, before {worst['smd_before']:.3f})"
            )
        return "\n".join(lines)

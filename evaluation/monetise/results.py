"""Results of the monetisation: the value of an offer, the payment owed under a results
contract, and the offer portfolio; ``tidy()`` frames are ``value.parquet``."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from evaluation.monetise.config import ContractTerms, ValuationSettings
from evaluation.monetise.data import HeadlineEffect
from evaluation.schema import core_columns

ALL = "all"
DKK = "DKK"
DKK_PP = "DKK per participant"
MONTHS = "months"
RATIO = "ratio"

TIDY_COLUMNS: tuple[str, ...] = core_columns("value")
"""The columns of :meth:`OfferValue.tidy` and :meth:`PaymentResult.tidy` (``value.parquet``)."""

PERSONS = "persons"


@dataclass(frozen=True)
class Estimate:
    """A value with its interval (NaN where not defined; ``note`` says why)."""

    value: float
    ci_low: float
    ci_high: float
    note: str = ""


@dataclass(frozen=True)
class ValueRow:
    measure: str
    payer: str
    scenario: str
    estimate: Estimate
    unit: str
    horizon_months: int
    extrapolation: str
    discount_rate: float


@dataclass(frozen=True)
class PaymentRow:
    measure: str
    payer: str
    scenario: str
    estimate: Estimate
    unit: str


@dataclass(frozen=True, eq=False)
class OfferValue:
    """The value of one offer: central values with intervals, by payer, and the
    sensitivity scenarios. ``tidy()`` is the ``value.parquet`` frame."""

    offer_id: str
    participants: int
    cost_per_participant_dkk: float
    price_year: int
    settings: ValuationSettings
    headline: HeadlineEffect
    months_observed: int
    rows: tuple[ValueRow, ...]
    monthly: pd.DataFrame  # central scenario: cumulative discounted savings by month, payer
    notes: tuple[str, ...]

    def get(self, measure: str, payer: str = ALL, scenario: str = "central") -> Estimate:
        for r in self.rows:
            if (r.measure, r.payer, r.scenario) == (measure, payer, scenario):
                return r.estimate
        raise KeyError((measure, payer, scenario))

    @property
    def payers(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(r.payer for r in self.rows))

    @property
    def scenarios(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(r.scenario for r in self.rows))

    @property
    def savings_per_participant(self) -> Estimate:
        return self.get("savings_per_participant")

    @property
    def net_value_per_participant(self) -> Estimate:
        return self.get("net_value_per_participant")

    @property
    def total_net_value(self) -> Estimate:
        return self.get("total_net_value")

    @property
    def return_per_krone(self) -> Estimate:
        return self.get("return_per_krone")

    @property
    def break_even_month(self) -> int | None:
        v = self.get("break_even_month").value
        return int(v) if np.isfinite(v) else None

    @property
    def price_per_extra_self_sufficient(self) -> Estimate:
        return self.get("price_per_extra_self_sufficient")

    def tidy(self) -> pd.DataFrame:
        """One row per measure x payer x scenario (columns :data:`TIDY_COLUMNS`)."""
        return _tidy(
            self.offer_id,
            self.rows,
            horizon_months=np.array([r.horizon_months for r in self.rows], dtype="int64"),
            extrapolation=[r.extrapolation for r in self.rows],
            discount_rate=[r.discount_rate for r in self.rows],
            price_year=pd.array([self.price_year] * len(self.rows), dtype="Int64"),
        )

    def sensitivity(
        self, measure: str = "net_value_per_participant", payer: str = ALL
    ) -> pd.DataFrame:
        """The sensitivity table of one measure: one row per scenario."""
        t = self.tidy()
        t = t[(t["measure"] == measure) & (t["payer"] == payer)]
        return t[["scenario", "value", "ci_low", "ci_high", "horizon_months", "extrapolation"]]

    def summary(self) -> str:
        s, net = self.savings_per_participant, self.net_value_per_participant
        ppe = self.price_per_extra_self_sufficient
        be = self.break_even_month
        lines = [
            f"Value of offer {self.offer_id!r} over {self.settings.horizon_months} months "
            f"({self.price_year} prices, discount rate {self.settings.discount_rate:.1%}, "
            f"{self.settings.level:.0%} intervals)",
            f"  extrapolation: {self.settings.extrapolation.describe()} "
            f"({self.months_observed} months observed)",
            f"  savings per participant {s.value:,.0f} DKK ({s.ci_low:,.0f} to {s.ci_high:,.0f})",
            f"  net value per participant {net.value:,.0f} DKK "
            f"({net.ci_low:,.0f} to {net.ci_high:,.0f})",
            f"  break-even month: {be if be is not None else 'not within the horizon'}",
            f"  price per extra self-sufficient citizen: {ppe.value:,.0f} DKK "
            f"({ppe.ci_low:,.0f} to {ppe.ci_high:,.0f}){' - ' + ppe.note if ppe.note else ''}",
        ]
        for p in self.payers:
            if p != ALL:
                e = self.get("net_value_per_participant", p)
                lines.append(f"  net value for {p}: {e.value:,.0f} DKK per participant")
        lines += [f"  note: {n}" for n in self.notes]
        return "\n".join(lines)


@dataclass(frozen=True, eq=False)
class PaymentResult:
    """What is owed under the measured effect, with its interval and bounds."""

    offer_id: str
    terms: ContractTerms
    participants: int
    months_observed: int
    level: float
    rows: tuple[PaymentRow, ...]
    notes: tuple[str, ...]

    def get(self, measure: str, scenario: str = "central") -> Estimate:
        for r in self.rows:
            if (r.measure, r.scenario) == (measure, scenario):
                return r.estimate
        raise KeyError((measure, scenario))

    @property
    def owed(self) -> Estimate:
        return self.get("payment_owed")

    @property
    def minimum_met(self) -> bool:
        e = self.get("measured_effect")
        return bool(np.isfinite(e.value) and e.value >= self.terms.minimum_effect)

    def tidy(self) -> pd.DataFrame:
        """Rows with the same columns as ``OfferValue.tidy()`` (not discounted: NaN)."""
        return _tidy(
            self.offer_id,
            self.rows,
            horizon_months=np.int64(self.terms.horizon_months),
            extrapolation="none",
            discount_rate=np.nan,
            price_year=pd.array([None] * len(self.rows), dtype="Int64"),
        )

    def summary(self) -> str:
        o = self.owed
        lo, hi = self.get("payment_owed", "effect_low"), self.get("payment_owed", "effect_high")
        lines = [
            f"Results-based payment for {self.offer_id!r} ({self.terms.outcome}, "
            f"{self.months_observed} of {self.terms.horizon_months} months observed)",
            f"  owed {o.value:,.0f} DKK; at the effect's interval bounds "
            f"{lo.value:,.0f} to {hi.value:,.0f} DKK",
            f"  minimum effect {self.terms.minimum_effect:g} "
            f"{'met' if self.minimum_met else 'NOT met'}",
        ]
        return "\n".join(lines + [f"  note: {n}" for n in self.notes])


_STR_COLUMNS = ("offer_id", "measure", "payer", "scenario", "unit", "extrapolation", "note")


def _tidy(offer_id: str, rows: Sequence[ValueRow | PaymentRow], **settings: object) -> pd.DataFrame:
    """The ``value.parquet`` frame of ``rows``; ``settings``: the columns horizon_months,
    extrapolation, discount_rate and price_year (one value or one per row)."""
    frame = pd.DataFrame(
        {
            "offer_id": offer_id,
            "measure": [r.measure for r in rows],
            "payer": [r.payer for r in rows],
            "scenario": [r.scenario for r in rows],
            "value": [r.estimate.value for r in rows],
            "ci_low": [r.estimate.ci_low for r in rows],
            "ci_high": [r.estimate.ci_high for r in rows],
            "unit": [r.unit for r in rows],
            **settings,
            "note": [r.estimate.note for r in rows],
        },
        columns=list(TIDY_COLUMNS),
    )
    for col in _STR_COLUMNS:
        frame[col] = frame[col].astype("str")
    return frame


# -- the portfolio ---------------------------------------------------------------------------


def portfolio_row(value: OfferValue, *, evidence_stars: int | None = None) -> dict[str, object]:
    """One offer's line in the offer portfolio (tilbudsvifte)."""
    eff = value.get("self_sufficiency_effect")
    ppe = value.price_per_extra_self_sufficient
    net = value.net_value_per_participant
    ret = value.return_per_krone
    be = value.get("break_even_month")
    return {
        "offer_id": value.offer_id,
        "participants": value.participants,
        "cost_per_participant_dkk": value.cost_per_participant_dkk,
        "effect": eff.value,
        "effect_ci_low": eff.ci_low,
        "effect_ci_high": eff.ci_high,
        "price_per_extra_self_sufficient_dkk": ppe.value,
        "price_ci_low": ppe.ci_low,
        "price_ci_high": ppe.ci_high,
        "net_value_per_participant_dkk": net.value,
        "net_value_ci_low": net.ci_low,
        "net_value_ci_high": net.ci_high,
        "return_per_krone": ret.value,
        "break_even_month": be.value,
        "evidence_stars": evidence_stars,
        "horizon_months": value.settings.horizon_months,
        "extrapolation": value.settings.extrapolation.label(),
        "discount_rate": value.settings.discount_rate,
        "price_year": value.price_year,
        "note": ppe.note,
    }


def portfolio_frame(
    values: Sequence[OfferValue], evidence_stars: Mapping[str, int | None] | None = None
) -> pd.DataFrame:
    """One row per offer (see :func:`portfolio_row`); ``evidence_stars`` by offer_id."""
    stars = evidence_stars or {}
    rows = [portfolio_row(v, evidence_stars=stars.get(v.offer_id)) for v in values]
    frame = pd.DataFrame(rows)
    if len(frame):
        frame["evidence_stars"] = frame["evidence_stars"].astype("Int64")
    return frame

"""Monetisation: the measured extra effect in DKK, by payer, and results-based payment.

* :mod:`.catalogue` - unit prices by status and payer, price-index conversion;
* :mod:`.extrapolation` - registry of rules continuing an effect beyond the data;
* :mod:`.value` - savings, net value, return per krone, break-even, price per extra
  self-sufficient citizen, with intervals and a sensitivity table; the offer portfolio;
* :mod:`.payments` - what a results contract owes under the measured effect.
"""

from evaluation.monetise.catalogue import PAYERS, Payer, PriceCatalogue, PriceIndex, UnitPrice
from evaluation.monetise.extrapolation import EXTRAPOLATIONS, Extrapolation, ExtrapolationRule
from evaluation.monetise.payments import ContractTerms, PaymentResult, payment_owed
from evaluation.monetise.value import (
    TIDY_COLUMNS,
    EffectPath,
    Estimate,
    HeadlineEffect,
    OfferValue,
    ValuationSettings,
    portfolio_frame,
    portfolio_row,
    value_offer,
)

__all__ = [
    "EXTRAPOLATIONS",
    "PAYERS",
    "TIDY_COLUMNS",
    "ContractTerms",
    "EffectPath",
    "Estimate",
    "Extrapolation",
    "ExtrapolationRule",
    "HeadlineEffect",
    "OfferValue",
    "Payer",
    "PaymentResult",
    "PriceCatalogue",
    "PriceIndex",
    "UnitPrice",
    "ValuationSettings",
    "payment_owed",
    "portfolio_frame",
    "portfolio_row",
    "value_offer",
]

"""Monetisation: the measured extra effect in DKK, by payer, and results-based payment.

* :mod:`.config` - :class:`ValuationSettings` (horizon, discounting, extrapolation,
  sensitivity) and a results contract's :class:`ContractTerms`;
* :mod:`.catalogue` - unit prices by status and payer, price-index conversion;
* :mod:`.data` - the inputs: effect paths on public cost (:class:`EffectPath`) and the
  headline effect on self-sufficiency (:class:`HeadlineEffect`);
* :mod:`.extrapolation` - the registry of rules continuing an effect beyond the data;
* :mod:`.model` - :func:`value_offer`: savings, net value, return per krone, break-even,
  price per extra self-sufficient citizen, with intervals and sensitivity scenarios;
* :mod:`.payments` - :func:`payment_owed`: what a results contract owes under the
  measured effect;
* :mod:`.contract` - :func:`investor_view`: the investor's view of a results contract
  (monthly cash flows, multiple, IRR, the municipality's net, loss probabilities across
  the effect's sampling distribution; ``tidy()`` is ``contract.parquet``);
* :mod:`.results` - :class:`OfferValue`, :class:`PaymentResult` (``tidy()`` frames are
  ``value.parquet``) and the offer portfolio (:func:`portfolio_row`).
"""

from evaluation.monetise.catalogue import PAYERS, Payer, PriceCatalogue, PriceIndex, UnitPrice
from evaluation.monetise.config import ContractTerms, ValuationSettings
from evaluation.monetise.data import EffectPath, HeadlineEffect
from evaluation.monetise.extrapolation import EXTRAPOLATIONS, Extrapolation, ExtrapolationRule
from evaluation.monetise.model import value_offer
from evaluation.monetise.payments import payment_owed
from evaluation.monetise.results import (
    TIDY_COLUMNS,
    Estimate,
    OfferValue,
    PaymentResult,
    portfolio_frame,
    portfolio_row,
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

"""The E-value (VanderWeele & Ding 2017, Ann. Intern. Med. 167:268) on the risk-ratio scale,
for a binary outcome such as self-sufficiency.

An unmeasured confounder U that makes participation RR_EU times more likely (exposure-
confounder risk ratio) and the outcome RR_UD times more likely (confounder-outcome risk
ratio) can move an observed risk ratio by at most the joint bounding factor

    B(RR_EU, RR_UD) = RR_EU RR_UD / (RR_EU + RR_UD - 1)          (Ding & VanderWeele 2016).

To explain an observed RR > 1 away, B >= RR is needed. The E-value is the smallest common
value E = RR_EU = RR_UD with B(E, E) = RR:  E = RR + sqrt(RR (RR - 1)); for RR < 1 the
same formula applies to 1/RR. The E-value of the interval is that of the bound nearest
the null (1 if the interval contains 1).

The report's sentence "En skjult faktor skulle gøre deltagelse X gange mere sandsynlig og
selvforsørgelse Y gange mere sandsynlig for at forklare effekten væk" takes X = RR_EU
and Y = RR_UD on the curve B(X, Y) = RR; the symmetric point X = Y = E (the E-value)
is the one reported (:meth:`EValue.sentence_inputs`). Any other pair on the curve works:
for a chosen X > RR, Y = RR (X - 1) / (X - RR) (:func:`outcome_strength_needed`).

The risk ratio of the participants. The evaluation estimates the effect τ on the share
in the outcome among participants (an ATT, a difference in shares). With p1 the
participants' observed share over the same months, their counterfactual share without the
offer is p1 - τ, so RR = p1 / (p1 - τ) (:func:`risk_ratio_from_effect`); the interval maps
τ's bounds with p1 held fixed (p1 is observed; τ's standard error carries the comparison's
uncertainty). With the two groups' shares directly (participants p1, their counterfactual
or the matched controls p0) it is RR = p1 / p0 (:func:`risk_ratio_from_shares`). The
risk ratio is used as it is, whatever the outcome's prevalence: no odds-ratio conversion
is involved.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np


def e_value_of(rr: float) -> float:
    """E-value of a risk ratio (RR and 1/RR give the same value; 1 at the null)."""
    if not (np.isfinite(rr) and rr > 0):
        return np.nan
    r = rr if rr >= 1 else 1 / rr
    return float(r + math.sqrt(r * (r - 1)))


def bounding_factor(rr_eu: float, rr_ud: float) -> float:
    """B = RR_EU RR_UD / (RR_EU + RR_UD - 1): the largest factor by which such a
    confounder can move a risk ratio."""
    return rr_eu * rr_ud / (rr_eu + rr_ud - 1)


def outcome_strength_needed(rr: float, rr_eu: float) -> float:
    """The RR_UD a confounder with participation ratio ``rr_eu`` needs to explain ``rr``
    away (inf when rr_eu <= RR: no confounder that weak can)."""
    r = rr if rr >= 1 else 1 / rr
    if rr_eu <= r:
        return np.inf
    return float(r * (rr_eu - 1) / (rr_eu - r))


def risk_ratio_from_shares(p1: float, p0: float) -> float:
    """RR = p1 / p0 for outcome shares p1 (participants) and p0 (without the offer)."""
    if not (0 < p0 <= 1 and 0 <= p1 <= 1):
        raise ValueError("shares must lie in [0, 1] and p0 above 0")
    return p1 / p0


def risk_ratio_from_effect(effect: float, participants_share: float) -> float:
    """RR = p1 / (p1 - τ): participants' observed share p1 over their counterfactual
    (inf when p1 - τ <= 0)."""
    if not 0 <= participants_share <= 1:
        raise ValueError("the participants' share must lie in [0, 1]")
    base = participants_share - effect
    return float(participants_share / base) if base > 0 else np.inf


@dataclass(frozen=True)
class EValue:
    """E-values of a risk ratio and of its interval's bound nearest the null."""

    risk_ratio: float
    rr_ci_low: float
    rr_ci_high: float
    e_value: float  # of the point estimate
    e_value_ci: float  # of the bound nearest 1 (1 if the interval contains 1)

    def sentence_inputs(self) -> tuple[float, float]:
        """(X, Y) for "deltagelse X gange ... selvforsørgelse Y gange": X = Y = E."""
        return self.e_value, self.e_value


def e_value(rr: float, ci_low: float = np.nan, ci_high: float = np.nan) -> EValue:
    """E-values of ``rr`` and of its interval [ci_low, ci_high] (NaN bounds: no interval)."""
    if not (np.isfinite(rr) and rr > 0):
        return EValue(rr, ci_low, ci_high, np.nan, np.nan)
    if rr >= 1:
        bound = ci_low
        ci = 1.0 if np.isfinite(bound) and bound <= 1 else e_value_of(bound)
    else:
        bound = ci_high
        ci = 1.0 if np.isfinite(bound) and bound >= 1 else e_value_of(bound)
    if not np.isfinite(bound):
        ci = np.nan
    return EValue(float(rr), float(ci_low), float(ci_high), e_value_of(rr), ci)


def e_value_from_effect(
    effect: float, ci_low: float, ci_high: float, participants_share: float
) -> EValue:
    """E-values of an effect on a share (see the module docstring for the conversion)."""
    p1 = participants_share
    rr = [risk_ratio_from_effect(t, p1) for t in (effect, ci_low, ci_high)]
    lo, hi = sorted(rr[1:])
    return e_value(rr[0], lo, hi)

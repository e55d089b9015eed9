"""Results-based payment (resultatbetaling): what the authority owes under the measured
extra effect, by the contract's terms.

From the effect path on the contract's outcome (e.g. self-sufficiency, ATT(e) as a share
of participants) with covariance Σ, for ``N`` participants:

    extra outcome months  X = N * sum_{e=0}^{m-1} ATT(e)   (m = observed months within the
                                                            contract horizon)
    measured effect       θ = mean ATT(e) over the headline window (default), or
                              ATT(measurement_month)
    extra participants    R = N * θ
    uncapped amount       L = per_extra_outcome_month_dkk * X
                              + per_participant_reaching_outcome_dkk * R
    owed                  P = 0                       if θ < minimum_effect
                              min(max(L, 0), cap)     otherwise

Payments are for the *extra* effect beyond the control group, never negative (a negative
effect owes nothing, it does not make the provider pay back), not discounted, and only on
months already observed: when the horizon reaches beyond the data the payment so far
covers the observed months and a note says so.

Uncertainty: X, R and L are linear in the path, so their intervals use ``g' Σ g``. P is a
non-decreasing function of (L, θ) when the rates are non-negative, so its interval is
P evaluated at the lower bounds (L_lo, θ_lo) and at the upper bounds (L_hi, θ_hi): the
scenarios ``effect_low`` and ``effect_high``. These are pointwise bounds of each input,
not a joint confidence statement, which the note of the result repeats.
"""

from __future__ import annotations

import math

import numpy as np

from evaluation.monetise.config import ContractTerms
from evaluation.monetise.data import EffectPath, EffectPathLike
from evaluation.monetise.model import two_sided_z
from evaluation.monetise.results import (
    DKK,
    DKK_PP,
    MONTHS,
    PERSONS,
    RATIO,
    Estimate,
    PaymentResult,
    PaymentRow,
)


def payment_owed(
    terms: ContractTerms,
    outcome_effect: EffectPathLike,
    *,
    participants: int,
    headline_window: tuple[int, int] = (0, 11),
    level: float = 0.95,
    offer_id: str = "",
) -> PaymentResult:
    """What the authority owes under ``terms`` for the measured ``outcome_effect``."""
    if participants < 0:
        raise ValueError("participants must be non-negative")
    b, cov = EffectPath.of(outcome_effect).observed()
    n_obs = len(b)
    m = min(n_obs, terms.horizon_months)
    notes: list[str] = []
    if m < terms.horizon_months:
        notes.append(
            f"only months 0..{m - 1} of the {terms.horizon_months}-month horizon are observed: "
            "the payment so far covers those months"
            if m
            else "no observed month after the start: nothing can be paid yet"
        )
    g_months = np.zeros(n_obs)
    g_months[:m] = participants
    g_theta, theta_note = _theta_weights(terms, headline_window, n_obs)
    if theta_note:
        notes.append(theta_note)
    g_pay = (
        terms.per_extra_outcome_month_dkk * g_months
        + terms.per_participant_reaching_outcome_dkk * participants * g_theta
    )
    z = two_sided_z(level)
    months_est = _lin(g_months, b, cov, z, ok=m > 0)
    theta = _lin(g_theta, b, cov, z, ok=bool(g_theta.any()))
    uncapped = _lin(g_pay, b, cov, z, ok=m > 0 or bool(g_theta.any()))
    rows = _rows(terms, participants, months_est, theta, uncapped)
    if np.isfinite(theta.value) and theta.value < terms.minimum_effect:
        notes.append(
            f"measured effect {theta.value:.4f} is below the minimum {terms.minimum_effect:g}: "
            "nothing is owed"
        )
    if terms.cap_dkk is not None and np.isfinite(uncapped.value) and uncapped.value > terms.cap_dkk:
        notes.append(f"the cap of {terms.cap_dkk:,.0f} DKK applies")
    return PaymentResult(
        offer_id=offer_id,
        terms=terms,
        participants=int(participants),
        months_observed=n_obs,
        level=level,
        rows=tuple(rows),
        notes=tuple(notes),
    )


def _rows(
    terms: ContractTerms,
    participants: int,
    months_est: Estimate,
    theta: Estimate,
    uncapped: Estimate,
) -> list[PaymentRow]:
    """The result's rows: the linear measures and the amount owed (P at the estimates
    and at the pointwise bounds of L and θ)."""
    reach = Estimate(*(participants * x for x in (theta.value, theta.ci_low, theta.ci_high)))
    owed_c = terms.owed(uncapped.value, theta.value)
    owed_lo = terms.owed(uncapped.ci_low, theta.ci_low)
    owed_hi = terms.owed(uncapped.ci_high, theta.ci_high)
    bound_note = "interval: payment at the pointwise bounds of the effect"
    owed = Estimate(owed_c, owed_lo, owed_hi, bound_note)
    per = participants if participants else np.nan
    rows = [
        PaymentRow("extra_outcome_months", "all", "central", months_est, MONTHS),
        PaymentRow("measured_effect", "all", "central", theta, RATIO),
        PaymentRow("extra_participants_reaching_outcome", "all", "central", reach, PERSONS),
        PaymentRow("payment_uncapped", "kommune", "central", uncapped, DKK),
        PaymentRow("payment_owed", "kommune", "central", owed, DKK),
        PaymentRow(
            "payment_owed_per_participant",
            "kommune",
            "central",
            Estimate(owed_c / per, owed_lo / per, owed_hi / per, bound_note),
            DKK_PP,
        ),
    ]
    for scenario, value in (("effect_low", owed_lo), ("effect_high", owed_hi)):
        rows.append(
            PaymentRow("payment_owed", "kommune", scenario, Estimate(value, np.nan, np.nan), DKK)
        )
    return rows


def _theta_weights(
    terms: ContractTerms, headline_window: tuple[int, int], n_obs: int
) -> tuple[np.ndarray, str]:
    g = np.zeros(n_obs)
    if terms.measurement_month is not None:
        if terms.measurement_month < n_obs:
            g[terms.measurement_month] = 1.0
            return g, ""
        return g, f"measurement month {terms.measurement_month} is not observed yet"
    lo, hi = headline_window
    hi = min(hi, n_obs - 1)
    if hi < lo:
        return g, "no month of the headline window is observed yet"
    g[lo : hi + 1] = 1.0 / (hi - lo + 1)
    return g, ""


def _lin(g: np.ndarray, b: np.ndarray, cov: np.ndarray, z: float, *, ok: bool) -> Estimate:
    if not ok:
        return Estimate(np.nan, np.nan, np.nan, "not observed yet")
    value = float(g @ b)
    half = z * math.sqrt(max(float(g @ cov @ g), 0.0))
    return Estimate(value, value - half, value + half)

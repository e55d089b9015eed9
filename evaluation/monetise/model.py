"""The value of an offer: its measured extra effect on public expenditure, in DKK.

Inputs
    * effect paths on public cost (``MatchedEventStudy.fit("public_cost_dkk", prices)``),
      one per payer and optionally one for all payers: the effect ``b_e`` on expenditure
      per participant-month at event month e (negative = savings), with covariance Σ;
    * the headline effect on self-sufficiency (estimate, standard error);
    * the offer's cost per participant and the number of participants.

Savings per participant over a horizon of H months (default 24, at most 120)::

    S = - sum_{e=0}^{H-1} d_e * m_e,      d_e = (1 + r) ** (-e / 12)

with ``m_e = b_e`` for the observed months (event months 0..n-1 with an estimate) and,
beyond them, the extrapolation rule's continuation (:mod:`.extrapolation`; always
reported). Month e = 0 is the start month and is not discounted; the monthly factor is
the annual rate compounded monthly, so month 12 is discounted by exactly one year. The
default r = 3.5% is the Danish Ministry of Finance's social discount rate for years 0-35
(in force since January 2021); every horizon here lies within those 35 years. The offer's
cost is paid in month 0 (not discounted), in the same price year as the prices.

Because every extrapolation rule is linear, ``m = P b`` and ``S = w'b`` with
``w = -P'd``: its variance is ``w' Σ w`` exactly. The same holds for every cumulative sum.

Measures (payer ``all`` and each payer; the cost falls on ``cost_payer``)::

    net value per participant   = S - cost                         (DKK per participant)
    total net value             = (S - cost) * participants        (DKK)
    return per krone            = S / cost                         (ratio)
    break-even month            = first e with cumulative discounted savings >= cost
    price per extra self-sufficient citizen = cost / headline effect on self-sufficiency

Intervals: linear measures use ``w' Σ w`` (the cost is a known constant). When no
all-payer path is given, the all-payer value is the sum of the payers' values and its
variance the upper bound ``(sum_p sd_p)^2`` (the payers' cross-covariances are not
known): conservative. The break-even month's interval is [first month where the upper
bound of the cumulative savings reaches the cost, first month where the lower bound
does] (pointwise bounds). The price per extra self-sufficient citizen uses Fieller's
interval, which with a known numerator is the effect's interval inverted:
[cost / upper, cost / lower]; unbounded above (inf) when the effect's interval includes
zero; NaN with a note when the estimated effect is not positive (no extra citizens, so
no price per extra citizen).

Sensitivity scenarios: ``effect_low`` / ``effect_high`` (every measure at the
pessimistic / optimistic end of its own interval), ``horizon_12/24/36``, one per
extrapolation rule, and ``prices_minus_20`` / ``prices_plus_20``. The estimator is
linear in the prices, so scaling every price by 1.2 scales the cost effects by 1.2
exactly; no refit is needed.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from evaluation.monetise.catalogue import PAYERS
from evaluation.monetise.config import ValuationSettings
from evaluation.monetise.data import EffectPath, EffectPathLike, HeadlineEffect
from evaluation.monetise.extrapolation import EXTRAPOLATIONS
from evaluation.monetise.results import (
    ALL,
    DKK,
    DKK_PP,
    MONTHS,
    RATIO,
    Estimate,
    OfferValue,
    ValueRow,
)

# measures where a lower number is better for the offer (pessimistic end = upper bound)
_LOWER_IS_BETTER = frozenset({"break_even_month", "price_per_extra_self_sufficient"})


# -- linear functionals of the cost paths -------------------------------------------------


@dataclass(frozen=True, eq=False)
class _Path:
    """Observed monthly cost effects (e = 0..n-1) of one payer, with their covariance."""

    b: np.ndarray
    cov: np.ndarray

    @property
    def n(self) -> int:
        return len(self.b)

    def linear(self, w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Value and variance of each row of ``w`` (k x n) applied to the path."""
        w = np.atleast_2d(w)
        return w @ self.b, np.einsum("ij,jk,ik->i", w, self.cov, w)


@dataclass(frozen=True, eq=False)
class _SumOfPaths:
    """All payers from the payers' paths without their cross-covariance (bound)."""

    parts: tuple[_Path, ...]

    @property
    def n(self) -> int:
        return min(p.n for p in self.parts)

    def linear(self, w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        w = np.atleast_2d(w)
        vals = [p.linear(w) for p in self.parts]
        value = sum(v for v, _ in vals)
        sd = sum(np.sqrt(np.clip(var, 0, None)) for _, var in vals)
        return value, sd**2


def _cut(path: _Path | _SumOfPaths, n: int) -> _Path | _SumOfPaths:
    if isinstance(path, _Path):
        return _Path(path.b[:n], path.cov[:n, :n])
    return _SumOfPaths(tuple(_Path(p.b[:n], p.cov[:n, :n]) for p in path.parts))


def _cumulative_savings(
    path: _Path | _SumOfPaths, settings: ValuationSettings, scale: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Cumulative discounted savings per participant after each month e = 0..H-1:
    (value, variance, monthly undiscounted effect m_e). Savings = minus cost effect."""
    h = settings.horizon_months
    p = settings.extrapolation.matrix(path.n, h)  # H x n
    d = settings.discount_factors(h)
    w_cum = -scale * np.cumsum(d[:, None] * p, axis=0)
    if path.n == 0:
        return np.full(h, np.nan), np.full(h, np.nan), np.full(h, np.nan)
    value, var = path.linear(w_cum)
    return value, np.clip(var, 0, None), scale * path.linear(p)[0]


# -- one valuation under one set of settings -------------------------------------------


@dataclass(frozen=True, eq=False)
class _Inputs:
    offer_id: str
    paths: Mapping[str, _Path | _SumOfPaths]  # "all" first, then payers
    headline: HeadlineEffect
    cost: float
    participants: int
    price_year: int


def two_sided_z(level: float) -> float:
    """The normal quantile of a two-sided interval at ``level``."""
    from scipy import stats  # heavy: imported when valuing, not when reading a config

    return float(stats.norm.ppf(1 - (1 - level) / 2))


def _linear_estimate(value: float, var: float, z: float, note: str = "") -> Estimate:
    if not np.isfinite(value):
        return Estimate(np.nan, np.nan, np.nan, note)
    half = z * math.sqrt(max(var, 0.0))
    return Estimate(float(value), float(value - half), float(value + half), note)


def _first_reaching(cum: np.ndarray, target: float) -> float:
    hit = np.flatnonzero(cum >= target - 1e-9 * max(1.0, abs(target)))
    return float(hit[0]) if len(hit) else np.nan


def break_even(cum_savings: np.ndarray, cum_var: np.ndarray, cost: float, *, z: float) -> Estimate:
    """First event month whose cumulative discounted savings reach ``cost``; interval from
    the pointwise bounds of the cumulative savings (NaN: not within the horizon)."""
    if not np.isfinite(cum_savings).all():
        return Estimate(np.nan, np.nan, np.nan, "no observed months after the start")
    sd = np.sqrt(cum_var)
    value = _first_reaching(cum_savings, cost)
    early = _first_reaching(cum_savings + z * sd, cost)
    late = _first_reaching(cum_savings - z * sd, cost)
    h = len(cum_savings)
    note = "" if np.isfinite(value) else f"savings do not cover the cost within {h} months"
    if np.isfinite(value) and not np.isfinite(late):
        note = f"the lower bound of the savings does not cover the cost within {h} months"
    return Estimate(value, early, late if np.isfinite(late) else np.inf, note)


def price_per_extra(cost: float, effect: float, std_error: float, *, z: float) -> Estimate:
    """cost / effect with Fieller's interval (the effect's interval inverted)."""
    if not (np.isfinite(effect) and effect > 0):
        return Estimate(
            np.nan,
            np.nan,
            np.nan,
            "effect on self-sufficiency is not positive: no extra self-sufficient citizens "
            "to price",
        )
    lo, hi = effect - z * std_error, effect + z * std_error
    if lo > 0:
        return Estimate(cost / effect, cost / hi, cost / lo)
    return Estimate(
        cost / effect,
        cost / hi,
        np.inf,
        "the effect's interval includes zero: the price has no upper bound",
    )


def _ratio(value: Estimate, cost: float) -> Estimate:
    if cost <= 0:
        return Estimate(np.nan, np.nan, np.nan, "cost is zero: return per krone undefined")
    return Estimate(value.value / cost, value.ci_low / cost, value.ci_high / cost, value.note)


def _evaluate(
    inp: _Inputs, settings: ValuationSettings, scenario: str, scale: float
) -> tuple[list[ValueRow], pd.DataFrame]:
    z = two_sided_z(settings.level)
    h = settings.horizon_months
    ext = settings.extrapolation.label()
    rows: list[ValueRow] = []

    def add(measure: str, payer: str, est: Estimate, unit: str) -> None:
        rows.append(ValueRow(measure, payer, scenario, est, unit, h, ext, settings.discount_rate))

    frames = []
    for payer, path in inp.paths.items():
        cum, var, monthly = _cumulative_savings(path, settings, scale)
        no_obs = "" if path.n else "no observed months after the start"
        savings = _linear_estimate(cum[-1], var[-1], z, no_obs)
        cost = inp.cost if payer in (ALL, settings.cost_payer) else 0.0
        net = dataclasses.replace(
            savings,
            value=savings.value - cost,
            ci_low=savings.ci_low - cost,
            ci_high=savings.ci_high - cost,
        )
        n = inp.participants
        add("savings_per_participant", payer, savings, DKK_PP)
        add("cost_per_participant", payer, Estimate(cost, cost, cost), DKK_PP)
        add("net_value_per_participant", payer, net, DKK_PP)
        add("total_savings", payer, _scaled(savings, n), DKK)
        add("total_net_value", payer, _scaled(net, n), DKK)
        add("return_per_krone", payer, _ratio(savings, inp.cost), RATIO)
        if payer == ALL:
            add("break_even_month", ALL, break_even(cum, var, inp.cost, z=z), MONTHS)
        frames.append(_monthly_frame(payer, path.n, cum, var, monthly, settings, z))
    he = inp.headline
    add(
        "self_sufficiency_effect",
        ALL,
        _linear_estimate(he.estimate, he.std_error**2, z),
        RATIO,
    )
    add(
        "price_per_extra_self_sufficient",
        ALL,
        price_per_extra(inp.cost, he.estimate, he.std_error, z=z),
        DKK,
    )
    return rows, pd.concat(frames, ignore_index=True)


def _scaled(est: Estimate, k: float) -> Estimate:
    return Estimate(est.value * k, est.ci_low * k, est.ci_high * k, est.note)


def _monthly_frame(
    payer: str,
    n_obs: int,
    cum: np.ndarray,
    var: np.ndarray,
    monthly: np.ndarray,
    settings: ValuationSettings,
    z: float,
) -> pd.DataFrame:
    h = settings.horizon_months
    e = np.arange(h)
    sd = np.sqrt(var)
    return pd.DataFrame(
        {
            "payer": payer,
            "event_time": e,
            "source": np.where(e < n_obs, "observed", "extrapolated"),
            "cost_effect_dkk": monthly,
            "discount_factor": settings.discount_factors(h),
            "cumulative_discounted_savings_dkk": cum,
            "ci_low": cum - z * sd,
            "ci_high": cum + z * sd,
        }
    )


def value_offer(
    offer_id: str,
    cost_effects: Mapping[str, EffectPathLike],
    headline: HeadlineEffect,
    *,
    cost_per_participant_dkk: float,
    participants: int,
    price_year: int,
    settings: ValuationSettings = ValuationSettings(),
    sensitivity: bool = True,
) -> OfferValue:
    """Value one offer (see the module docstring for every formula).

    ``cost_effects`` maps ``"all"`` and/or payers (``"kommune"``, ``"stat"``,
    ``"region"``) to effect paths on public cost per participant-month in ``price_year``
    prices (negative = savings). Give ``"all"`` (one more fit with the all-payer prices)
    for an exact all-payer interval; without it the interval is a conservative bound.
    """
    inp, notes = _inputs(
        offer_id, cost_effects, headline, cost_per_participant_dkk, participants, price_year
    )
    n_obs = inp.paths[ALL].n
    h = settings.horizon_months
    if 0 < n_obs < h:
        notes.append(
            f"months {n_obs}..{h - 1} of the horizon were not observed: "
            f"{settings.extrapolation.describe()}"
        )
    rows, monthly = _evaluate(inp, settings, "central", 1.0)
    if sensitivity:
        rows += _sensitivity(inp, settings, rows)
    return OfferValue(
        offer_id=offer_id,
        participants=inp.participants,
        cost_per_participant_dkk=inp.cost,
        price_year=price_year,
        settings=settings,
        headline=headline,
        months_observed=n_obs,
        rows=tuple(rows),
        monthly=monthly,
        notes=tuple(notes),
    )


def _inputs(
    offer_id: str,
    cost_effects: Mapping[str, EffectPathLike],
    headline: HeadlineEffect,
    cost: float,
    participants: int,
    price_year: int,
) -> tuple[_Inputs, list[str]]:
    unknown = set(cost_effects) - {ALL, *PAYERS}
    if unknown or not cost_effects:
        raise ValueError(
            f"cost_effects keys must be among {(ALL, *PAYERS)}; got {sorted(cost_effects)}"
        )
    if not (math.isfinite(cost) and cost >= 0):
        raise ValueError("cost_per_participant_dkk must be a non-negative number")
    if participants < 0:
        raise ValueError("participants must be non-negative")
    notes: list[str] = []
    payer_paths = {
        p: _Path(*EffectPath.of(cost_effects[p]).observed()) for p in PAYERS if p in cost_effects
    }
    if ALL in cost_effects:
        total: _Path | _SumOfPaths = _Path(*EffectPath.of(cost_effects[ALL]).observed())
    else:
        total = _SumOfPaths(tuple(payer_paths.values()))
        total = _cut(total, total.n)
        notes.append(
            "no all-payer cost path given: the all-payer interval is the conservative bound "
            "(sum of the payers' standard errors)"
        )
    paths: dict[str, _Path | _SumOfPaths] = {ALL: total, **payer_paths}
    if total.n == 0:
        notes.append("no observed month after the start: values cannot be computed yet")
    inp = _Inputs(offer_id, paths, headline, float(cost), int(participants), int(price_year))
    return inp, notes


def _sensitivity(
    inp: _Inputs, settings: ValuationSettings, central: list[ValueRow]
) -> list[ValueRow]:
    rows: list[ValueRow] = []
    for scenario, pick in (("effect_low", "low"), ("effect_high", "high")):
        for r in central:
            rows.append(dataclasses.replace(r, scenario=scenario, estimate=_bound(r, pick)))
    for h in settings.sensitivity_horizons:
        s = dataclasses.replace(settings, horizon_months=h)
        rows += _evaluate(inp, s, f"horizon_{h}", 1.0)[0]
    for rule in EXTRAPOLATIONS:
        s = dataclasses.replace(
            settings, extrapolation=dataclasses.replace(settings.extrapolation, rule=rule)
        )
        rows += _evaluate(inp, s, f"extrapolation_{rule}", 1.0)[0]
    for shift in settings.price_shifts:
        name = f"prices_{'plus' if shift > 0 else 'minus'}_{round(abs(shift) * 100)}"
        rows += _evaluate(inp, settings, name, 1.0 + shift)[0]
    return rows


def _bound(row: ValueRow, pick: str) -> Estimate:
    """The pessimistic ('low') or optimistic ('high') end of a central row's interval."""
    e = row.estimate
    pessimistic_is_high = row.measure in _LOWER_IS_BETTER
    use_high = (pick == "high") != pessimistic_is_high
    value = e.ci_high if use_high else e.ci_low
    return Estimate(value, np.nan, np.nan, e.note)

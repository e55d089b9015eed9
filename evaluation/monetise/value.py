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
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np
import pandas as pd
from scipy import stats

from evaluation.monetise.catalogue import PAYERS, Payer
from evaluation.monetise.extrapolation import EXTRAPOLATIONS, Extrapolation

MAX_HORIZON_MONTHS = 120
ALL = "all"
DKK = "DKK"
DKK_PP = "DKK per participant"
MONTHS = "months"
RATIO = "ratio"

TIDY_COLUMNS: tuple[str, ...] = (
    "offer_id",
    "measure",
    "payer",
    "scenario",
    "value",
    "ci_low",
    "ci_high",
    "unit",
    "horizon_months",
    "extrapolation",
    "discount_rate",
    "price_year",
    "note",
)

# measures where a lower number is better for the offer (pessimistic end = upper bound)
_LOWER_IS_BETTER = frozenset({"break_even_month", "price_per_extra_self_sufficient"})


class EffectPathLike(Protocol):
    """What the valuation needs from an effect path (``EventStudyResult`` has it)."""

    event_times: np.ndarray
    estimates: np.ndarray
    cov: np.ndarray


@dataclass(frozen=True, eq=False)
class EffectPath:
    """Monthly effects by event month with their covariance."""

    event_times: np.ndarray
    estimates: np.ndarray
    cov: np.ndarray

    def __post_init__(self) -> None:
        e = np.asarray(self.event_times, dtype=np.int64)
        b = np.asarray(self.estimates, dtype=np.float64)
        c = np.asarray(self.cov, dtype=np.float64)
        if e.ndim != 1 or b.shape != e.shape or c.shape != (len(e), len(e)):
            raise ValueError("event_times, estimates (n) and cov (n x n) do not match")
        object.__setattr__(self, "event_times", e)
        object.__setattr__(self, "estimates", b)
        object.__setattr__(self, "cov", c)

    @classmethod
    def of(cls, path: EffectPathLike) -> EffectPath:
        return cls(path.event_times, path.estimates, path.cov)

    def observed(self) -> tuple[np.ndarray, np.ndarray]:
        """Estimates and covariance of event months 0, 1, ..., n-1: the longest run from
        the start month on with a finite estimate and variance (a gap ends the run)."""
        n = 0
        while True:
            hit = np.flatnonzero(self.event_times == n)
            if len(hit) == 0:
                break
            j = hit[0]
            if not (np.isfinite(self.estimates[j]) and np.isfinite(self.cov[j, j])):
                break
            n += 1
        idx = np.array([np.flatnonzero(self.event_times == e)[0] for e in range(n)], dtype=int)
        cov = np.nan_to_num(self.cov[np.ix_(idx, idx)])
        return self.estimates[idx], cov


@dataclass(frozen=True)
class HeadlineEffect:
    """The headline effect on self-sufficiency (share of participants, per month)."""

    estimate: float
    std_error: float

    @classmethod
    def of(cls, result: object) -> HeadlineEffect:
        """From an ``EventStudyResult`` (its pooled estimate and standard error)."""
        return cls(float(result.pooled_estimate), float(result.pooled_std_error))  # type: ignore[attr-defined]


@dataclass(frozen=True)
class ValuationSettings:
    """How to value: horizon, extrapolation, discounting, interval level, sensitivity."""

    horizon_months: int = 24
    extrapolation: Extrapolation = field(default_factory=Extrapolation)
    discount_rate: float = 0.035
    cost_payer: Payer = "kommune"
    level: float = 0.95
    sensitivity_horizons: tuple[int, ...] = (12, 24, 36)
    price_shifts: tuple[float, ...] = (-0.2, 0.2)

    def __post_init__(self) -> None:
        for h in (self.horizon_months, *self.sensitivity_horizons):
            if not 1 <= h <= MAX_HORIZON_MONTHS:
                raise ValueError(f"horizons must be 1..{MAX_HORIZON_MONTHS} months, got {h}")
        if not (math.isfinite(self.discount_rate) and self.discount_rate > -1):
            raise ValueError("discount_rate must be a number above -1")
        if self.cost_payer not in PAYERS:
            raise ValueError(f"cost_payer must be one of {PAYERS}")
        if not 0 < self.level < 1:
            raise ValueError("level must be between 0 and 1")
        if any(s <= -1 for s in self.price_shifts):
            raise ValueError("price shifts must be above -100%")

    def discount_factors(self, horizon: int | None = None) -> np.ndarray:
        """d_e = (1 + r) ** (-e / 12) for e = 0..H-1."""
        h = self.horizon_months if horizon is None else horizon
        return (1.0 + self.discount_rate) ** (-np.arange(h) / 12.0)


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


# -- the result ------------------------------------------------------------------------------


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
        frame = pd.DataFrame(
            {
                "offer_id": self.offer_id,
                "measure": [r.measure for r in self.rows],
                "payer": [r.payer for r in self.rows],
                "scenario": [r.scenario for r in self.rows],
                "value": [r.estimate.value for r in self.rows],
                "ci_low": [r.estimate.ci_low for r in self.rows],
                "ci_high": [r.estimate.ci_high for r in self.rows],
                "unit": [r.unit for r in self.rows],
                "horizon_months": np.array([r.horizon_months for r in self.rows], dtype="int64"),
                "extrapolation": [r.extrapolation for r in self.rows],
                "discount_rate": [r.discount_rate for r in self.rows],
                "price_year": pd.array([self.price_year] * len(self.rows), dtype="Int64"),
                "note": [r.estimate.note for r in self.rows],
            },
            columns=list(TIDY_COLUMNS),
        )
        for col in ("offer_id", "measure", "payer", "scenario", "unit", "extrapolation", "note"):
            frame[col] = frame[col].astype("str")
        return frame

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

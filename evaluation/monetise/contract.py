"""The investor's view of a results contract: cash flows by month, the investor's multiple
and internal rate of return, the municipality's net, at the estimated effect and across
its sampling distribution.

Inputs (all per offer): the payment terms (:class:`ContractTerms`), the offer's cost per
participant, the number of participants starting in each calendar month, the effect path
on the contract's outcome (ATT(e) as a share of participants, e = 0, 1, ...) and the
municipality's savings path (DKK per participant and month, positive = saved; e.g. minus
the value model's cost effect for payer ``kommune``), each with its covariance, and
optionally their cross-covariance (from the same persons' cluster scores; absent, the
paths are drawn independently, which the result notes).

Cash flows in calendar month m, for the cohorts of n_s participants starting in month s
(event month e = m - s, within the contract horizon H and the observed months):

    investor outlay   C_m = cost per participant x n_m              (pre-finances the start)
    accrual           a_m = rate_month x Σ_s n_s ATT(m - s)
                          + rate_participant x Σ_s n_s θ [m - s = e*]
    paid to date      P_m = min(max(Σ_{m'<=m} a_m', 0), cap)       (0 when θ < minimum)
    payment           p_m = P_m - P_{m-1}                           (municipality -> investor)
    savings           S_m = Σ_s n_s saving(m - s)

θ is the measured effect (mean ATT over the headline window, or ATT(measurement_month))
and e* the month it is measured (the headline window's last month, or
measurement_month): the per-participant payment for reaching the outcome is paid then.
The totals equal :func:`~evaluation.monetise.payments.payment_owed`'s amount owed when
every cohort is observed over the horizon. A month whose accrual is negative after
payments began (a later cohort's lock-in) is netted against the balance: p_m < 0 means
the next invoice is that much smaller.

Investor: outlay C = Σ C_m, received P = Σ p_m, multiple P / C, monthly internal rate of
return r with Σ_m (p_m - C_m)(1 + r)^{-m} = 0 (annualised (1 + r)^12 - 1; -100% when
nothing is paid; NaN when no rate solves it). Municipality: net = Σ S_m - Σ p_m
(undiscounted, like the payments). Across draws of the paths from their joint normal
sampling distribution (seeded): P(investor loses money) = P(P < C) and P(municipality
pays more than it saves) = P(Σ p_m > Σ S_m), with intervals of each quantity from the
draws' quantiles.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import optimize

from evaluation import months as month_labels
from evaluation.monetise.config import ContractTerms
from evaluation.monetise.data import EffectPath, EffectPathLike

CONTRACT_COLUMNS: tuple[str, ...] = (
    "offer_id",
    "month",
    "quantity",
    "value",
    "ci_low",
    "ci_high",
    "unit",
    "level",
    "n_draws",
    "note",
)


@dataclass(frozen=True, eq=False)
class CashFlows:
    """Monthly flows from the first start month (index 0) on, DKK."""

    outlay: np.ndarray
    payment: np.ndarray
    savings: np.ndarray
    theta: float

    @property
    def investor_net(self) -> np.ndarray:
        return self.payment - self.outlay

    @property
    def multiple(self) -> float:
        out = self.outlay.sum()
        return float(self.payment.sum() / out) if out > 0 else np.nan

    @property
    def municipality_net(self) -> float:
        return float(self.savings.sum() - self.payment.sum())

    def irr_monthly(self) -> float:
        return irr(self.investor_net)


def irr(flows: np.ndarray) -> float:
    """Monthly internal rate of return of ``flows`` (month 0 first): -1 when nothing
    comes back; NaN when no rate in (-1, 10] sets the net present value to zero."""
    flows = np.asarray(flows, dtype=float)
    if not (flows < 0).any():
        return np.nan
    if not (flows > 0).any():
        return -1.0
    t = np.arange(len(flows))

    def npv(r: float) -> float:
        with np.errstate(over="ignore", invalid="ignore"):
            return float(np.sum(flows * np.exp(-t * np.log1p(r))))

    hi = 10.0
    # near -100% a long series overflows: start from the lowest rate with a finite value
    for lo in (-0.999999, -0.9999, -0.999, -0.99, -0.9, -0.5):
        if np.isfinite(npv(lo)):
            break
    else:
        return np.nan
    if npv(lo) * npv(hi) > 0:
        return np.nan
    return float(optimize.brentq(npv, lo, hi, xtol=1e-14, rtol=1e-14, maxiter=500))


def annualised(monthly: float) -> float:
    return float((1 + monthly) ** 12 - 1) if np.isfinite(monthly) else np.nan


@dataclass(frozen=True, eq=False)
class ContractModel:
    """Validated inputs; :meth:`flows` for one effect path, :meth:`fit` for the result."""

    terms: ContractTerms
    cost_per_participant_dkk: float
    starts: np.ndarray  # participants starting in month 0, 1, ... (from first_month)
    first_month: int  # month index of month 0
    headline_window: tuple[int, int] = (0, 11)

    def __post_init__(self) -> None:
        s = np.asarray(self.starts, dtype=float)
        if s.ndim != 1 or (s < 0).any() or not np.isfinite(s).all():
            raise ValueError("starts must be non-negative counts by month")
        if not (
            math.isfinite(self.cost_per_participant_dkk) and self.cost_per_participant_dkk >= 0
        ):
            raise ValueError("cost_per_participant_dkk must be a non-negative number")
        object.__setattr__(self, "starts", s)

    def months_covered(self, n_obs: int) -> int:
        """Event months 0..m-1 paid for: the observed months within the horizon."""
        return min(n_obs, self.terms.horizon_months)

    def theta_weights(self, n_obs: int) -> tuple[np.ndarray, int]:
        """Weights of θ over the observed event months and the month e* it is paid."""
        g = np.zeros(n_obs)
        if self.terms.measurement_month is not None:
            e = self.terms.measurement_month
            if e < n_obs:
                g[e] = 1.0
            return g, e
        lo, hi = self.headline_window
        hi_obs = min(hi, n_obs - 1)
        if hi_obs >= lo:
            g[lo : hi_obs + 1] = 1.0 / (hi_obs - lo + 1)
        return g, hi

    def flows(self, effect: np.ndarray, saving: np.ndarray) -> CashFlows:
        """Cash flows for one outcome-effect path and one savings path (e = 0..n-1)."""
        n_obs = len(effect)
        m = self.months_covered(n_obs)
        g, e_star = self.theta_weights(n_obs)
        theta = float(g @ effect) if g.any() else np.nan
        n_months = len(self.starts) - 1 + max(m, e_star + 1, 1)
        accrual = self.terms.per_extra_outcome_month_dkk * _convolve(
            self.starts, effect[:m], n_months
        )
        if np.isfinite(theta) and e_star < self.terms.horizon_months:
            reach = np.zeros(e_star + 1)
            reach[e_star] = self.terms.per_participant_reaching_outcome_dkk * theta
            accrual += _convolve(self.starts, reach, n_months)
        paid = np.clip(
            np.cumsum(accrual), 0.0, np.inf if self.terms.cap_dkk is None else self.terms.cap_dkk
        )
        if not (np.isfinite(theta) and theta >= self.terms.minimum_effect):
            paid = np.zeros(n_months)
        payment = np.diff(np.r_[0.0, paid])
        outlay = np.zeros(n_months)
        outlay[: len(self.starts)] = self.cost_per_participant_dkk * self.starts
        savings = _convolve(self.starts, saving[:m], n_months)
        return CashFlows(outlay, payment, savings, theta)


def _convolve(starts: np.ndarray, per_person: np.ndarray, n_months: int) -> np.ndarray:
    """Σ_s n_s x per_person(m - s) for m = 0..n_months-1."""
    out = np.zeros(n_months)
    if len(per_person) == 0:
        return out
    full = np.convolve(starts, per_person)
    out[: min(n_months, len(full))] = full[:n_months]
    return out


@dataclass(frozen=True, eq=False)
class ContractResult:
    """Cash flows at the estimate and the spread of the totals across effect draws."""

    offer_id: str
    model: ContractModel
    central: CashFlows
    draws: pd.DataFrame  # one row per draw: the summary quantities
    level: float
    notes: tuple[str, ...]

    @property
    def prob_investor_loss(self) -> float:
        return float((self.draws["investor_profit_dkk"] < 0).mean())

    @property
    def prob_municipality_pays_more(self) -> float:
        d = self.draws
        return float((d["payments_dkk"] > d["municipality_savings_dkk"]).mean())

    def summary_values(self) -> dict[str, tuple[float, str]]:
        c = self.central
        m = c.irr_monthly()
        return {
            "investor_outlay_dkk": (float(c.outlay.sum()), "DKK"),
            "payments_dkk": (float(c.payment.sum()), "DKK"),
            "investor_profit_dkk": (float(c.investor_net.sum()), "DKK"),
            "investor_multiple": (c.multiple, "ratio"),
            "investor_irr_monthly": (m, "rate per month"),
            "investor_irr_annual": (annualised(m), "rate per year"),
            "municipality_savings_dkk": (float(c.savings.sum()), "DKK"),
            "municipality_net_dkk": (c.municipality_net, "DKK"),
            "measured_effect": (c.theta, "share"),
        }

    def tidy(self) -> pd.DataFrame:
        """``contract.parquet`` rows (:data:`CONTRACT_COLUMNS`): the summary quantities
        (month null; interval from the draws' quantiles), the two probabilities, and the
        monthly cash flows at the estimate (month ``YYYY-MM``)."""
        alpha = 1 - self.level
        n = len(self.draws)
        rows = []
        for q, (value, unit) in self.summary_values().items():
            lo, hi = _quantiles(self.draws.get(q), alpha)
            rows.append((None, q, value, lo, hi, unit, n, ""))
        rows.append(
            (
                None,
                "prob_investor_loss",
                self.prob_investor_loss,
                np.nan,
                np.nan,
                "probability",
                n,
                "share of effect draws in which payments < outlay",
            )
        )
        rows.append((None, "prob_municipality_pays_more", self.prob_municipality_pays_more,
                     np.nan, np.nan, "probability", n,
                     "share of effect draws in which payments > savings"))  # fmt: skip
        rows += self._monthly_rows()
        frame = pd.DataFrame(rows, columns=["month", "quantity", "value", "ci_low", "ci_high",
                                            "unit", "n_draws", "note"])  # fmt: skip
        frame.insert(0, "offer_id", self.offer_id)
        frame["level"] = float(self.level)
        frame["n_draws"] = frame["n_draws"].astype("int64")
        frame = frame[list(CONTRACT_COLUMNS)]
        for col in ("offer_id", "quantity", "unit", "note"):
            frame[col] = frame[col].astype("str")
        frame["month"] = frame["month"].astype("string")
        return frame

    def _monthly_rows(self) -> list[tuple]:
        c = self.central
        series = {
            "investor_outlay_dkk": c.outlay,
            "payment_dkk": c.payment,
            "municipality_savings_dkk": c.savings,
            "investor_cumulative_net_dkk": np.cumsum(c.investor_net),
            "municipality_cumulative_net_dkk": np.cumsum(c.savings - c.payment),
        }
        rows = []
        for i in range(len(c.outlay)):
            label = month_labels.label(self.model.first_month + i)
            for q, v in series.items():
                rows.append((label, q, float(v[i]), np.nan, np.nan, "DKK", 0, ""))
        return rows


def _quantiles(values: pd.Series | None, alpha: float) -> tuple[float, float]:
    if values is None:
        return np.nan, np.nan
    v = values.to_numpy(float)
    v = v[np.isfinite(v)]
    if not len(v):
        return np.nan, np.nan
    lo, hi = np.quantile(v, [alpha / 2, 1 - alpha / 2])
    return float(lo), float(hi)


def investor_view(
    offer_id: str,
    model: ContractModel,
    outcome_effect: EffectPathLike,
    savings: EffectPathLike,
    *,
    cross_cov: np.ndarray | None = None,
    n_draws: int = 2000,
    level: float = 0.95,
    seed: int = 0,
) -> ContractResult:
    """The contract's cash flows at the estimate and across ``n_draws`` joint normal
    draws of the two paths (observed months e = 0..n-1 each; ``cross_cov`` is
    Cov(outcome path, savings path), zero when not given)."""
    b_y, c_y = EffectPath.of(outcome_effect).observed()
    b_s, c_s = EffectPath.of(savings).observed()
    notes = []
    n = min(len(b_y), len(b_s))
    if len(b_y) != len(b_s):
        notes.append(f"the paths are cut to their common observed months 0..{n - 1}")
    b_y, b_s, c_y, c_s = b_y[:n], b_s[:n], c_y[:n, :n], c_s[:n, :n]
    cross = np.zeros((n, n)) if cross_cov is None else np.asarray(cross_cov, float)[:n, :n]
    if cross_cov is None:
        notes.append("outcome and savings paths drawn independently (no cross-covariance given)")
    if model.months_covered(n) < model.terms.horizon_months:
        notes.append(
            f"only event months 0..{model.months_covered(n) - 1} of the "
            f"{model.terms.horizon_months}-month horizon are observed"
        )
    central = model.flows(b_y, b_s)
    joint = np.block([[c_y, cross], [cross.T, c_s]])
    rng = np.random.default_rng(seed)
    draws = rng.multivariate_normal(np.r_[b_y, b_s], joint, size=n_draws, method="eigh")
    rows = []
    for d in draws:
        f = model.flows(d[:n], d[n:])
        rows.append(
            {
                "investor_outlay_dkk": f.outlay.sum(),
                "payments_dkk": f.payment.sum(),
                "investor_profit_dkk": f.investor_net.sum(),
                "investor_multiple": f.multiple,
                "municipality_savings_dkk": f.savings.sum(),
                "municipality_net_dkk": f.municipality_net,
                "measured_effect": f.theta,
            }
        )
    return ContractResult(offer_id, model, central, pd.DataFrame(rows), level, tuple(notes))

"""Results of the sensitivity analyses; ``tidy()`` frames share the columns of
``sensitivity.parquet`` (:data:`TIDY_COLUMNS`): one row per offer x analysis x quantity
(x parameter value)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from evaluation.sensitivity.data import Target

TIDY_COLUMNS: tuple[str, ...] = (
    "offer_id",
    "outcome",
    "analysis",
    "target",
    "method",
    "quantity",
    "parameter",
    "value",
    "ci_low",
    "ci_high",
    "level",
    "note",
)
_STR = ("offer_id", "outcome", "analysis", "target", "method", "quantity", "note")


@dataclass(frozen=True)
class Interval:
    """A (robust) confidence interval at one value of the sensitivity parameter."""

    parameter: float
    ci_low: float
    ci_high: float
    open_end: bool = False  # the interval reached an end of the grid searched

    @property
    def contains_zero(self) -> bool:
        return bool(self.ci_low <= 0 <= self.ci_high)


@dataclass(frozen=True)
class Row:
    analysis: str
    method: str
    quantity: str
    parameter: float
    value: float
    ci_low: float = np.nan
    ci_high: float = np.nan
    note: str = ""


def tidy_rows(
    rows: Sequence[Row], *, offer_id: str, outcome: str, target: str, level: float
) -> pd.DataFrame:
    """The ``sensitivity.parquet`` frame of ``rows``."""
    frame = pd.DataFrame(
        {
            "offer_id": offer_id,
            "outcome": outcome,
            "analysis": [r.analysis for r in rows],
            "target": target,
            "method": [r.method for r in rows],
            "quantity": [r.quantity for r in rows],
            "parameter": np.array([r.parameter for r in rows], dtype=float),
            "value": np.array([r.value for r in rows], dtype=float),
            "ci_low": np.array([r.ci_low for r in rows], dtype=float),
            "ci_high": np.array([r.ci_high for r in rows], dtype=float),
            "level": float(level),
            "note": [r.note for r in rows],
        },
        columns=list(TIDY_COLUMNS),
    )
    for col in _STR:
        frame[col] = frame[col].astype("str")
    return frame


@dataclass(frozen=True, eq=False)
class TrendSensitivity:
    """Robust intervals for one target under Δ^RM(M̄) and Δ^SD(M), with breakdowns."""

    target: Target
    estimate: float
    std_error: float
    level: float
    n_pre: int
    n_post: int
    original: Interval
    relative_magnitudes: tuple[Interval, ...]  # parameter = M̄ (C-LF)
    smoothness: tuple[Interval, ...]  # parameter = M (FLCI)
    breakdown_mbar: float  # smallest M̄ whose interval contains 0
    breakdown_m: float  # smallest M whose interval contains 0

    def rows(self) -> list[Row]:
        o = self.original
        out = [Row("parallel_trends", "normal", "ci", np.nan, self.estimate, o.ci_low, o.ci_high)]
        for name, method, param, intervals in (
            ("relative_magnitudes", "C-LF", "Mbar", self.relative_magnitudes),
            ("smoothness", "FLCI", "M", self.smoothness),
        ):
            for iv in intervals:
                note = "open at an end of the grid searched" if iv.open_end else ""
                out.append(
                    Row(
                        name, method, "robust_ci", iv.parameter, np.nan, iv.ci_low, iv.ci_high, note
                    )
                )
            value = self.breakdown_mbar if param == "Mbar" else self.breakdown_m
            if not np.isnan(value):  # NaN: not computed
                out.append(
                    Row(name, method, f"breakdown_{param}", np.nan, value, note=_bd_note(value))
                )
        return out

    def tidy(self, *, offer_id: str = "", outcome: str = "") -> pd.DataFrame:
        return tidy_rows(
            self.rows(), offer_id=offer_id, outcome=outcome, target=self.target.label,
            level=self.level,
        )  # fmt: skip

    def summary(self) -> str:
        lines = [
            f"Sensitivity to parallel-trend violations, {self.target.label}: estimate "
            f"{self.estimate:.4f} ({self.original.ci_low:.4f} to {self.original.ci_high:.4f})",
        ]
        for iv in self.relative_magnitudes:
            lines.append(f"  Mbar = {iv.parameter:g}: {iv.ci_low:.4f} to {iv.ci_high:.4f}")
        for iv in self.smoothness:
            lines.append(f"  M = {iv.parameter:.4g}: {iv.ci_low:.4f} to {iv.ci_high:.4f}")
        lines.append(f"  breakdown Mbar {self.breakdown_mbar:.3f}, M {self.breakdown_m:.4g}")
        return "\n".join(lines)


def _bd_note(value: float) -> str:
    if value == 0:
        return "the interval contains zero already without violations"
    if np.isinf(value):
        return "zero stays outside the interval over the whole range searched"
    return ""


def e_value_rows(ev: object) -> list[Row]:
    """Rows of an :class:`~evaluation.sensitivity.evalue.EValue`."""
    return [
        Row("hidden_confounding", "e_value", "risk_ratio", np.nan, ev.risk_ratio,
            ev.rr_ci_low, ev.rr_ci_high),
        Row("hidden_confounding", "e_value", "e_value", np.nan, ev.e_value),
        Row("hidden_confounding", "e_value", "e_value_ci", np.nan, ev.e_value_ci,
            note="E-value of the interval's bound nearest the null"),
    ]  # fmt: skip


def rosenbaum_rows(rb: object) -> list[Row]:
    """Rows of a :class:`~evaluation.sensitivity.rosenbaum.RosenbaumBound`."""
    note = f"one-sided ({rb.alternative or 'greater'}), matched sets as independent"
    return [
        Row("hidden_confounding", "rosenbaum", "gamma", rb.alpha, rb.gamma, note=note),
        Row("hidden_confounding", "rosenbaum", "p_value_at_gamma_1", 1.0, rb.p_value_at_1),
    ]

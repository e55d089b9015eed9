"""Extrapolation rules: how an effect path continues beyond the observed event window.

A rule turns the ``n`` observed monthly effects (event months 0..n-1) into the effects of
the months n..H-1 of a valuation horizon H. Every rule here is *linear* in the observed
effects, so it is a matrix ``X`` ((H - n) x n) and the extrapolated months are
``X @ observed``: the covariance of any sum over the horizon then follows exactly from
the observed months' covariance (see :mod:`evaluation.monetise.model`).

Rules (registry :data:`EXTRAPOLATIONS`):

``none``
    The effect is zero after the last observed month (the cautious default: nothing is
    claimed that was not measured).
``constant``
    The mean of the last ``last_months`` observed months, held for every later month.
``decay``
    That same mean, halving every ``half_life_months`` months after the last observed
    month: effect(e) = mean_k * 0.5 ** ((e - (n - 1)) / half_life).

The rule used is always reported with the result (:meth:`Extrapolation.label`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import numpy as np

ExtrapolationRule = Literal["none", "constant", "decay"]


@dataclass(frozen=True)
class Extrapolation:
    """An extrapolation rule and its parameters."""

    rule: ExtrapolationRule = "none"
    last_months: int = 6  # k: the level extrapolated is the mean of the last k observed months
    half_life_months: float = 12.0  # decay only

    def __post_init__(self) -> None:
        if self.rule not in EXTRAPOLATIONS:
            raise ValueError(
                f"unknown extrapolation rule {self.rule!r}; known: {', '.join(EXTRAPOLATIONS)}"
            )
        if self.last_months < 1:
            raise ValueError("last_months must be at least 1")
        if not self.half_life_months > 0:
            raise ValueError("half_life_months must be positive")

    def matrix(self, n_observed: int, horizon: int) -> np.ndarray:
        """``horizon x n_observed`` matrix P with monthly effects = P @ observed effects.

        Rows 0..n-1 (up to the horizon) copy the observed months; the later rows come from
        the rule. With no observed month every row is zero (nothing to extrapolate from).
        """
        if n_observed < 0 or horizon < 0:
            raise ValueError("n_observed and horizon must be non-negative")
        p = np.zeros((horizon, n_observed))
        n_copy = min(n_observed, horizon)
        p[np.arange(n_copy), np.arange(n_copy)] = 1.0
        n_extra = horizon - n_copy
        if n_extra > 0 and n_observed > 0:
            p[n_copy:] = EXTRAPOLATIONS[self.rule].continuation(n_observed, n_extra, self)
        return p

    def label(self) -> str:
        """Short stable label for tables, e.g. ``decay(half_life=12,k=6)``."""
        return EXTRAPOLATIONS[self.rule].label.format(k=self.last_months, h=self.half_life_months)

    def describe(self) -> str:
        """One sentence for a report."""
        return EXTRAPOLATIONS[self.rule].description.format(
            k=self.last_months, h=self.half_life_months
        )

    @classmethod
    def from_label(cls, label: str) -> Extrapolation | None:
        """The rule a table's :meth:`label` names (None for an unknown rule); parameters
        the label leaves out keep their defaults."""
        rule, _, rest = label.partition("(")
        if rule not in EXTRAPOLATIONS:
            return None
        params = dict(p.split("=", 1) for p in rest.rstrip(")").split(",") if "=" in p)
        return cls(
            rule=rule,  # type: ignore[arg-type]
            last_months=int(params.get("k", cls.last_months)),
            half_life_months=float(params.get("half_life", cls.half_life_months)),
        )


def _last_mean(n_observed: int, k: int) -> np.ndarray:
    """Weights of the mean of the last ``k`` (at most n) observed months."""
    k = min(k, n_observed)
    w = np.zeros(n_observed)
    w[n_observed - k :] = 1.0 / k
    return w


def _none(n_observed: int, n_extra: int, ext: Extrapolation) -> np.ndarray:
    return np.zeros((n_extra, n_observed))


def _constant(n_observed: int, n_extra: int, ext: Extrapolation) -> np.ndarray:
    return np.tile(_last_mean(n_observed, ext.last_months), (n_extra, 1))


def _decay(n_observed: int, n_extra: int, ext: Extrapolation) -> np.ndarray:
    steps = np.arange(1, n_extra + 1)  # months after the last observed month
    factor = 0.5 ** (steps / ext.half_life_months)
    return factor[:, None] * _last_mean(n_observed, ext.last_months)[None, :]


@dataclass(frozen=True)
class ExtrapolationSpec:
    """A registered rule: its continuation matrix ``(n_observed, n_extra, settings) ->
    (n_extra x n_observed)``, its table label and its sentence (fields ``k``, ``h``)."""

    continuation: Callable[[int, int, Extrapolation], np.ndarray]
    label: str
    description: str


EXTRAPOLATIONS: dict[str, ExtrapolationSpec] = {
    "none": ExtrapolationSpec(_none, "none", "No effect is assumed after the last observed month."),
    "constant": ExtrapolationSpec(
        _constant,
        "constant(k={k})",
        "After the last observed month the effect is held at the mean of the last {k} "
        "observed months.",
    ),
    "decay": ExtrapolationSpec(
        _decay,
        "decay(half_life={h:g},k={k})",
        "After the last observed month the effect starts from the mean of the last {k} "
        "observed months and halves every {h:g} months.",
    ),
}

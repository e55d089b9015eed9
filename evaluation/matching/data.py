"""Risk sets for staggered entry and the covariates measured before each start month.

A risk set for start month s holds the offer's participants who started in s and the
candidate controls: persons in the offer's target group in s who had not started the
offer before s and do not start it in s. A later starter is a candidate before their own
start ("not yet treated"); the event study censors them from their start on, with
inverse-probability-of-censoring weights. Drawing controls only from persons who never
start (as known by the as-of month) is not offered: never starting by the as-of month
depends on how a person fared after s (those who found work left the target group and
could no longer start), so it selects controls on their future outcomes.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd

from evaluation import months
from evaluation.config import CovariateSpec, TargetGroup
from evaluation.matching.history import full_pattern, other_offers, programme_history
from evaluation.panel import StatusPanel
from evaluation.statuses import BENEFITS, EDUCATIONS, SELF_SUFFICIENT, STATUSES, codes
from evaluation.target import in_target_group, target_group_members

NEVER = np.iinfo(np.int32).max


@dataclass(frozen=True, eq=False)
class RiskSets:
    """Rows are (person, reference month) pairs; ``treated`` marks the participants."""

    offer_id: str
    person: np.ndarray  # int64
    ref_month: np.ndarray  # int32 month index
    treated: np.ndarray  # bool
    in_target: np.ndarray  # bool: does the row meet the target-group rule (controls always do)

    @property
    def n_rows(self) -> int:
        return len(self.person)

    def cohorts(self) -> np.ndarray:
        return np.unique(self.ref_month[self.treated])


def build_risk_sets(panel: StatusPanel, offer_id: str, rule: TargetGroup) -> RiskSets:
    """All risk sets of one offer, one per start month with participants."""
    first_start = panel.offer_starts.get(offer_id, np.full(panel.n_persons, NEVER, np.int32))
    starters = np.flatnonzero(first_start != NEVER)
    parts: list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = []
    for s in np.unique(first_start[starters]):
        s = int(s)
        treated = starters[first_start[starters] == s]
        cand = target_group_members(panel, s, rule)
        cand = cand[first_start[cand] > s]
        t_in = in_target_group(panel, treated, s, rule)
        person = np.concatenate([treated, cand])
        flag = np.concatenate([np.ones(len(treated), bool), np.zeros(len(cand), bool)])
        parts.append(
            (person, np.full(len(person), s, np.int32), flag, np.r_[t_in, np.ones(len(cand), bool)])
        )
    if not parts:
        e = np.array([], dtype=np.int64)
        return RiskSets(offer_id, e, e.astype(np.int32), e.astype(bool), e.astype(bool))
    person, ref, flag, t_in = (np.concatenate(x) for x in zip(*parts, strict=True))
    return RiskSets(offer_id, person.astype(np.int64), ref, flag, t_in)


CovariateKind = Literal[
    "age",
    "male",
    "education",
    "lag",
    "months_in",
    "months_observed",
    "share_in",
    "calendar_month",
    "programme_ever",
    "programme_months",
    "in_programme",
]
MAX_LAGS = 36  # the config's limits (flows.config): the covariates a name can describe
MAX_WINDOW_MONTHS = 120


@dataclass(frozen=True)
class Covariate:
    """One matching covariate, described by its parts; its :attr:`name` (the column of
    :func:`covariates` and the balance table's ``covariate``) is built from them.

    ``status``: of a ``lag`` (the status dummy), ``months_in`` (months in it, or
    ``self_sufficient``) or ``share_in`` (those months over the months observed in the
    window, 0 when none is); ``months``: a lag's distance before the start or a window's
    length; ``level``: of ``education``; ``month``: a ``calendar_month`` (1-12);
    ``offer``: the other offer of a ``programme_ever`` / ``programme_months`` covariate
    (programme history, :mod:`evaluation.matching.history`)."""

    kind: CovariateKind
    status: str = ""
    months: int = 0
    level: str = ""
    month: int = 0
    offer: str = ""

    @property
    def name(self) -> str:
        return _NAMES[self.kind].format(
            status=self.status,
            months=self.months,
            level=self.level,
            month=self.month,
            offer=self.offer,
        )


_NAMES: dict[str, str] = {
    "age": "age",
    "male": "sex_m",
    "education": "education_{level}",
    "lag": "lag{months}_{status}",
    "months_in": "{status}_{months}m",
    "months_observed": "observed_{months}m",
    "share_in": "{status}_share_{months}m",
    "calendar_month": "calendar_month_{month}",
    "programme_ever": "programme_ever_{offer}",
    "programme_months": "programme_months_{offer}",
    "in_programme": "in_programme",
}


def covariate_list(spec: CovariateSpec, offers: tuple[str, ...] = ()) -> list[Covariate]:
    """The covariates of ``spec`` in column order; ``offers``: the other offers in the
    data (programme history)."""
    out: list[Covariate] = []
    if spec.demographics:
        out += [Covariate("age"), Covariate("male")]
        out += [Covariate("education", level=e) for e in EDUCATIONS]
    out += [Covariate("lag", s, lag) for lag in range(1, spec.lags + 1) for s in STATUSES]
    for w in spec.windows:
        out += [
            Covariate("months_in", "self_sufficient", w),
            Covariate("months_observed", months=w),
            Covariate("share_in", "self_sufficient", w),
        ]
        out += [Covariate("months_in", b, w) for b in BENEFITS]
    if spec.calendar_month:
        out += [Covariate("calendar_month", month=m) for m in range(1, 13)]
    if spec.programme_history:
        for o in offers:
            out += [Covariate("programme_ever", offer=o), Covariate("programme_months", offer=o)]
        out.append(Covariate("in_programme"))
    return out


def covariate_names(spec: CovariateSpec, offers: tuple[str, ...] = ()) -> list[str]:
    return [c.name for c in covariate_list(spec, offers)]


@functools.cache
def _by_name() -> dict[str, Covariate]:
    windows = tuple(range(1, MAX_WINDOW_MONTHS + 1))
    return {c.name: c for c in covariate_list(CovariateSpec(lags=MAX_LAGS, windows=windows))}


def covariate_named(name: str) -> Covariate | None:
    """The covariate a column or balance-table name stands for (None: not a covariate of
    any spec within the config's limits). A programme-history name is looked up by
    building the descriptor for the offer id after the kind's prefix and comparing its
    name."""
    for kind in ("programme_ever", "programme_months"):
        prefix = _NAMES[kind].format(offer="")
        if name.startswith(prefix) and len(name) > len(prefix):
            c = Covariate(kind, offer=name[len(prefix) :])  # type: ignore[arg-type]
            return c if c.name == name else None
    return _by_name().get(name)


def propensity_columns(spec: CovariateSpec, offers: tuple[str, ...] = ()) -> list[str]:
    """Covariates entering the propensity model. Window counts over a window covered by
    the lag dummies are sums of those dummies, so they are left out of the model (they
    stay in the balance table). Shares stay in: with histories of different lengths a
    share is not a sum of dummies (and one that is gets dropped as collinear by the fit)."""
    windowed = ("months_in", "months_observed")
    return [
        c.name
        for c in covariate_list(spec, offers)
        if not (c.kind in windowed and c.months <= spec.lags)
    ]


class _Columns:
    """The covariate columns while they are filled, one array row per covariate: int8 for
    dummies and counts (int16 when a window is longer than 127 months), float32 for age
    and shares, a third of the memory of float32 throughout. Indexed like a (covariates,
    rows) matrix; every reader converts a column to float64, exactly from either type."""

    WIDE = ("age", "share_in")

    def __init__(self, listed: list[Covariate], n_rows: int) -> None:
        wide = [c.kind in self.WIDE for c in listed]
        longest = max([c.months for c in listed if c.kind != "lag"], default=0)
        narrow = np.int8 if longest <= np.iinfo(np.int8).max else np.int16
        self.small = np.zeros((len(listed) - sum(wide), n_rows), dtype=narrow)
        self.wide = np.zeros((sum(wide), n_rows), dtype=np.float32)
        counts = {False: 0, True: 0}
        self.where: list[tuple[np.ndarray, int]] = []
        for w in wide:
            self.where.append((self.wide if w else self.small, counts[w]))
            counts[w] += 1

    def _at(self, key: int | tuple[int, np.ndarray | slice]) -> tuple[np.ndarray, Any]:
        c, rows = key if isinstance(key, tuple) else (key, slice(None))
        array, row = self.where[c]
        return array, (row, rows)

    def __getitem__(self, key: int | tuple[int, np.ndarray | slice]) -> np.ndarray:
        array, at = self._at(key)
        return array[at]

    def __setitem__(self, key: int | tuple[int, np.ndarray | slice], value: Any) -> None:
        array, at = self._at(key)
        array[at] = value

    def frame(self, names: list[str]) -> pd.DataFrame:
        """The columns as a frame of views (no copy)."""
        data = {n: array[row] for n, (array, row) in zip(names, self.where, strict=True)}
        return pd.DataFrame(data, copy=False)


def covariates(panel: StatusPanel, risk: RiskSets, spec: CovariateSpec) -> pd.DataFrame:
    """One row per risk-set row, columns named by :func:`covariate_names` (int8 dummies
    and counts, float32 age and shares, float32 register measures).

    Only months before the reference month are used. Lags before the first data month
    are all-zero dummies (status unobserved). Programme history covers every offer in
    the data except ``risk.offer_id``.
    """
    offers = other_offers(panel, risk.offer_id) if spec.programme_history else ()
    listed = covariate_list(spec, offers)
    out = _Columns(listed, risk.n_rows)  # a row per covariate
    col = {c: i for i, c in enumerate(listed)}
    if spec.demographics:
        out[col[Covariate("age")]] = months.year_of(risk.ref_month) - panel.birth_year[risk.person]
        out[col[Covariate("male")]] = panel.sex[risk.person] == 1
        edu = panel.education[risk.person]
        for i, e in enumerate(EDUCATIONS):
            out[col[Covariate("education", level=e)]] = edu == i
    if spec.calendar_month:
        cal = months.calendar_month_of(risk.ref_month)
        for m in range(1, 13):
            out[col[Covariate("calendar_month", month=m)]] = cal == m
    for s in np.unique(risk.ref_month):
        rows = _as_range(np.flatnonzero(risk.ref_month == s))
        _history_block(panel, risk.person[rows], int(s), spec, out, rows, col)
    frame = out.frame([c.name for c in listed])
    for name, values in measure_covariates(panel, risk, spec).items():
        frame[name] = values
    if spec.programme_history:
        hist = programme_history(panel, risk.person, risk.ref_month.astype(np.int64), risk.offer_id)
        for name, values in hist.columns().items():
            frame[name] = values
    return frame


def measure_covariate_names(
    measures: tuple[str, ...], spec: CovariateSpec, *, propensity: bool = False
) -> list[str]:
    """Columns of the register measures' histories: ``<measure>_lag<k>`` (the value k
    months before the start, k = 1..lags) and ``<measure>_<w>m`` (the sum over the w
    months before, per window; left out of the propensity model when the lags cover the
    window, as the status windows are)."""
    out = []
    for m in measures:
        out += [f"{m}_lag{k}" for k in range(1, spec.lags + 1)]
        out += [f"{m}_{w}m" for w in spec.windows if not (propensity and w <= spec.lags)]
    return out


def measure_covariates(
    panel: StatusPanel, risk: RiskSets, spec: CovariateSpec
) -> dict[str, np.ndarray]:
    """The measure-history columns (:func:`measure_covariate_names`) per risk-set row, from
    months before the reference month only; a month unobserved or without a value (an
    amount) counts as 0, and so does a month before the first data month."""
    out: dict[str, np.ndarray] = {}
    depth = max([spec.lags, *spec.windows])
    for name, matrix in panel.measures.items():
        hist = np.zeros((risk.n_rows, depth), dtype=np.float32)  # column j = lag j + 1
        for lag in range(1, depth + 1):
            col = risk.ref_month.astype(np.int64) - lag - panel.first_month
            ok = col >= 0
            hist[ok, lag - 1] = np.nan_to_num(matrix[risk.person[ok], col[ok]], nan=0.0)
        for k in range(1, spec.lags + 1):
            out[f"{name}_lag{k}"] = hist[:, k - 1]
        for w in spec.windows:
            out[f"{name}_{w}m"] = hist[:, :w].sum(axis=1)
    return out


def _as_range(rows: np.ndarray) -> np.ndarray | slice:
    """Sorted row indices as a slice when they are consecutive (a reference month's
    risk-set rows usually are): writing a slice of a covariate's row is a copy, writing
    an index array a scatter."""
    if len(rows) and rows[-1] - rows[0] + 1 == len(rows):
        return slice(int(rows[0]), int(rows[-1]) + 1)
    return rows


def _history_block(
    panel: StatusPanel,
    persons: np.ndarray,
    s: int,
    spec: CovariateSpec,
    out: _Columns,
    rows: np.ndarray | slice,
    col: dict[Covariate, int],
) -> None:
    """Lag dummies and window counts for persons sharing reference month s."""
    depth = max([spec.lags, *spec.windows])
    end = s - panel.first_month
    start = max(0, end - depth)
    block = panel.status[persons, start:end]  # (n, <=depth), oldest first
    pad = depth - block.shape[1]
    if pad:
        block = np.concatenate([np.full((len(persons), pad), -1, np.int8), block], axis=1)
    for lag in range(1, spec.lags + 1):
        v = block[:, depth - lag]
        for code, name in enumerate(STATUSES):
            out[col[Covariate("lag", name, lag)], rows] = v == code
    ss = codes(SELF_SUFFICIENT)
    for w in spec.windows:
        win = block[:, depth - w :]
        out[col[Covariate("months_in", "self_sufficient", w)], rows] = np.isin(win, ss).sum(axis=1)
        n_obs = (win >= 0).sum(axis=1)
        out[col[Covariate("months_observed", months=w)], rows] = n_obs
        n_ss = out[col[Covariate("months_in", "self_sufficient", w)], rows]
        out[col[Covariate("share_in", "self_sufficient", w)], rows] = np.divide(
            n_ss, n_obs, out=np.zeros(len(persons), np.float32), where=n_obs > 0
        )
        for b in BENEFITS:
            out[col[Covariate("months_in", b, w)], rows] = (win == STATUSES.index(b)).sum(axis=1)


def status_lag1(panel: StatusPanel, risk: RiskSets) -> np.ndarray:
    """Status code in the month before the reference month (-1 if unobserved)."""
    c = risk.ref_month - panel.first_month - 1
    ok = c >= 0
    out = np.full(risk.n_rows, -1, dtype=np.int8)
    out[ok] = panel.status[risk.person[ok], c[ok]]
    return out


# --- exact-matching keys ----------------------------------------------------------------------

ExactKey = Callable[[StatusPanel, RiskSets, pd.DataFrame], np.ndarray]
"""(panel, risk sets, covariates) -> an integer key per risk-set row."""


def _start_month(panel: StatusPanel, risk: RiskSets, x: pd.DataFrame) -> np.ndarray:
    return risk.ref_month.astype(np.int64)


def _status_lag1(panel: StatusPanel, risk: RiskSets, x: pd.DataFrame) -> np.ndarray:
    return status_lag1(panel, risk).astype(np.int64)


def _sex(panel: StatusPanel, risk: RiskSets, x: pd.DataFrame) -> np.ndarray:
    return panel.sex[risk.person].astype(np.int64)


def _education(panel: StatusPanel, risk: RiskSets, x: pd.DataFrame) -> np.ndarray:
    return panel.education[risk.person].astype(np.int64)


def _programme_history(panel: StatusPanel, risk: RiskSets, x: pd.DataFrame) -> np.ndarray:
    return full_pattern(x)


EXACT_KEYS: dict[str, ExactKey] = {
    "start_month": _start_month,
    "status_lag1": _status_lag1,
    "sex": _sex,
    "education": _education,
    "programme_history": _programme_history,
}
"""Named exact-matching keys; any other name in ``exact_on`` is a covariate column."""


def exact_key(name: str) -> ExactKey:
    """The key function of ``name``: a registered key or the covariate column ``name``."""
    if name in EXACT_KEYS:
        return EXACT_KEYS[name]
    return lambda panel, risk, x: x[name].to_numpy().astype(np.int64)


def strata(
    panel: StatusPanel, risk: RiskSets, x: pd.DataFrame, exact_on: tuple[str, ...]
) -> np.ndarray:
    """Stratum number per risk-set row: the rows sharing every key of ``exact_on``,
    numbered in key order (0 for all rows without keys)."""
    keys = [exact_key(name)(panel, risk, x) for name in exact_on]
    if not keys:
        return np.zeros(risk.n_rows, dtype=np.int64)
    frame = pd.DataFrame({f"k{i}": k for i, k in enumerate(keys)})
    return frame.groupby(list(frame.columns), sort=True).ngroup().to_numpy()

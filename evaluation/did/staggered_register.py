"""Callaway & Sant'Anna for one offer on the person x month panel: the standard unmatched
staggered estimator, as a secondary estimate beside the matched event study.

How the target group enters a staggered design (which has one fixed set of units, not
a risk set per start month):

- cohorts g: the months in which participants started the offer inside its target
  group; a participant's cohort is their first start month. Participants outside the
  target group at their start are left out altogether (the matching leaves them
  unmatched too);
- units: the participants, and every person in the target group in at least one of
  those start months (as known in the as-of month);
- controls of cohort g: units not yet treated (never started, or starting after the
  compared months, as R ``did``'s ``not_yet_treated``) *and in the target group in month
  g*, so the target-group rule applies to participants and controls alike
  (``staggered_eligible``: R ``did``'s ``reg`` with the indicator "in the target group at
  g" as covariate from the base period). Without that restriction the controls would be
  the whole ever-eligible population, and the participants, selected at a low point
  (on benefits in the months before the start), would rise against them by mean
  reversion alone: on the synthetic municipality the no-effect offer then shows +0.21
  (z = 14);
- outcome: the monthly value of the outcome per status (``values``, as for the matched
  event study), missing in months without a status row, so persons who die, emigrate
  or arrive leave holes: the panel is unbalanced and handled as R ``did``'s
  ``allow_unbalanced_panel`` (means over the persons observed, influence functions summed
  per person, so standard errors are clustered on the person);
- no covariates; base period ``"universal"`` by default, so every event month is
  compared with e = -1 as in the matched event study (``"varying"`` is R's default);
- rows: the dynamic (event-time) aggregation for the event months in ``window`` and a
  headline row, the plain mean of the ATT(e) over the event months of
  ``headline_window`` (as the matched event study's pooled estimate), with its standard
  error from the same influence functions.

What still differs from the matched design: within the target group in month g nothing
balances the participants' longer history, age or education. Where enrolment creams
(favours those self-sufficient more often in the last years), the participants would
have done better anyway, the pre-period ATT(e) show it (the pre-trend test rejects) and
the estimate is biased upwards; the matched design matches on that history.

Memory: the outcome is read from the int8 status matrix block by block, three passes
(sums, cell variances, the aggregation's covariance); no persons x periods float matrix
and no persons x cells influence matrix.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd
from scipy import stats

from evaluation import schema
from evaluation.config import TargetGroup
from evaluation.did.inference import WaldTest, minimum_detectable_effect, pretrend_test
from evaluation.did.staggered import att_gt_from_values
from evaluation.did.staggered_data import BasePeriod
from evaluation.did.staggered_moments import CHUNK
from evaluation.did.staggered_results import ATTgtResult
from evaluation.panel import StatusPanel
from evaluation.statuses import STATUSES, UNOBSERVED
from evaluation.target import in_target_group

METHOD = "callaway_santanna"
_NEVER = np.iinfo(np.int32).max


@dataclass(frozen=True, eq=False)
class OfferDesign:
    """The units of one offer's staggered design, their cohorts and eligibility."""

    offer_id: str
    persons: np.ndarray  # panel row of each unit
    cohort: np.ndarray  # month index of the first start; 0 = not started
    start_months: np.ndarray  # the cohorts (months with starts inside the target group)
    eligible: np.ndarray  # units x start_months: in the target group in that month
    n_outside_target: int  # participants outside the target group at their start

    @property
    def n_participants(self) -> int:
        return int((self.cohort > 0).sum())

    @classmethod
    def build(cls, panel: StatusPanel, offer_id: str, rule: TargetGroup) -> OfferDesign:
        start = panel.offer_starts.get(offer_id, np.full(panel.n_persons, _NEVER, np.int32))
        starters = np.flatnonzero(start != _NEVER)
        inside = np.zeros(len(starters), dtype=bool)
        for s in np.unique(start[starters]):
            at = start[starters] == s
            inside[at] = in_target_group(panel, starters[at], int(s), rule)
        months_ = np.unique(start[starters[inside]]).astype(np.int64)
        everyone = np.arange(panel.n_persons)
        eligible = np.zeros((panel.n_persons, len(months_)), dtype=bool)
        for j, s in enumerate(months_):
            eligible[:, j] = in_target_group(panel, everyone, int(s), rule)
        unit = eligible.any(axis=1)
        unit[starters] = inside  # participants outside the target group are left out
        persons = np.flatnonzero(unit)
        cohort = np.where(start[persons] == _NEVER, 0, start[persons]).astype(np.int64)
        return cls(offer_id, persons, cohort, months_, eligible[persons], int((~inside).sum()))


@dataclass(frozen=True, eq=False)
class StaggeredOfferResult:
    """Dynamic ATT(e) of one offer on one outcome (Callaway & Sant'Anna) and the
    headline mean over the headline window."""

    offer_id: str
    outcome: str
    event_times: np.ndarray
    estimates: np.ndarray
    std_errors: np.ndarray
    cov: np.ndarray  # over event_times
    n_treated: np.ndarray  # participants observed at each event month
    n_control: np.ndarray  # controls observed in the largest comparison of each month
    headline_window: tuple[int, int]
    level: float
    n_units: int
    n_outside_target: int
    att_gt: ATTgtResult | None = None

    @cached_property
    def _pool_weights(self) -> np.ndarray:
        lo, hi = self.headline_window
        w = (self.event_times >= lo) & (self.event_times <= hi) & np.isfinite(self.estimates)
        return w / w.sum() if w.any() else w.astype(float)

    @property
    def pooled_estimate(self) -> float:
        w = self._pool_weights
        return float(w @ np.nan_to_num(self.estimates)) if w.any() else np.nan

    @property
    def pooled_std_error(self) -> float:
        w = self._pool_weights
        return float(np.sqrt(max(w @ self.cov @ w, 0.0))) if w.any() else np.nan

    @property
    def pooled_n(self) -> tuple[int, int]:
        inw = self._pool_weights > 0
        if not inw.any():
            return 0, 0
        return int(self.n_treated[inw].max()), int(self.n_control[inw].max())

    @property
    def mde(self) -> float:
        return minimum_detectable_effect(self.pooled_std_error, level=self.level)

    @cached_property
    def pretrend(self) -> WaldTest:
        pre = (self.event_times <= -2) & np.isfinite(self.estimates)
        return pretrend_test(self.estimates[pre], self.cov[np.ix_(pre, pre)], level=self.level)

    def tidy(self) -> pd.DataFrame:
        """The effects.parquet columns of the matched event study's ``tidy()``: one row
        per event month plus the headline row (event_time null), ``method =
        "callaway_santanna"``."""
        z = stats.norm.ppf(1 - (1 - self.level) / 2)
        est = np.r_[self.estimates, self.pooled_estimate]
        se = np.r_[self.std_errors, self.pooled_std_error]
        with np.errstate(divide="ignore", invalid="ignore"):
            p = 2 * stats.norm.sf(np.abs(est / se))
        nt, nc = self.pooled_n
        frame = pd.DataFrame(
            {
                "offer_id": self.offer_id,
                "outcome": self.outcome,
                "event_time": pd.array([*self.event_times.tolist(), None], dtype="Int64"),
                "estimate": est,
                "std_error": se,
                "ci_low": est - z * se,
                "ci_high": est + z * se,
                "p_value": p,
                "n_treated": np.r_[self.n_treated, nt].astype("int64"),
                "n_control": np.r_[self.n_control, nc].astype("int64"),
                "method": METHOD,
                "ci_method": "normal",
                "level": self.level,
            }
        )
        head = frame["event_time"].isna()
        frame["headline"] = head
        frame["primary"] = False  # a secondary estimate beside the matched event study
        frame["mde"] = np.where(head, self.mde, np.nan)
        frame["mde_power"] = np.where(head, 0.8, np.nan)
        # the pre-period event months -2, -3, ... tested jointly (the estimator's placebo)
        pre = self.event_times[(self.event_times <= -2) & np.isfinite(self.estimates)]
        window = f"{pre.min()}..{pre.max()}" if len(pre) else None
        frame["placebo_p_value"] = np.where(head, self.pretrend.p_value, np.nan)
        frame["placebo_window"] = pd.array(np.where(head, window, None), dtype="string")
        return schema.conform(frame, "effects")


class StaggeredOffer:
    """Callaway & Sant'Anna for one offer's target group; build once, ``fit`` per outcome.

    ``panel`` is already cut to the as-of month (``StatusPanel.as_of``).
    """

    def __init__(
        self,
        panel: StatusPanel,
        offer_id: str,
        target_group: TargetGroup,
        *,
        window: tuple[int, int] = (-12, 24),
        headline_window: tuple[int, int] = (0, 11),
        level: float = 0.95,
        base_period: BasePeriod = "universal",
        anticipation: int = 0,
        chunk: int = CHUNK,
    ) -> None:
        if window[0] > window[1] or headline_window[0] > headline_window[1]:
            raise ValueError("event windows must be (first, last) with first <= last")
        if not 0 < level < 1:
            raise ValueError(f"level must be between 0 and 1, not {level}")
        self.panel, self.offer_id, self.target_group = panel, offer_id, target_group
        self.window, self.headline_window, self.level = window, headline_window, level
        self.base_period, self.anticipation, self.chunk = base_period, anticipation, chunk

    @cached_property
    def design(self) -> OfferDesign:
        return OfferDesign.build(self.panel, self.offer_id, self.target_group)

    def fit(self, outcome: str, values: np.ndarray) -> StaggeredOfferResult:
        """``values``: the outcome's value per status code (as for the matched event
        study). No estimable cohort gives a result without event months (headline NaN)."""
        res = self._att_gt(np.asarray(values, dtype=float))
        if res is None or len(res.att) == 0:
            return self._result(outcome, np.zeros(0), np.zeros(0), np.zeros((0, 0)), None)
        dyn = res.aggregate("dynamic", min_e=self.window[0], max_e=self.window[1])
        counts = _event_counts(res, dyn.labels)
        return self._result(outcome, dyn.labels, dyn.att, dyn.cov, res, dyn.se, counts)

    def _att_gt(self, values: np.ndarray) -> ATTgtResult | None:
        if values.shape != (len(STATUSES),):
            raise ValueError(f"values must hold one number per status ({len(STATUSES)})")
        panel = self.panel
        persons, cohort = self._units()
        if not (cohort > 0).any():
            return None
        lookup = np.r_[values, np.nan]  # status -1 (unobserved) picks the NaN
        eligible = self.design.eligible[np.searchsorted(self.design.persons, persons)]

        def read(idx: np.ndarray) -> np.ndarray:
            return lookup[panel.status[persons[idx]]]

        periods = panel.first_month + np.arange(panel.n_months)
        try:
            return att_gt_from_values(
                read,
                cohort,
                periods,
                control_group="not_yet_treated",
                base_period=self.base_period,
                level=self.level,
                anticipation=self.anticipation,
                eligible=lambda idx: eligible[idx],
                eligible_cohorts=self.design.start_months,
                chunk=self.chunk,
            )
        except ValueError as err:
            if "no cohort" in str(err) or "no period" in str(err):
                return None
            raise

    def _units(self) -> tuple[np.ndarray, np.ndarray]:
        """The design's units, less (without a never-started unit, when R's rules cut the
        months from the last start on) those with no status row before that cut."""
        d = self.design
        if (d.cohort == 0).any() or len(d.cohort) == 0:
            return d.persons, d.cohort
        cut = max(int(d.cohort.max()) - self.anticipation - self.panel.first_month, 0)
        seen = (self.panel.status[d.persons, :cut] != UNOBSERVED).any(axis=1)
        return d.persons[seen], d.cohort[seen]

    def _result(
        self,
        outcome: str,
        labels: np.ndarray,
        att: np.ndarray,
        cov: np.ndarray,
        res: ATTgtResult | None,
        se: np.ndarray | None = None,
        counts: tuple[np.ndarray, np.ndarray] | None = None,
    ) -> StaggeredOfferResult:
        zeros = np.zeros(len(labels), dtype=np.int64)
        n_t, n_c = counts if counts is not None else (zeros, zeros)
        return StaggeredOfferResult(
            offer_id=self.offer_id,
            outcome=outcome,
            event_times=np.asarray(labels, dtype=np.int64),
            estimates=np.asarray(att, dtype=float),
            std_errors=np.asarray(se if se is not None else att, dtype=float),
            cov=cov,
            n_treated=n_t,
            n_control=n_c,
            headline_window=self.headline_window,
            level=self.level,
            n_units=len(self.design.persons),
            n_outside_target=self.design.n_outside_target,
            att_gt=res,
        )


def _event_counts(res: ATTgtResult, labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per event month: participants observed then (summed over cohorts), and the
    controls observed in the period of the label's largest comparison."""
    e_cell = res.times - res.groups
    n_t = np.zeros(len(labels), dtype=np.int64)
    n_c = np.zeros(len(labels), dtype=np.int64)
    for i, e in enumerate(labels):
        k = np.flatnonzero(e_cell == e)
        if len(k):
            n_t[i] = int(res.influence.n_treated[k].sum())
            n_c[i] = int(res.influence.n_control[k].max())
    return n_t, n_c


def callaway_santanna(
    panel: StatusPanel,
    offer_id: str,
    target_group: TargetGroup,
    outcome: str,
    values: np.ndarray,
    **options: object,
) -> pd.DataFrame:
    """The tidy effects rows (``method = "callaway_santanna"``) of one offer and outcome;
    ``options`` as for :class:`StaggeredOffer`."""
    return StaggeredOffer(panel, offer_id, target_group, **options).fit(outcome, values).tidy()

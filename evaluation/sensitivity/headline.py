"""The sensitivity analyses of one offer's headline effect (its primary outcome over the
headline window): the rows of ``sensitivity.parquet`` for that offer.

* Parallel trends (:func:`~evaluation.sensitivity.model.trend_sensitivity`): the pre
  periods are the placebo months (:meth:`EventStudyInput.from_placebo`: the months
  -12..-1 are fixed by the matching), the post periods the headline window; the usual
  interval, the smoothness interval at each M of ``SensitivitySettings.ms`` (M = 0:
  linear differential trends allowed), the relative-magnitudes interval at each M̄ of
  ``mbars`` (none by default: each costs a grid search), the breakdown value of M̄ and
  (``smoothness_breakdown``) of M.
* Hidden confounding: the E-value (binary outcomes only; the risk ratio of the
  participants, :func:`~evaluation.sensitivity.evalue.e_value_from_effect`, from the
  headline estimate and interval and the participants' observed share over the
  window) and Rosenbaum's Γ for the matched sets (:mod:`.rosenbaum`, on each member's
  mean change over the window since e = -1).

Everything here is aggregate; the person-level changes behind Γ come in as a frame and
stay in memory.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from evaluation.did.results import EventStudyResult
from evaluation.sensitivity.data import EventStudyInput, EventStudyLike, Target
from evaluation.sensitivity.evalue import e_value_from_effect
from evaluation.sensitivity.model import trend_sensitivity
from evaluation.sensitivity.results import (
    TIDY_COLUMNS,
    Row,
    e_value_rows,
    rosenbaum_rows,
    tidy_rows,
)
from evaluation.sensitivity.rosenbaum import MatchedSets, rosenbaum_gamma


@dataclass(frozen=True)
class SensitivitySettings:
    """What the monthly run computes. Kept cheap: the breakdown M̄ (about ten C-LF tests
    of θ = 0, each simulating its critical value once), the FLCI at M = 0 (closed form),
    the E-value and Γ; no grid of robust intervals and no breakdown of M (an FLCI per
    step) unless asked for."""

    mbars: tuple[float, ...] = ()  # Δ^RM robust intervals (each a grid search)
    ms: tuple[float, ...] = (0.0,)  # Δ^SD robust intervals (FLCI)
    breakdown_tol: float = 0.01  # of the breakdown M̄
    smoothness_breakdown: bool = False  # the breakdown of M too
    sims: int = 1000  # draws of the least-favourable critical value (as honestdid)
    seed: int = 0


@dataclass(frozen=True, eq=False)
class HeadlineInputs:
    """One offer's headline effect as the effects table states it, and what the
    analyses need beside it. ``changes`` (person level, restricted): one row per matched
    set member with ``set_id``, ``treated`` and ``change`` (mean change of the outcome
    over the headline window since e = -1); None: no Rosenbaum bound."""

    offer_id: str
    outcome: str
    study: EventStudyLike
    headline_window: tuple[int, int]
    placebo_months: tuple[int, ...]
    estimate: float
    ci_low: float
    ci_high: float
    level: float
    participants_share: float = np.nan  # observed share over the window (binary outcome)
    binary: bool = False
    changes: pd.DataFrame | None = None


def headline_sensitivity(
    inputs: HeadlineInputs, settings: SensitivitySettings = SensitivitySettings()
) -> pd.DataFrame:
    """The ``sensitivity.parquet`` rows of one offer (columns :data:`TIDY_COLUMNS`)."""
    target = Target.window(*inputs.headline_window)
    frames = [_trend_rows(inputs, target, settings)]
    rows: list[Row] = []
    if inputs.binary and np.isfinite(inputs.participants_share):
        ev = e_value_from_effect(
            inputs.estimate, inputs.ci_low, inputs.ci_high, inputs.participants_share
        )
        rows += e_value_rows(ev)
    if inputs.changes is not None and len(inputs.changes):
        c = inputs.changes
        direction = "greater" if not inputs.estimate < 0 else "less"
        sets = MatchedSets.build(
            c["set_id"].to_numpy(),
            c["treated"].to_numpy(),
            c["change"].to_numpy(),
            alternative=direction,
        )
        if sets.n_sets:
            rows += rosenbaum_rows(rosenbaum_gamma(sets, alpha=1 - inputs.level,
                                                   alternative=direction))  # fmt: skip
    if rows:
        frames.append(_tidy(rows, inputs, target))
    frames = [f for f in frames if len(f)]
    if not frames:
        return pd.DataFrame(columns=list(TIDY_COLUMNS))
    return pd.concat(frames, ignore_index=True)


def _tidy(rows: list[Row], inputs: HeadlineInputs, target: Target) -> pd.DataFrame:
    return tidy_rows(rows, offer_id=inputs.offer_id, outcome=inputs.outcome,
                     target=target.label, level=inputs.level)  # fmt: skip


def _trend_rows(
    inputs: HeadlineInputs, target: Target, settings: SensitivitySettings
) -> pd.DataFrame:
    """The parallel-trend rows; only the usual interval when there is no estimable
    placebo month (noted)."""
    study = EventStudyInput.from_placebo(
        inputs.study, inputs.placebo_months, last_post=inputs.headline_window[1]
    )
    if study is None or study.post_event_times[-1] < target.last:
        row = Row("parallel_trends", "normal", "ci", np.nan, inputs.estimate,
                  inputs.ci_low, inputs.ci_high,
                  note="no trend sensitivity: no estimable placebo or post month")  # fmt: skip
        return _tidy([row], inputs, target)
    res = trend_sensitivity(
        study, target, mbars=settings.mbars, ms=settings.ms, level=inputs.level,
        breakdown_tol=settings.breakdown_tol, sims=settings.sims, seed=settings.seed,
        smoothness_breakdown_too=settings.smoothness_breakdown,
    )  # fmt: skip
    frame = res.tidy(offer_id=inputs.offer_id, outcome=inputs.outcome)
    usual = frame["quantity"] == "ci"  # the effects table's interval (bootstrap or normal)
    frame.loc[usual, ["value", "ci_low", "ci_high"]] = [
        inputs.estimate, inputs.ci_low, inputs.ci_high
    ]  # fmt: skip
    return frame


def headline_changes(stacked: pd.DataFrame, window: tuple[int, int]) -> pd.DataFrame:
    """Each matched set member's mean change over the event months of ``window`` from
    :meth:`~evaluation.did.MatchedEventStudy.stacked` (restricted, person level)."""
    lo, hi = window
    if stacked.empty:
        return pd.DataFrame(columns=["set_id", "treated", "change"])
    inside = stacked[(stacked["event_time"] >= lo) & (stacked["event_time"] <= hi)]
    return inside.groupby(["member", "set_id", "treated"], as_index=False)["change"].mean()


def offer_sensitivity(
    result: EventStudyResult,
    changes: pd.DataFrame | None,
    *,
    binary: bool,
    settings: SensitivitySettings = SensitivitySettings(),
) -> pd.DataFrame:
    """The ``sensitivity.parquet`` rows of one offer from its primary outcome's event
    study: the headline estimate and interval as the effects table states them (its
    pooled row: bootstrap or normal), the participants' observed share over the headline
    window (``level_means``; for the E-value when ``binary``), the placebo months as pre
    periods, and the matched set members' window ``changes`` (:func:`headline_changes`)."""
    head = result.tidy().iloc[-1]
    lo, hi = result.headline_window
    inside = (result.event_times >= lo) & (result.event_times <= hi)
    share = np.nan
    if binary and result.level_means is not None and inside.any():
        share = float(np.nanmean(result.level_means[0][inside]))
    inputs = HeadlineInputs(
        offer_id=result.offer_id,
        outcome=result.outcome,
        study=result,
        headline_window=result.headline_window,
        placebo_months=tuple(result.placebo_months),
        estimate=float(head["estimate"]),
        ci_low=float(head["ci_low"]),
        ci_high=float(head["ci_high"]),
        level=result.level,
        participants_share=share,
        binary=binary,
        changes=changes,
    )
    if not (np.isfinite(inputs.estimate) and np.isfinite(inputs.ci_low)):
        return pd.DataFrame(columns=list(TIDY_COLUMNS))
    return headline_sensitivity(inputs, settings)

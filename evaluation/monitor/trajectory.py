"""The effect needed by each event month to reach the contract's target, and the interim
ATT over the latest observed event months compared with it.

A trajectory maps event months ``e`` (months since the start) to the effect an offer on
its way to ``target`` at month ``X`` should show by then. Shapes are registered in
:data:`TRAJECTORIES`:

* ``linear`` - a straight ramp from 0 at ``e = 0`` to ``target`` at ``X``, flat after;
* ``step`` - nothing is required before ``X``, the target from ``X`` on;
* ``immediate`` - the target from the start on.

The interim ATT is the mean of ATT(e) over the latest ``interim_months`` observed event
months (``e >= 0`` with at least ``min_treated`` participants and an estimate). Once the
path has reached ``X`` the window reaches back to ``X``: every trajectory is flat at the
target from ``X`` on, so pooling those months adds precision without changing what is
compared. Its standard error comes from the joint covariance of the event months.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from evaluation.monitor.config import MonitorSettings, TrajectoryShape
from evaluation.monitor.data import EffectPath

Trajectory = Callable[[np.ndarray, float, int], np.ndarray]


def _linear(e: np.ndarray, target: float, month: int) -> np.ndarray:
    return target * np.clip(e / month, 0.0, 1.0)


def _step(e: np.ndarray, target: float, month: int) -> np.ndarray:
    return np.where(e >= month, target, 0.0)


def _immediate(e: np.ndarray, target: float, month: int) -> np.ndarray:
    return np.where(e >= 0, target, 0.0)


TRAJECTORIES: dict[str, Trajectory] = {
    "linear": _linear,
    "step": _step,
    "immediate": _immediate,
}


def trajectory(
    event_times: np.ndarray | int,
    target_effect: float,
    target_event_month: int,
    *,
    shape: TrajectoryShape = "linear",
) -> np.ndarray:
    """The effect needed at each event month (0 before the start)."""
    if target_event_month < 1:
        raise ValueError("target_event_month must be at least 1")
    if shape not in TRAJECTORIES:
        raise ValueError(f"unknown trajectory shape {shape!r}; known: {sorted(TRAJECTORIES)}")
    e = np.asarray(event_times, dtype=np.float64)
    return TRAJECTORIES[shape](e, float(target_effect), int(target_event_month))


@dataclass(frozen=True)
class Interim:
    """The pooled interim ATT over ``event_times`` and the trajectory there (NaN
    without a target)."""

    event_times: tuple[int, ...]
    estimate: float
    std_error: float
    ci_low: float
    ci_high: float
    trajectory: float
    n_treated: int  # participants behind the latest event month of the window
    level: float

    @property
    def first(self) -> int:
        return self.event_times[0]

    @property
    def last(self) -> int:
        return self.event_times[-1]


def observed_months(path: EffectPath, settings: MonitorSettings) -> np.ndarray:
    """Mask of event months that count as observed: e >= 0, an estimate with a finite
    variance and at least ``min_treated`` participants."""
    e = np.asarray(path.event_times)
    est = np.asarray(path.estimates, dtype=np.float64)
    var = np.diag(np.asarray(path.cov, dtype=np.float64))
    n = np.asarray(path.n_treated)
    return (e >= 0) & np.isfinite(est) & np.isfinite(var) & (n >= settings.min_treated)


def interim_effect(
    path: EffectPath,
    *,
    target_effect: float | None,
    target_event_month: int | None,
    level: float,
    settings: MonitorSettings,
) -> Interim | None:
    """The pooled ATT over the latest observed event months (None if no event month is
    observed or the latest is before ``settings.min_follow_up``)."""
    ok = observed_months(path, settings)
    if not ok.any():
        return None
    e = np.asarray(path.event_times, dtype=np.int64)
    latest = int(e[ok].max())
    if latest < settings.min_follow_up:
        return None
    first = latest - settings.interim_months + 1
    if target_event_month is not None and latest >= target_event_month:
        first = min(first, target_event_month)
    idx = np.flatnonzero(ok & (e >= first))
    w = np.full(len(idx), 1.0 / len(idx))
    est = float(w @ np.asarray(path.estimates, dtype=np.float64)[idx])
    cov = np.asarray(path.cov, dtype=np.float64)[np.ix_(idx, idx)]
    se = float(np.sqrt(max(w @ cov @ w, 0.0)))
    from scipy import stats  # heavy: imported when monitoring, not when reading a config

    z = float(stats.norm.ppf(1 - (1 - level) / 2))
    traj = np.nan
    if target_effect is not None and target_event_month is not None:
        shape = settings.trajectory
        traj = float(trajectory(e[idx], target_effect, target_event_month, shape=shape).mean())
    return Interim(
        event_times=tuple(int(x) for x in e[idx]),
        estimate=est,
        std_error=se,
        ci_low=est - z * se,
        ci_high=est + z * se,
        trajectory=traj,
        n_treated=int(np.asarray(path.n_treated)[idx[-1]]),
        level=level,
    )

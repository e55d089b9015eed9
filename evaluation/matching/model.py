"""Risk-set matching of one offer: build with the panel and options, ``fit()`` to match."""

from __future__ import annotations

import numpy as np
import pandas as pd

from evaluation.config import MatchingConfig, TargetGroup
from evaluation.matching.data import (
    RiskSets,
    build_risk_sets,
    covariates,
    measure_covariate_names,
    propensity_columns,
    strata,
)
from evaluation.matching.frame import MatchOptions, match_rows
from evaluation.matching.history import (
    classes_without_participants,
    other_offers,
    programme_key,
)
from evaluation.matching.matchers import Matches
from evaluation.matching.results import MatchResult
from evaluation.panel import StatusPanel

TOO_FEW_PARTICIPANTS = "too_few_participants"
NO_CANDIDATE_CONTROLS = "no_candidate_controls"
OUTSIDE_TARGET_GROUP = "outside_target_group"


class RiskSetMatching:
    """Match each participant of ``offer_id`` to controls from its start month's risk set."""

    def __init__(
        self,
        panel: StatusPanel,
        offer_id: str,
        target_group: TargetGroup,
        config: MatchingConfig = MatchingConfig(),
    ) -> None:
        _options(config)  # checks the options
        self.panel = panel
        self.offer_id = offer_id
        self.target_group = target_group
        self.config = config

    def fit(self) -> MatchResult:
        cfg = self.config
        risk = build_risk_sets(self.panel, self.offer_id, self.target_group)
        n_part = int(risk.treated.sum())
        outside = risk.treated & ~risk.in_target
        if n_part - outside.sum() < cfg.min_participants:
            return self._empty(risk, n_part, TOO_FEW_PARTICIPANTS)
        if not (~risk.treated).any():
            return self._empty(risk, n_part, NO_CANDIDATE_CONTROLS)
        outside_frame = _unmatched_frame(
            (risk.person[outside], risk.ref_month[outside]), OUTSIDE_TARGET_GROUP
        )
        return self._match(_subset(risk, ~outside), n_part, outside_frame)

    # -- steps ---------------------------------------------------------------------------
    def _match(self, risk: RiskSets, n_part: int, outside: pd.DataFrame) -> MatchResult:
        """Match the participants inside the target group: the cross-section matcher
        (:func:`~evaluation.matching.frame.match_rows`) on the risk-set rows, exact on the
        configured keys and the programme-history rules."""
        cfg = self.config
        x = covariates(self.panel, risk, cfg.covariates)
        offers = other_offers(self.panel, self.offer_id) if cfg.covariates.programme_history else ()
        history = programme_key(x, risk.treated, offers)
        stratum = _combine(strata(self.panel, risk, x, cfg.exact_on), history)
        rows = match_rows(
            x,
            risk.treated,
            stratum=stratum,
            tiebreak=_id_rank(self.panel)[risk.person],
            ps_columns=propensity_columns(cfg.covariates, offers)
            + measure_covariate_names(tuple(self.panel.measures), cfg.covariates, propensity=True),
            options=_options(cfg),
            row_key=_id_rank(self.panel)[risk.person] * (1 << 24) + risk.ref_month,
        )
        m = rows.matches
        sets = _sets_frame(risk, m, rows.score)
        return MatchResult(
            offer_id=self.offer_id,
            method=cfg.method,
            n_participants=n_part,
            sets=sets,
            unmatched=pd.concat([outside, _unmatched_rows(risk, m)], ignore_index=True),
            balance=rows.balance,
            support=rows.support,
            propensity=rows.propensity,
            hazards=_hazards(risk, rows.score, sets, history),
            n_candidate_rows=int((~risk.treated).sum()),
        )

    def _empty(self, risk: RiskSets, n_part: int, reason: str) -> MatchResult:
        """No match at all: participants outside the target group say so, the others
        give ``reason``."""
        t = risk.treated
        out, inside = t & ~risk.in_target, t & risk.in_target
        return MatchResult(
            offer_id=self.offer_id,
            method=self.config.method,
            n_participants=n_part,
            sets=pd.DataFrame(
                {
                    "set_id": np.array([], np.int64),
                    "person": np.array([], np.int64),
                    "ref_month": np.array([], np.int32),
                    "treated": np.array([], bool),
                    "weight": np.array([], float),
                    "score": np.array([], float),
                }
            ),
            unmatched=pd.concat(
                [
                    _unmatched_frame((risk.person[out], risk.ref_month[out]), OUTSIDE_TARGET_GROUP),
                    _unmatched_frame((risk.person[inside], risk.ref_month[inside]), reason),
                ],
                ignore_index=True,
            ),
            balance=pd.DataFrame(
                columns=[
                    "covariate",
                    "smd_before",
                    "smd_after",
                    "variance_ratio_before",
                    "variance_ratio_after",
                    "passed",
                ]
            ),
            support=None,
            propensity=None,
            hazards=pd.DataFrame(
                {
                    "person": np.array([], np.int64),
                    "month": np.array([], np.int32),
                    "hazard": np.array([], float),
                }
            ),
            n_candidate_rows=int((~t).sum()),
        )


def _subset(risk: RiskSets, keep: np.ndarray) -> RiskSets:
    return RiskSets(
        risk.offer_id,
        risk.person[keep],
        risk.ref_month[keep],
        risk.treated[keep],
        risk.in_target[keep],
    )


def _options(cfg: MatchingConfig) -> MatchOptions:
    return MatchOptions(
        method=cfg.method,
        k=cfg.k,
        replace=cfg.replace,
        caliper_sd=cfg.caliper_sd,
        smd_threshold=cfg.smd_threshold,
        variance_ratio_range=cfg.variance_ratio_range,
        max_ps_rows=cfg.max_ps_rows,
        seed=cfg.seed,
    )


def _combine(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """One stratum number per row for the pair of keys (numbered in key order)."""
    if not b.any():
        return a
    return pd.DataFrame({"a": a, "b": b}).groupby(["a", "b"], sort=True).ngroup().to_numpy()


def _sets_frame(risk: RiskSets, m: Matches, score: np.ndarray) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "set_id": m.set_id,
            "person": risk.person[m.row],
            "ref_month": risk.ref_month[m.row],
            "treated": risk.treated[m.row],
            "weight": m.weight,
            "score": score[m.row],
        }
    )


def _unmatched_rows(risk: RiskSets, m: Matches) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "person": risk.person[m.unmatched_row],
            "ref_month": risk.ref_month[m.unmatched_row],
            "reason": m.unmatched_reason.astype(str),
        }
    )


def _unmatched_frame(rows: tuple[np.ndarray, np.ndarray], reason: str) -> pd.DataFrame:
    person, ref = rows
    return pd.DataFrame(
        {"person": person, "ref_month": ref, "reason": np.full(len(person), reason)}
    )


def _id_rank(panel: StatusPanel) -> np.ndarray:
    """Rank of each person's pseudonymous ID: an order-free tie-breaker."""
    return panel.id_rank


def calibrated_hazard(score: np.ndarray, month: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """Monthly hazard of starting, per risk-set row: the propensity score's logit with a
    per-month intercept solved so that predicted starts equal observed starts in every
    month (month fixed effects; also undoes the control-sampling shift)."""
    out = np.empty(len(score))
    for m in np.unique(month):
        rows = np.flatnonzero(month == m)
        s, n = score[rows], float(starts[rows].sum())
        c = np.log(max(n, 0.5) / len(rows)) - np.median(s)
        for _ in range(50):
            p = 1 / (1 + np.exp(-(s + c)))
            f, df = p.sum() - n, (p * (1 - p)).sum()
            if df <= 0 or abs(f) < 1e-9:
                break
            c -= f / df
        out[rows] = 1 / (1 + np.exp(-(s + c)))
    return out


def _hazards(
    risk: RiskSets, score: np.ndarray, sets: pd.DataFrame, history: np.ndarray
) -> pd.DataFrame:
    """Hazard rows (person, month, hazard) of the persons used as controls, for
    inverse-probability-of-censoring weights in the event study. Only rows that could
    start have a hazard: rows of a programme-history class without any participant
    (:mod:`evaluation.matching.history`) get 0 and do not enter the calibration."""
    can = ~classes_without_participants(history, risk.treated)
    h = np.zeros(risk.n_rows)
    h[can] = calibrated_hazard(score[can], risk.ref_month[can], risk.treated[can])
    controls = np.unique(sets.loc[~sets["treated"], "person"].to_numpy())
    keep = np.isin(risk.person, controls) & ~risk.treated
    return pd.DataFrame(
        {"person": risk.person[keep], "month": risk.ref_month[keep], "hazard": h[keep]}
    )

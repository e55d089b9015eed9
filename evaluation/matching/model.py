"""Risk-set matching of one offer: build with the panel and options, ``fit()`` to match."""

from __future__ import annotations

import numpy as np
import pandas as pd

from evaluation.config import MatchingConfig, TargetGroup
from evaluation.matching.balance import balance_table
from evaluation.matching.data import (
    RiskSets,
    build_risk_sets,
    covariates,
    propensity_columns,
    strata,
)
from evaluation.matching.matchers import MATCHERS, Matches, MatchInput
from evaluation.matching.propensity import PropensityModel, fit_propensity
from evaluation.matching.results import CommonSupport, MatchResult
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
        _check(config)
        self.panel = panel
        self.offer_id = offer_id
        self.target_group = target_group
        self.config = config

    def fit(self) -> MatchResult:
        cfg = self.config
        risk = build_risk_sets(
            self.panel, self.offer_id, self.target_group, not_yet_treated=cfg.not_yet_treated
        )
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
        """Match the participants inside the target group with the registered variant."""
        cfg = self.config
        variant = MATCHERS[(cfg.method, cfg.replace)]
        x = covariates(self.panel, risk, cfg.covariates)
        ps, score = self._score(x, risk)
        caliper = _caliper(score, risk.treated, cfg.caliper_sd) if variant.uses_score else np.inf
        m = variant.matcher(
            MatchInput(
                treated=risk.treated,
                stratum=strata(self.panel, risk, x, cfg.exact_on),
                score=score if variant.uses_score else np.zeros(risk.n_rows),
                tiebreak=_id_rank(self.panel)[risk.person],
                features=_mahalanobis_features(x) if variant.uses_features else None,
                caliper=caliper,
                k=cfg.k,
                replace=cfg.replace,
            )
        )
        sets = _sets_frame(risk, m)
        return MatchResult(
            offer_id=self.offer_id,
            method=cfg.method,
            n_participants=n_part,
            sets=sets,
            unmatched=pd.concat([outside, _unmatched_rows(risk, m)], ignore_index=True),
            balance=balance_table(
                x,
                risk.treated,
                np.bincount(m.row, weights=m.weight, minlength=risk.n_rows),
                smd_threshold=cfg.smd_threshold,
                variance_ratio_range=cfg.variance_ratio_range,
            ),
            support=_support(score, risk.treated, caliper) if variant.uses_score else None,
            propensity=ps,
            hazards=_hazards(risk, score, sets),
            n_candidate_rows=int((~risk.treated).sum()),
        )

    def _score(self, x: pd.DataFrame, risk: RiskSets) -> tuple[PropensityModel, np.ndarray]:
        ps = fit_propensity(
            x[propensity_columns(self.config.covariates)],
            risk.treated,
            max_control_rows=self.config.max_ps_rows,
            seed=self.config.seed,
            row_key=_id_rank(self.panel)[risk.person] * (1 << 24) + risk.ref_month,
        )
        return ps, ps.linear_predictor(x)

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


def _check(cfg: MatchingConfig) -> None:
    if cfg.method not in {method for method, _ in MATCHERS}:
        raise ValueError(f"unknown matching method {cfg.method!r}")
    if cfg.k < 1:
        raise ValueError("k must be at least 1")
    if cfg.caliper_sd is not None and cfg.caliper_sd <= 0:
        raise ValueError("caliper_sd must be positive or None")
    if (cfg.method, cfg.replace) not in MATCHERS:
        raise ValueError(f"{cfg.method} matching is implemented with replacement only")


def _subset(risk: RiskSets, keep: np.ndarray) -> RiskSets:
    return RiskSets(
        risk.offer_id,
        risk.person[keep],
        risk.ref_month[keep],
        risk.treated[keep],
        risk.in_target[keep],
    )


def _sets_frame(risk: RiskSets, m: Matches) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "set_id": m.set_id,
            "person": risk.person[m.row],
            "ref_month": risk.ref_month[m.row],
            "treated": risk.treated[m.row],
            "weight": m.weight,
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


def _caliper(score: np.ndarray, treated: np.ndarray, caliper_sd: float | None) -> float:
    if caliper_sd is None:
        return np.inf
    sd = np.sqrt((score[treated].var() + score[~treated].var()) / 2)
    return float(caliper_sd * sd) if sd > 0 else np.inf


def _id_rank(panel: StatusPanel) -> np.ndarray:
    """Rank of each person's pseudonymous ID: an order-free tie-breaker."""
    return panel.id_rank


def _mahalanobis_features(x: pd.DataFrame, max_rows: int = 200_000) -> np.ndarray:
    """Covariates whitened with the pseudo-inverse square root of their covariance, so
    Euclidean distance on the result is the Mahalanobis distance."""
    xv = x.to_numpy(np.float64)
    keep = xv.std(axis=0) > 0
    xv = xv[:, keep]
    sample = xv[:: max(1, len(xv) // max_rows)]
    cov = np.cov(sample, rowvar=False)
    vals, vecs = np.linalg.eigh(np.atleast_2d(cov))
    inv_sqrt = np.where(vals > 1e-9 * vals.max(), 1 / np.sqrt(np.maximum(vals, 1e-300)), 0.0)
    return (xv - sample.mean(axis=0)) @ (vecs * inv_sqrt)


def _support(score: np.ndarray, treated: np.ndarray, caliper: float) -> CommonSupport:
    ts, cs = score[treated], score[~treated]
    return CommonSupport(
        caliper=caliper,
        treated_score_range=(float(ts.min()), float(ts.max())),
        control_score_range=(float(cs.min()), float(cs.max())),
        share_treated_in_support=float(((ts >= cs.min()) & (ts <= cs.max())).mean()),
        share_controls_in_support=float(((cs >= ts.min()) & (cs <= ts.max())).mean()),
    )


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


def _hazards(risk: RiskSets, score: np.ndarray, sets: pd.DataFrame) -> pd.DataFrame:
    """Hazard rows (person, month, hazard) of the persons used as controls, for
    inverse-probability-of-censoring weights in the event study."""
    h = calibrated_hazard(score, risk.ref_month, risk.treated)
    controls = np.unique(sets.loc[~sets["treated"], "person"].to_numpy())
    keep = np.isin(risk.person, controls) & ~risk.treated
    return pd.DataFrame(
        {"person": risk.person[keep], "month": risk.ref_month[keep], "hazard": h[keep]}
    )

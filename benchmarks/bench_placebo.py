"""Rejection rates of placebo tests on the synthetic municipality (no violation) and on
the same municipality with a planted violation the covariates cannot see.

Placebos compared (evaluation.did.placebo explains the choice):

* ``older_window`` (the pipeline's): the real design (same matched sets); joint Wald test
  of the event-study estimates at -24..-13, which the matching uses only as sums;
* ``shift_12``: every start moved back 12 months, matched on the history before the
  placebo start, "effects" at placebo event months 0..11 (calendar months s-12..s-1);
* ``holdout_12``: the real risk sets matched on the history before s-12 (covariates and
  the status exact key measured at s-12), test of event months -12..-2.

The planted violation (evaluation.synth_plant.plant_hidden_drift) moves participants'
self-sufficient months from the third year before their start into the second; no
matching covariate changes. Each test is at the 5% level; rates are over seeds x offers
with a Wilson 95% interval.

Run (one BLAS thread; about 40 s per seed at 10,000 persons on one core):

    OPENBLAS_NUM_THREADS=1 nice .venv/bin/python benchmarks/bench_placebo.py --seeds 20
"""

from __future__ import annotations

import argparse
import dataclasses
import time

import numpy as np
import pandas as pd

from evaluation.config import OfferConfig
from evaluation.did import MatchedEventStudy, status_outcome
from evaluation.did.placebo import placebo_test
from evaluation.matching import RiskSetMatching
from evaluation.matching.data import RiskSets, build_risk_sets, covariates, propensity_columns
from evaluation.matching.frame import match_rows
from evaluation.matching.model import _hazards, _options, _sets_frame
from evaluation.matching.results import MatchResult
from evaluation.panel import Participations, StatusPanel, build_panel
from evaluation.statuses import SELF_SUFFICIENT
from evaluation.synth import SynthSpec, generate
from evaluation.synth_plant import plant_hidden_drift
from flows.config import parse_config, to_core

SS = status_outcome(SELF_SUFFICIENT)
P = 12


def older_window(panel: StatusPanel, offer: OfferConfig) -> float:
    match = RiskSetMatching(panel, offer.offer_id, offer.target_group, offer.matching).fit()
    return MatchedEventStudy(panel, match).fit("ss", SS).placebo.p_value


def shift_12(panel: StatusPanel, offer: OfferConfig) -> float:
    p = panel.participations
    mine = np.isin(p.offer, [p.offer_ids.index(offer.offer_id)])
    moved = Participations(
        p.person, p.offer, np.where(mine, p.start - P, p.start), p.end, p.offer_ids
    )
    shifted = dataclasses.replace(panel, participations=moved)
    match = RiskSetMatching(shifted, offer.offer_id, offer.target_group, offer.matching).fit()
    res = MatchedEventStudy(shifted, match, window=(-1, P - 1), placebo_months=()).fit("ss", SS)
    return placebo_test(res.event_times, res.estimates, res.cov, tuple(range(P))).p_value


def holdout_12(panel: StatusPanel, offer: OfferConfig) -> float:
    cfg = offer.matching
    risk = build_risk_sets(panel, offer.offer_id, offer.target_group)
    keep = ~risk.treated | risk.in_target
    risk = RiskSets(
        risk.offer_id, risk.person[keep], risk.ref_month[keep], risk.treated[keep], keep[keep]
    )
    early = dataclasses.replace(risk, ref_month=risk.ref_month - P)
    x = covariates(panel, early, cfg.covariates)
    lag = panel.status[early.person, np.clip(early.ref_month - 1 - panel.first_month, 0, None)]
    stratum = pd.DataFrame({"s": risk.ref_month, "l": lag}).groupby(["s", "l"]).ngroup()
    rows = match_rows(
        x,
        risk.treated,
        stratum=stratum.to_numpy(),
        tiebreak=panel.id_rank[risk.person],
        ps_columns=propensity_columns(cfg.covariates, ()),
        options=_options(cfg),
        row_key=panel.id_rank[risk.person] * (1 << 24) + risk.ref_month,
    )
    sets = _sets_frame(risk, rows.matches, rows.score)
    match = MatchResult(
        offer.offer_id,
        cfg.method,
        int(risk.treated.sum()),
        sets,
        pd.DataFrame(columns=["person", "ref_month", "reason"]),
        rows.balance,
        rows.support,
        rows.propensity,
        int((~risk.treated).sum()),
        _hazards(risk, rows.score, sets, np.zeros(risk.n_rows, np.int64)),
    )
    res = MatchedEventStudy(panel, match, window=(-P, 0), placebo_months=()).fit("ss", SS)
    return placebo_test(res.event_times, res.estimates, res.cov, tuple(range(-P, -1))).p_value


def run_seed(seed: int, persons: int) -> list[tuple]:
    m = generate(SynthSpec(persons=persons, seed=seed))
    panel = build_panel(m.persons, m.status_monthly, m.participation)
    cfg = to_core(parse_config(m.config), prices=None)
    rows = []
    for offer in cfg.offers:
        planted = plant_hidden_drift(panel, offer.offer_id)
        for name, test in (("older_window", older_window), ("shift_12", shift_12)):
            rows.append((seed, offer.offer_id, name, "none", test(panel, offer)))
            rows.append((seed, offer.offer_id, name, "planted", test(planted, offer)))
        rows.append((seed, offer.offer_id, "holdout_12", "none", holdout_12(panel, offer)))
        rows.append((seed, offer.offer_id, "holdout_12", "planted", holdout_12(planted, offer)))
    return rows


def report(frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame.assign(reject=frame["p_value"] < 0.05)
    g = frame.groupby(["placebo", "violation"])
    t = g.agg(n=("reject", "size"), rejection_rate=("reject", "mean"))
    z = 1.96
    p, n = t["rejection_rate"], t["n"]
    centre = (p + z**2 / (2 * n)) / (1 + z**2 / n)
    half = z * np.sqrt(p * (1 - p) / n + z**2 / (4 * n**2)) / (1 + z**2 / n)
    t["lo"], t["hi"] = centre - half, centre + half
    per_offer = frame.pivot_table(
        index=["placebo", "violation"], columns="offer_id", values="reject", aggfunc="mean"
    )
    return t.join(per_offer)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=20)
    ap.add_argument("--first-seed", type=int, default=1)
    ap.add_argument("--persons", type=int, default=10_000)
    ap.add_argument("--out", default=None, help="optional CSV of all p-values")
    args = ap.parse_args()
    t0 = time.perf_counter()
    rows = []
    for seed in range(args.first_seed, args.first_seed + args.seeds):
        rows += run_seed(seed, args.persons)
        print(f"seed {seed} done ({time.perf_counter() - t0:.0f} s)", flush=True)
    frame = pd.DataFrame(rows, columns=["seed", "offer_id", "placebo", "violation", "p_value"])
    if args.out:
        frame.to_csv(args.out, index=False)
    pd.set_option("display.width", 160)
    print(report(frame).round(3).to_string())
    print(f"total {time.perf_counter() - t0:.0f} s")


if __name__ == "__main__":
    main()

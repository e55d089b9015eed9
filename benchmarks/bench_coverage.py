"""Coverage study of the matched event study on the synthetic municipality.

For every seed the municipality is generated, every offer matched and estimated on
self-sufficiency, and the estimates compared with the generator's true ATT (over the
matched participants' cohorts). Reported per offer and overall:

* coverage of the 95% intervals of ATT(e), e = 0..11, and of the pooled ATT;
* mean and SD of z = (estimate - truth) / SE (unbiased with right SEs: 0 and 1);
* how many of the per-e |z| exceed 2.5 (expected 1.24% of them with right SEs).

Run (about 25 s per seed at 40,000 persons on one core):

    .venv/bin/python benchmarks/bench_coverage.py --seeds 20 --persons 40000
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd
from scipy import stats

from evaluation import months
from evaluation.config import MatchingConfig, TargetGroup
from evaluation.did.event_study import MatchedEventStudy, status_outcome
from evaluation.matching import RiskSetMatching
from evaluation.panel import build_panel
from evaluation.statuses import SELF_SUFFICIENT
from evaluation.synth import SynthSpec, generate, true_att


def run_seed(seed: int, persons: int, config: MatchingConfig) -> pd.DataFrame:
    """z-scores of ATT(e), e in the headline window, and of the pooled ATT per offer."""
    m = generate(SynthSpec(persons=persons, seed=seed))
    panel = build_panel(m.persons, m.status_monthly, m.participation)
    rows = []
    for o in m.config["offers"]:
        tg = o["target_group"]
        rule = TargetGroup(tuple(tg["statuses"]), tg["months_before_start"])
        match = RiskSetMatching(panel, o["offer_id"], rule, config).fit()
        res = MatchedEventStudy(panel, match).fit("ss", status_outcome(SELF_SUFFICIENT))
        cohorts = (
            match.sets[match.sets["treated"]].groupby("ref_month").size().rename("n").reset_index()
        )
        cohorts = pd.DataFrame(
            {
                "offer_id": o["offer_id"],
                "start_month": months.to_timestamps(cohorts["ref_month"].to_numpy()),
                "n": cohorts["n"].to_numpy(),
            }
        )
        truth = true_att(m.true_effects, cohorts=cohorts)
        truth = truth[truth["outcome"] == "self_sufficient"].set_index("event_time")["effect"]
        t = truth.reindex(res.event_times).to_numpy()
        lo, hi = res.headline_window
        head = (res.event_times >= lo) & (res.event_times <= hi)
        w = res._pool_weights
        pooled_truth = float(np.nansum(w * t))
        for e, est, se, tr in zip(
            res.event_times[head], res.estimates[head], res.std_errors[head], t[head], strict=True
        ):
            rows.append((seed, o["offer_id"], int(e), est, se, tr))
        rows.append(
            (seed, o["offer_id"], -999, res.pooled_estimate, res.pooled_std_error, pooled_truth)
        )
    out = pd.DataFrame(rows, columns=["seed", "offer_id", "event_time", "estimate", "se", "truth"])
    out["z"] = (out["estimate"] - out["truth"]) / out["se"]
    return out


def report(z: pd.DataFrame, level: float = 0.95) -> pd.DataFrame:
    crit = stats.norm.ppf(1 - (1 - level) / 2)
    z = z.assign(
        kind=np.where(z["event_time"] == -999, "pooled", "per_e"),
        covered=z["z"].abs() <= crit,
        over_2_5=z["z"].abs() > 2.5,
    )
    g = z.groupby(["kind", "offer_id"])
    table = g.agg(
        n=("z", "size"),
        coverage=("covered", "mean"),
        mean_z=("z", "mean"),
        sd_z=("z", "std"),
        n_over_2_5=("over_2_5", "sum"),
    )
    overall = z.groupby("kind").agg(
        n=("z", "size"),
        coverage=("covered", "mean"),
        mean_z=("z", "mean"),
        sd_z=("z", "std"),
        n_over_2_5=("over_2_5", "sum"),
    )
    overall.index = pd.MultiIndex.from_product([overall.index, ["ALL"]], names=table.index.names)
    return pd.concat([table, overall]).sort_index()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=20)
    ap.add_argument("--first-seed", type=int, default=1)
    ap.add_argument("--persons", type=int, default=40_000)
    ap.add_argument("--out", default=None, help="optional CSV of all z-scores")
    args = ap.parse_args()
    t0 = time.perf_counter()
    frames = []
    for seed in range(args.first_seed, args.first_seed + args.seeds):
        frames.append(run_seed(seed, args.persons, MatchingConfig()))
        print(f"seed {seed} done ({time.perf_counter() - t0:.0f} s)", flush=True)
    z = pd.concat(frames, ignore_index=True)
    if args.out:
        z.to_csv(args.out, index=False)
    pd.set_option("display.width", 120)
    print(report(z).round(3).to_string())
    n_e = int((z["event_time"] != -999).sum())
    print(f"expected |z| > 2.5 among {n_e} per-e estimates: {n_e * 2 * stats.norm.sf(2.5):.1f}")
    print(f"total {time.perf_counter() - t0:.0f} s")


if __name__ == "__main__":
    main()

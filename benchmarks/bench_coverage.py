"""Coverage study of the matched event study on the synthetic municipality.

For every seed the municipality is generated, every offer matched and estimated on
self-sufficiency, and the estimates compared with the generator's true ATT (over the
matched participants' cohorts). Reported per offer and overall:

* coverage of the 95% intervals of ATT(e), e = 0..11, and of the pooled ATT, with a
  Wilson 95% interval for the coverage (binomial; per-e months of one seed are
  correlated, so for per_e the interval is too narrow; the pooled row has one
  independent z per seed);
* mean z = (estimate - truth) / SE with its standard error over seeds (unbiased with
  right SEs: 0), and the SD of z (1 with right SEs);
* how many of the per-e |z| exceed 2.5 (expected 1.24% of them with right SEs).

Run (one BLAS thread; about 15 s per seed at 20,000 persons on one core):

    OPENBLAS_NUM_THREADS=1 nice .venv/bin/python benchmarks/bench_coverage.py --seeds 20
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd
from scipy import stats

from evaluation import months
from evaluation.did.event_study import MatchedEventStudy, status_outcome
from evaluation.matching import RiskSetMatching
from evaluation.panel import build_panel
from evaluation.statuses import SELF_SUFFICIENT
from evaluation.synth import SynthSpec, generate, true_att
from flows.config import parse_config, to_core


def run_seed(seed: int, persons: int) -> pd.DataFrame:
    """z-scores of ATT(e), e in the headline window, and of the pooled ATT per offer,
    each offer matched with its configured options (as the flow does)."""
    m = generate(SynthSpec(persons=persons, seed=seed))
    panel = build_panel(m.persons, m.status_monthly, m.participation)
    cfg = to_core(parse_config(m.config), prices=None)
    rows = []
    for offer in cfg.offers:
        o = {"offer_id": offer.offer_id}
        match = RiskSetMatching(panel, offer.offer_id, offer.target_group, offer.matching).fit()
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
    table = _summary(z, ["kind", "offer_id"])
    overall = _summary(z, ["kind"])
    overall.index = pd.MultiIndex.from_product([overall.index, ["ALL"]], names=table.index.names)
    return pd.concat([table, overall]).sort_index()


def _summary(z: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    g = z.groupby(by)
    t = g.agg(
        n=("z", "size"),
        coverage=("covered", "mean"),
        mean_z=("z", "mean"),
        sd_z=("z", "std"),
        n_over_2_5=("over_2_5", "sum"),
    )
    # mean z's SE over seeds: the per-seed means are independent
    per_seed = z.groupby([*by, "seed"])["z"].mean().groupby(level=list(range(len(by))))
    t["mean_z_se"] = per_seed.std() / np.sqrt(per_seed.size())
    lo, hi = _wilson(t["coverage"].to_numpy(), t["n"].to_numpy())
    t.insert(2, "cov_lo", lo)
    t.insert(3, "cov_hi", hi)
    return t


def _wilson(p: np.ndarray, n: np.ndarray, z: float = 1.96) -> tuple[np.ndarray, np.ndarray]:
    centre = (p + z**2 / (2 * n)) / (1 + z**2 / n)
    half = z * np.sqrt(p * (1 - p) / n + z**2 / (4 * n**2)) / (1 + z**2 / n)
    return centre - half, centre + half


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=20)
    ap.add_argument("--first-seed", type=int, default=1)
    ap.add_argument("--persons", type=int, default=20_000)
    ap.add_argument("--out", default=None, help="optional CSV of all z-scores")
    args = ap.parse_args()
    t0 = time.perf_counter()
    frames = []
    for seed in range(args.first_seed, args.first_seed + args.seeds):
        frames.append(run_seed(seed, args.persons))
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

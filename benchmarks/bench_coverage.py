"""Coverage study of the matched event study on the synthetic municipality.

For every seed the municipality is generated, every offer matched and estimated on
self-sufficiency, and the estimates compared with the generator's true ATT (over the
matched participants' cohorts). z = (estimate - truth) / SE: mean 0 and SD 1 with an
unbiased estimator and right SEs; |z| <= 1.96 is a covered 95% interval.

Seeds are the independent units. Within a seed the z of the event months e = 0..11 are
strongly correlated (one matched design, one control pool: about 0.7 between months), so
240 per-e values from 20 seeds carry about 20 draws' worth of information, not 240.
Every interval below is therefore clustered by seed: the statistic per seed (coverage =
share of the seed's months covered, mean z over them), its mean over seeds, the SE
across seeds (SD of the per-seed values / sqrt(seeds)) and a 95% seed-cluster bootstrap
percentile interval (seeds resampled with replacement). Two views per offer:

* ``per_e``: the 12 event months of the headline window of every seed;
* ``pooled``: the pooled headline ATT, one z per seed (the bootstrap then is over
  independent draws).

Also per offer: the SD of z (1 with right SEs; over seeds for ``pooled``), how many
per-e |z| exceed 2.5 (1.24% expected), and the mean z by event month (a bias that grows
with e points at the censoring weights).

Run (one BLAS thread; median 18-20 s per seed at 20,000 persons on one core, 40 seeds in
about 13 min):

    OPENBLAS_NUM_THREADS=1 nice .venv/bin/python benchmarks/bench_coverage.py \\
        --seeds 20 --persons 20000 --start 1 --out /tmp/coverage_z.csv

``--jobs N`` runs seeds in N processes; ``--from-csv FILE`` re-reports a saved run.
"""

from __future__ import annotations

import argparse
import statistics
import time
from concurrent.futures import ProcessPoolExecutor

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

POOLED = -999
CRIT = float(stats.norm.ppf(0.975))


def run_seed(seed: int, persons: int) -> tuple[pd.DataFrame, float]:
    """z-scores of ATT(e), e in the headline window, and of the pooled ATT per offer,
    each offer matched with its configured options (as the flow does); and the seconds."""
    t0 = time.perf_counter()
    m = generate(SynthSpec(persons=persons, seed=seed))
    panel = build_panel(m.persons, m.status_monthly, m.participation)
    cfg = to_core(parse_config(m.config), prices=None)
    rows = []
    for offer in cfg.offers:
        match = RiskSetMatching(panel, offer.offer_id, offer.target_group, offer.matching).fit()
        res = MatchedEventStudy(panel, match).fit("ss", status_outcome(SELF_SUFFICIENT))
        n = match.sets[match.sets["treated"]].groupby("ref_month").size()
        cohorts = pd.DataFrame(
            {
                "offer_id": offer.offer_id,
                "start_month": months.to_timestamps(n.index.to_numpy()),
                "n": n.to_numpy(),
            }
        )
        truth = true_att(m.true_effects, cohorts=cohorts)
        truth = truth[truth["outcome"] == "self_sufficient"].set_index("event_time")["effect"]
        t = truth.reindex(res.event_times).to_numpy()
        lo, hi = res.headline_window
        head = (res.event_times >= lo) & (res.event_times <= hi)
        for e, est, se, tr in zip(
            res.event_times[head], res.estimates[head], res.std_errors[head], t[head], strict=True
        ):
            rows.append((seed, offer.offer_id, int(e), est, se, tr))
        pooled_truth = float(np.nansum(res._pool_weights * t))
        rows.append(
            (seed, offer.offer_id, POOLED, res.pooled_estimate, res.pooled_std_error, pooled_truth)
        )
    out = pd.DataFrame(rows, columns=["seed", "offer_id", "event_time", "estimate", "se", "truth"])
    out["z"] = (out["estimate"] - out["truth"]) / out["se"]
    return out, time.perf_counter() - t0


def _bootstrap(per_seed: np.ndarray, draws: int = 4000, seed: int = 0) -> tuple[float, float]:
    """95% percentile interval of the mean over seeds, seeds resampled with replacement."""
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, len(per_seed), size=(draws, len(per_seed)))
    lo, hi = np.quantile(per_seed[idx].mean(axis=1), [0.025, 0.975])
    return float(lo), float(hi)


def summary(z: pd.DataFrame) -> pd.DataFrame:
    """One row per (view, offer) and per view over all offers: seed-clustered statistics."""
    z = z.assign(
        view=np.where(z["event_time"] == POOLED, "pooled", "per_e"),
        covered=z["z"].abs() <= CRIT,
        over_2_5=z["z"].abs() > 2.5,
    )
    rows = []
    for (view, offer), g in [
        *z.groupby(["view", "offer_id"]),
        *(((v, "ALL"), g) for v, g in z.groupby("view")),
    ]:
        # per seed (and offer, for ALL: the offers of a seed share its data)
        seed_cov = g.groupby("seed")["covered"].mean().to_numpy()
        seed_z = g.groupby("seed")["z"].mean().to_numpy()
        s = len(seed_cov)
        pooled_se = g["se"].to_numpy()
        err = (g["estimate"] - g["truth"]).to_numpy()
        rows.append(
            {
                "view": view,
                "offer": offer,
                "seeds": s,
                "n": len(g),
                "coverage": seed_cov.mean(),
                "cov_se": seed_cov.std(ddof=1) / np.sqrt(s),
                "cov_lo": _bootstrap(seed_cov)[0],
                "cov_hi": _bootstrap(seed_cov)[1],
                "mean_z": seed_z.mean(),
                "z_se": seed_z.std(ddof=1) / np.sqrt(s),
                "z_lo": _bootstrap(seed_z)[0],
                "z_hi": _bootstrap(seed_z)[1],
                "sd_z": g["z"].std(ddof=1),
                "sd_err/mean_se": err.std(ddof=1) / pooled_se.mean(),
                "n_z_over_2.5": int(g["over_2_5"].sum()),
            }
        )
    return pd.DataFrame(rows)


def by_event_month(z: pd.DataFrame) -> pd.DataFrame:
    """Mean z per event month and offer (the seed is the unit: SE = SD / sqrt(seeds))."""
    e = z[z["event_time"] != POOLED]
    return e.pivot_table(index="event_time", columns="offer_id", values="z", aggfunc="mean")


def markdown(frame: pd.DataFrame, digits: int = 3) -> str:
    def cell(v: object) -> str:
        if isinstance(v, float | np.floating):
            return f"{v:.{digits}f}"
        return str(v)

    head = [str(c) for c in frame.columns]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in frame.itertuples(False)]
    return "\n".join(lines)


def report(z: pd.DataFrame) -> str:
    s = summary(z)
    seeds = sorted(z["seed"].unique())
    n_e = int((z["event_time"] != POOLED).sum())
    parts = [
        f"seeds {seeds[0]}..{seeds[-1]} ({len(seeds)}); intervals: 95% seed-cluster bootstrap",
        "",
        markdown(s),
        "",
        "mean z by event month (SE about 1/sqrt(seeds) each):",
        "",
        markdown(by_event_month(z).reset_index()),
        "",
        f"expected |z| > 2.5 among {n_e} per-e estimates: {n_e * 2 * stats.norm.sf(2.5):.1f}",
    ]
    return "\n".join(parts)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=20)
    ap.add_argument("--start", "--first-seed", dest="start", type=int, default=1)
    ap.add_argument("--persons", type=int, default=20_000)
    ap.add_argument("--jobs", type=int, default=1, help="seeds run in this many processes")
    ap.add_argument("--out", default=None, help="optional CSV of all z-scores")
    ap.add_argument("--from-csv", default=None, help="report a saved CSV instead of running")
    args = ap.parse_args()
    if args.from_csv:
        print(report(pd.read_csv(args.from_csv)))
        return
    t0 = time.perf_counter()
    seeds = list(range(args.start, args.start + args.seeds))
    frames, secs = [], []
    with ProcessPoolExecutor(max_workers=args.jobs) as pool:
        for seed, (frame, sec) in zip(
            seeds, pool.map(run_seed, seeds, [args.persons] * len(seeds)), strict=True
        ):
            frames.append(frame)
            secs.append(sec)
            print(f"seed {seed} done in {sec:.0f} s ({time.perf_counter() - t0:.0f} s)", flush=True)
    z = pd.concat(frames, ignore_index=True)
    if args.out:
        z.to_csv(args.out, index=False)
    print(report(z))
    print(
        f"median {statistics.median(secs):.0f} s per seed; total {time.perf_counter() - t0:.0f} s"
    )


if __name__ == "__main__":
    main()

"""Matching and estimation at national scale (issues 3 and 4): speed and peak memory.

Usage::

    .venv/bin/python benchmarks/bench_matching.py [--persons 1000000] [--repeats 1]
        [--peer-rows 50000] [--peer-python /work/peer-venv-psm/bin/python]
        [--data DIR] [--blas-threads N] [--out /work/notes/bench_matching.txt]

1. Writes a synthetic municipality (``--persons`` × 60 months, enrolment scaled so about
   30,000 persons take an offer) in a child process, to ``--data`` (kept and reused by
   later runs) or a temporary folder.
2. In a child process: reads it and builds the person × month matrix (timed, pickled).
   In a fresh child process per repeat: loads that matrix and matches every offer (wall
   time per offer, peak RSS ``ru_maxrss`` after matching), then fits the event study on
   self-sufficiency on every offer's matched sets (wall time: median of three fits;
   peak RSS at the end); prints the medians over repeats.
3. Peer: for one offer, the propensity model and 1:1 nearest-neighbour matching of
   ``psmpy`` on a random subsample of ``--peer-rows`` risk-set rows (all participants,
   sampled candidate controls, same covariates), against ours on the same rows; prints
   both, the peer's peak RSS and the ratio. psmpy's ``kdtree_matched`` queries every
   control for every participant (a participants × controls distance matrix), so the
   full risk set (millions of rows) is out of its reach; the subsample is the largest
   that fits in memory. psmpy runs in its own virtual environment
   (``python3.11 -m venv /work/peer-venv-psm && /work/peer-venv-psm/bin/pip install
   psmpy``).

``--blas-threads`` sets OPENBLAS/OMP/MKL thread counts in the children: on a small shared
machine multi-threaded BLAS spins against other processes (the logit's Hessians and
predictions are BLAS calls), which can double the wall time.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
INTAKE_SHIFT = -2.3  # about 30,000 participants per million persons
ESTIMATION_REPEATS = 3  # event studies per run (median reported)


def write_data(folder: Path, persons: int) -> None:
    from flows.synthetic import write_synthetic

    write_synthetic(folder, persons=persons, seed=1, intake_shift=INTAKE_SHIFT)


def _peak_rss_gb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6


def read_panel(folder: Path) -> dict[str, float]:
    """Read the Parquet inputs and build the person x month matrix; pickle it (as a
    worker of a distributed run would receive it)."""
    import pickle

    import pandas as pd

    from evaluation.panel import build_panel

    t0 = time.perf_counter()
    frames = [pd.read_parquet(folder / f"{n}.parquet") for n in ("persons", "status_monthly")]
    part = pd.read_parquet(folder / "participation.parquet")
    panel = build_panel(*frames, part)
    seconds = time.perf_counter() - t0
    (folder / "panel.pkl").write_bytes(pickle.dumps(panel, protocol=5))
    return {
        "read_and_panel_s": seconds,
        "read_peak_rss_gb": _peak_rss_gb(),
        "participants": float(part["person_id"].nunique()),
    }


def run_once(folder: Path) -> dict[str, float]:
    import pickle

    from evaluation.did.event_study import MatchedEventStudy, status_outcome
    from evaluation.matching import RiskSetMatching
    from evaluation.statuses import SELF_SUFFICIENT
    from flows.config import load_config, to_core

    out: dict[str, float] = {}
    panel = pickle.loads((folder / "panel.pkl").read_bytes())
    cfg = to_core(load_config(folder / "config.yaml"), prices=None)
    out["panel_gb"] = panel.status.nbytes / 1e9
    out["loaded_rss_gb"] = _peak_rss_gb()
    matches = {}
    for offer in cfg.offers:
        t1 = time.perf_counter()
        m = RiskSetMatching(panel, offer.offer_id, offer.target_group, offer.matching).fit()
        out[f"match_{offer.offer_id}_s"] = time.perf_counter() - t1
        out[f"rows_{offer.offer_id}"] = float(m.n_candidate_rows + m.n_participants)
        out[f"matched_{offer.offer_id}"] = float(m.n_matched)
        out[f"balance_passed_{offer.offer_id}"] = float(m.balance_passed)
        matches[offer.offer_id] = m
    out["matching_s"] = sum(out[f"match_{o.offer_id}_s"] for o in cfg.offers)
    out["matching_peak_rss_gb"] = _peak_rss_gb()
    est_s = []
    for _ in range(ESTIMATION_REPEATS):  # cheap next to matching: repeat within the run
        t2 = time.perf_counter()
        for offer_id, m in matches.items():
            res = MatchedEventStudy(panel, m).fit(
                "self_sufficient", status_outcome(SELF_SUFFICIENT)
            )
            out[f"att_{offer_id}"] = res.pooled_estimate
            out[f"att_se_{offer_id}"] = res.pooled_std_error
        est_s.append(time.perf_counter() - t2)
    out["event_study_s"] = statistics.median(est_s)
    out["peak_rss_gb"] = _peak_rss_gb()
    return out


def peer_data(folder: Path, rows: int, dest: Path) -> dict[str, float]:
    """Risk-set rows of one offer with our covariates; time ours on them."""
    import pickle

    import numpy as np

    from evaluation.matching.data import build_risk_sets, covariates, propensity_columns
    from evaluation.matching.matchers import MatchInput, nearest_with_replacement
    from evaluation.matching.propensity import fit_propensity
    from flows.config import load_config, to_core

    panel = pickle.loads((folder / "panel.pkl").read_bytes())
    offer = to_core(load_config(folder / "config.yaml"), prices=None).offers[0]
    risk = build_risk_sets(panel, offer.offer_id, offer.target_group)
    x = covariates(panel, risk, offer.matching.covariates)[
        propensity_columns(offer.matching.covariates)
    ]
    rng = np.random.default_rng(1)
    t_rows = np.flatnonzero(risk.treated)
    c_rows = rng.choice(np.flatnonzero(~risk.treated), rows - len(t_rows), replace=False)
    keep = np.sort(np.concatenate([t_rows, c_rows]))
    x, treated = x.iloc[keep].reset_index(drop=True), risk.treated[keep]
    frame = x.assign(treated=treated.astype(int), id=np.arange(len(x)))
    frame.to_csv(dest, index=False)
    t0 = time.perf_counter()
    ps = fit_propensity(x, treated, max_control_rows=len(x), seed=1)
    score = ps.linear_predictor(x)
    inp = MatchInput(
        treated=treated,
        stratum=np.zeros(len(x), np.int64),
        score=score,
        tiebreak=np.arange(len(x)),
        features=None,
        caliper=np.inf,
        k=1,
        replace=True,
    )
    nearest_with_replacement(inp)
    return {
        "ours_s": time.perf_counter() - t0,
        "rows": float(len(x)),
        "treated": float(treated.sum()),
        "offer_rows": float(risk.n_rows),
    }


PEER = """
import resource, sys, time, warnings, pandas as pd
warnings.simplefilter("ignore")
from psmpy import PsmPy
df = pd.read_csv(sys.argv[1])
t0 = time.perf_counter()
psm = PsmPy(df, treatment="treated", indx="id", exclude=[])
psm.logistic_ps(balance=False)
psm.kdtree_matched(matcher="propensity_logit", replacement=True, caliper=None)
print(time.perf_counter() - t0, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6)
"""


def _env(blas_threads: int | None) -> dict[str, str]:
    env = dict(os.environ)
    if blas_threads:
        for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
            env[var] = str(blas_threads)
    return env


def _child(env: dict[str, str], *args: str) -> dict[str, float]:
    done = subprocess.run(
        [sys.executable, __file__, *args], capture_output=True, text=True, env=env
    )
    if done.returncode != 0:
        raise RuntimeError(done.stderr[-3000:])
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--persons", type=int, default=1_000_000)
    p.add_argument("--repeats", type=int, default=1)
    p.add_argument("--peer-rows", type=int, default=50_000)
    p.add_argument("--peer-python", default="/work/peer-venv-psm/bin/python")
    p.add_argument("--data", type=Path, help="folder for the synthetic inputs (reused)")
    p.add_argument("--blas-threads", type=int, help="BLAS threads in the children")
    p.add_argument("--out", type=Path, help="also append the report to this file")
    p.add_argument("--_child", nargs="+", help=argparse.SUPPRESS)
    a = p.parse_args()
    if a._child:
        kind, *rest = a._child
        if kind == "panel":
            result = read_panel(Path(rest[0]))
        elif kind == "run":
            result = run_once(Path(rest[0]))
        else:
            result = peer_data(Path(rest[0]), int(rest[1]), Path(rest[2]))
        print(json.dumps(result))
        return

    def say(line: str) -> None:
        print(line, flush=True)
        if a.out:
            with a.out.open("a") as f:
                f.write(line + "\n")

    env = _env(a.blas_threads)
    with tempfile.TemporaryDirectory() as tmp:
        data = a.data or Path(tmp) / "data"
        say(
            f"== bench_matching {time.strftime('%Y-%m-%d %H:%M')}: {a.persons:,} persons, "
            f"repeats {a.repeats}, BLAS threads {a.blas_threads or 'default'}, "
            f"{os.cpu_count()} CPUs (load average {os.getloadavg()[0]:.1f})"
        )
        if not (data / "config.yaml").exists():
            t0 = time.perf_counter()
            subprocess.run(
                [
                    sys.executable,
                    "-c",
                    f"import sys; sys.path.insert(0, {str(ROOT)!r}); "
                    f"from benchmarks.bench_matching import write_data; from pathlib import Path; "
                    f"write_data(Path({str(data)!r}), {a.persons})",
                ],
                check=True,
                env=env,
            )
            seconds = time.perf_counter() - t0
            say(f"synthetic data, {a.persons:,} persons x 60 months: {seconds:.0f} s")
        else:
            say(f"synthetic data reused from {data}")
        read = _child(env, "--_child", "panel", str(data))
        say(f"participants: {read['participants']:,.0f}")
        say(
            f"read inputs + build panel: {read['read_and_panel_s']:.1f} s, "
            f"peak RSS {read['read_peak_rss_gb']:.2f} GB (separate process)"
        )
        runs = [_child(env, "--_child", "run", str(data)) for _ in range(a.repeats)]
        first = runs[0]
        for key in first:
            if key.endswith(("_s", "_gb")):
                vals = [r[key] for r in runs]
                rounded = [round(v, 2) for v in vals]
                say(f"{key:28s} median {statistics.median(vals):8.2f}  {rounded}")
        for key in (k for k in first if k.startswith("rows_")):
            offer = key.removeprefix("rows_")
            say(
                f"{offer:28s} {first[key]:,.0f} risk-set rows, "
                f"{first[f'matched_{offer}']:,.0f} matched, "
                f"balance {'passed' if first[f'balance_passed_{offer}'] else 'FAILED'}, "
                f"self-sufficiency ATT months 0-11 {first[f'att_{offer}']:+.4f} "
                f"(SE {first[f'att_se_{offer}']:.4f})"
            )
        if Path(a.peer_python).exists():
            sample = Path(tmp) / "peer.csv"
            ours = _child(env, "--_child", "peer", str(data), str(a.peer_rows), str(sample))
            peer = subprocess.run(
                [a.peer_python, "-c", PEER, str(sample)],
                capture_output=True,
                text=True,
                check=True,
                env=env,
            )
            peer_s, peer_gb = map(float, peer.stdout.strip().splitlines()[-1].split())
            say(
                f"peer psmpy on a subsample of {ours['rows']:,.0f} of the offer's "
                f"{ours['offer_rows']:,.0f} risk-set rows ({ours['treated']:,.0f} treated), "
                f"logit + 1:1 nearest neighbour: psmpy {peer_s:.2f} s "
                f"(peak RSS {peer_gb:.2f} GB), ours {ours['ours_s']:.2f} s, "
                f"ratio {peer_s / ours['ours_s']:.1f}x"
            )


if __name__ == "__main__":
    main()

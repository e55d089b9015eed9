"""Callaway & Sant'Anna ATT(g,t) + dynamic aggregation: ours against ``csdid`` (issue 4).

Usage::

    .venv/bin/python benchmarks/bench_staggered.py [--units 100000] [--periods 10]
        [--repeats 3] [--peer-python /work/peer-venv-cs/bin/python]

Times both on mpdta (500 counties × 5 years) and on a simulated balanced panel, never
treated controls, no covariates, analytic standard errors; medians of ``--repeats`` runs.
The peer runs in its own environment (``python3.11 -m venv /work/peer-venv-cs &&
/work/peer-venv-cs/bin/pip install csdid``). Both must agree on the dynamic overall ATT.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from evaluation.did.staggered import att_gt  # noqa: E402

PEER = """
import contextlib, io, sys, time, warnings
import pandas as pd
warnings.simplefilter("ignore")
from csdid.att_gt import ATTgt
d = pd.read_csv(sys.argv[1])
times = []
for _ in range(int(sys.argv[2])):
    t0 = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()):
        a = ATTgt(yname="y", gname="g", idname="id", tname="t", data=d,
                  control_group="nevertreated").fit(est_method="dr", bstrap=False)
        a.aggte("dynamic", bstrap=False)
    times.append(time.perf_counter() - t0)
print(a.atte["overall_att"], *times)
"""


def simulated(units: int, periods: int, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    years = np.arange(2000, 2000 + periods)
    cohorts = np.r_[0, years[2::2]]
    g = rng.choice(cohorts, size=units)
    treated = (g[:, None] > 0) & (years[None, :] >= g[:, None])
    y = rng.normal(0, 1, units)[:, None] + 0.1 * np.arange(periods) + 0.2 * treated
    y = y + rng.normal(0, 0.5, (units, periods))
    return pd.DataFrame(
        {
            "id": np.repeat(np.arange(units), periods),
            "t": np.tile(years, units),
            "g": np.repeat(g, periods),
            "y": y.ravel(),
        }
    )


def ours(data: pd.DataFrame, repeats: int) -> tuple[float, list[float]]:
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        res = att_gt(data, y="y", t="t", unit="id", group="g", est_method="dr")
        agg = res.aggregate("dynamic")
        times.append(time.perf_counter() - t0)
    return agg.overall_att, times


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--units", type=int, default=100_000)
    p.add_argument("--periods", type=int, default=10)
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--peer-python", default="/work/peer-venv-cs/bin/python")
    a = p.parse_args()
    mpdta = pd.read_csv(ROOT / "tests" / "data" / "mpdta" / "mpdta.csv").rename(
        columns={"countyreal": "id", "year": "t", "first.treat": "g", "lemp": "y"}
    )
    cases = {
        "mpdta (500 x 5)": mpdta,
        f"simulated ({a.units:,} x {a.periods})": simulated(a.units, a.periods),
    }
    print(f"{'data':28s} {'ours s':>9s} {'csdid s':>9s} {'ratio':>7s}  overall ATT ours / csdid")
    with tempfile.TemporaryDirectory() as tmp:
        for name, data in cases.items():
            att, ours_t = ours(data, a.repeats)
            csv = Path(tmp) / "data.csv"
            data[["id", "t", "g", "y"]].to_csv(csv, index=False)
            done = subprocess.run(
                [a.peer_python, "-c", PEER, str(csv), str(a.repeats)],
                capture_output=True,
                text=True,
                check=True,
            )
            peer_att, *peer_t = (float(v) for v in done.stdout.split()[-1 - a.repeats :])
            mo, mp = statistics.median(ours_t), statistics.median(peer_t)
            print(f"{name:28s} {mo:9.3f} {mp:9.3f} {mp / mo:6.1f}x  {att:.6f} / {peer_att:.6f}")


if __name__ == "__main__":
    main()

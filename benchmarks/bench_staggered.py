"""Callaway & Sant'Anna ATT(g,t) + dynamic aggregation: ours against ``csdid``,
``moderndid`` and ``differences`` (issues 4 and 19).

Usage::

    .venv/bin/python benchmarks/bench_staggered.py [--units 100000] [--periods 24]
        [--repeats 5] [--peer-python /work/peer-venv-cs/bin/python]
        [--peers csdid,moderndid,differences] [--out FILE]

Times, on the same data, ``att_gt`` followed by the dynamic (event-time) aggregation with
never-treated controls, no covariates, doubly robust, analytic standard errors: on mpdta
(500 counties × 5 years) and on a simulated balanced panel. Medians of ``--repeats`` runs
after one untimed warm-up run per process. The peers run in their own environment
(``python3.11 -m venv /work/peer-venv-cs && /work/peer-venv-cs/bin/pip install csdid
moderndid differences``), each in a subprocess; the table also shows each package's overall
dynamic ATT, which must agree. One BLAS thread everywhere (the machine is shared).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from evaluation.did.staggered import att_gt  # noqa: E402

# Each peer script: argv = csv, repeats; prints "overall_att t1 t2 ..." on its last line.
PEERS = {
    "csdid": """
import contextlib, io, sys, time, warnings
import pandas as pd
warnings.simplefilter("ignore")
from csdid.att_gt import ATTgt
d = pd.read_csv(sys.argv[1])
def run():
    with contextlib.redirect_stdout(io.StringIO()):
        a = ATTgt(yname="y", gname="g", idname="id", tname="t", data=d,
                  control_group="nevertreated").fit(est_method="dr", bstrap=False)
        a.aggte("dynamic", bstrap=False)
    return a.atte["overall_att"]
run()
times = []
for _ in range(int(sys.argv[2])):
    t0 = time.perf_counter(); att = run(); times.append(time.perf_counter() - t0)
print(att, *times)
""",
    "moderndid": """
import contextlib, io, sys, time, warnings
import pandas as pd
warnings.simplefilter("ignore")
import moderndid
d = pd.read_csv(sys.argv[1])
def run():
    with contextlib.redirect_stdout(io.StringIO()):
        r = moderndid.att_gt(d, yname="y", tname="t", idname="id", gname="g",
                             control_group="nevertreated", est_method="dr", boot=False,
                             cband=False)
        return moderndid.aggte(r, type="dynamic", boot=False, cband=False).overall_att
run()
times = []
for _ in range(int(sys.argv[2])):
    t0 = time.perf_counter(); att = run(); times.append(time.perf_counter() - t0)
print(att, *times)
""",
    "differences": """
import contextlib, io, sys, time, warnings
import pandas as pd
warnings.simplefilter("ignore")
from differences import ATTgt
d = pd.read_csv(sys.argv[1])
d["g"] = d["g"].where(d["g"] > 0)  # differences codes never treated as missing
d = d.set_index(["id", "t"])
def run():
    with contextlib.redirect_stderr(io.StringIO()):
        a = ATTgt(data=d, cohort_column="g")
        a.fit(formula="y", est_method="dr", control_group="never_treated")
        a.aggregate("event")
        return float(a.aggregate("event", overall=True).iloc[0, 0])
run()
times = []
for _ in range(int(sys.argv[2])):
    t0 = time.perf_counter(); att = run(); times.append(time.perf_counter() - t0)
print(att, *times)
""",
}


def simulated(units: int, periods: int, seed: int = 1) -> pd.DataFrame:
    """Balanced panel: cohorts every second period from the third, a never-treated
    group, unit and time effects, a constant effect of 0.2."""
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
    def run() -> float:
        res = att_gt(data, y="y", t="t", unit="id", group="g", est_method="dr")
        return res.aggregate("dynamic").overall_att

    run()
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        att = run()
        times.append(time.perf_counter() - t0)
    return att, times


def peer(python: str, script: str, csv: Path, repeats: int) -> tuple[float, list[float]]:
    done = subprocess.run(
        [python, "-c", script, str(csv), str(repeats)],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "OPENBLAS_NUM_THREADS": "1"},
    )
    att, *times = (float(v) for v in done.stdout.strip().splitlines()[-1].split())
    return att, times


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--units", type=int, default=100_000)
    p.add_argument("--periods", type=int, default=24)
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--peer-python", default="/work/peer-venv-cs/bin/python")
    p.add_argument("--peers", default=",".join(PEERS), help="comma-separated subset of peers")
    p.add_argument("--out", type=Path, help="also write the table to this file")
    a = p.parse_args()
    mpdta = pd.read_csv(ROOT / "tests" / "data" / "mpdta" / "mpdta.csv").rename(
        columns={"countyreal": "id", "year": "t", "first.treat": "g", "lemp": "y"}
    )
    cases = {
        "mpdta (500 x 5)": mpdta[["id", "t", "g", "y"]],
        f"simulated ({a.units:,} x {a.periods})": simulated(a.units, a.periods),
    }
    lines = [
        f"median of {a.repeats} runs after a warm-up; att_gt + dynamic aggregation, "
        "never treated, dr, analytic SEs; ratio = peer / ours",
        f"{'data':28s} {'package':12s} {'seconds':>9s} {'ratio':>7s}  {'overall ATT':>12s}",
    ]
    print(*lines, sep="\n", flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        for name, data in cases.items():
            csv = Path(tmp) / "data.csv"
            data.to_csv(csv, index=False)
            att, times = ours(data, a.repeats)
            base = statistics.median(times)
            rows = [f"{name:28s} {'mereffekt':12s} {base:9.3f} {1:6.1f}x  {att:12.6f}"]
            for pkg in a.peers.split(","):
                script = PEERS[pkg]
                try:
                    patt, ptimes = peer(a.peer_python, script, csv, a.repeats)
                except subprocess.CalledProcessError as err:
                    rows.append(f"{'':28s} {pkg:12s} failed: {err.stderr.strip()[-200:]}")
                    continue
                med = statistics.median(ptimes)
                rows.append(f"{'':28s} {pkg:12s} {med:9.3f} {med / base:6.1f}x  {patt:12.6f}")
            print(*rows, sep="\n", flush=True)
            lines += rows
    if a.out:
        a.out.write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()

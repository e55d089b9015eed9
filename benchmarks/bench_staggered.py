"""Callaway & Sant'Anna ATT(g,t) + dynamic aggregation: ours against ``csdid``,
``moderndid`` and ``differences`` (issues 4 and 19).

Usage::

    .venv/bin/python benchmarks/bench_staggered.py [--units 100000] [--periods 24]
        [--repeats 5] [--peer-python /work/peer-venv-cs/bin/python]
        [--peers csdid,moderndid,differences] [--out FILE]
    .venv/bin/python benchmarks/bench_staggered.py --register DIR [--offer jobformidler]
        [--panel-cache FILE]

The second form times the register-scale entry point
(``evaluation.did.staggered_register``) for one offer on a synthetic municipality
written by ``mereffekt synth`` into DIR: one process reads the inputs, builds the
person x month panel and caches its arrays (once); a fresh process loads them and runs
the entry point, reporting its time and the process's peak RSS (which then holds only
the panel and the estimator).

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
times, cpu = [], []
for _ in range(int(sys.argv[2])):
    t0, c0 = time.perf_counter(), time.process_time(); att = run()
    times.append(time.perf_counter() - t0); cpu.append(time.process_time() - c0)
print(att, *times, *cpu)
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
times, cpu = [], []
for _ in range(int(sys.argv[2])):
    t0, c0 = time.perf_counter(), time.process_time(); att = run()
    times.append(time.perf_counter() - t0); cpu.append(time.process_time() - c0)
print(att, *times, *cpu)
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
times, cpu = [], []
for _ in range(int(sys.argv[2])):
    t0, c0 = time.perf_counter(), time.process_time(); att = run()
    times.append(time.perf_counter() - t0); cpu.append(time.process_time() - c0)
print(att, *times, *cpu)
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


def ours(data: pd.DataFrame, repeats: int) -> tuple[float, list[float], list[float]]:
    def run() -> float:
        res = att_gt(data, y="y", t="t", unit="id", group="g", est_method="dr")
        return res.aggregate("dynamic").overall_att

    run()
    times, cpu = [], []
    for _ in range(repeats):
        t0, c0 = time.perf_counter(), time.process_time()
        att = run()
        times.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    return att, times, cpu


def peer(
    python: str, script: str, csv: Path, repeats: int
) -> tuple[float, list[float], list[float]]:
    done = subprocess.run(
        [python, "-c", script, str(csv), str(repeats)],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "OPENBLAS_NUM_THREADS": "1"},
    )
    att, *times = (float(v) for v in done.stdout.strip().splitlines()[-1].split())
    return att, times[:repeats], times[repeats:]


# --- the offer entry point on a person x month panel (issue 19, item 4) -------------------


def _build_cache(data: Path, cache: Path) -> None:
    """Read the synthetic inputs, build the StatusPanel and save its arrays (child)."""
    import pyarrow.parquet as pq

    from evaluation.panel import build_panel

    t0 = time.perf_counter()
    frames = {
        name: pq.read_table(
            data / f"{name}.parquet", read_dictionary=["person_id", "status", "offer_id"]
        ).to_pandas()
        for name in ("persons", "status_monthly", "participation")
    }
    panel = build_panel(frames["persons"], frames["status_monthly"], frames["participation"])
    p = panel.participations
    np.savez(
        cache,
        first_month=panel.first_month,
        status=panel.status,
        birth_year=panel.birth_year,
        sex=panel.sex,
        education=panel.education,
        person=p.person,
        offer=p.offer,
        start=p.start,
        end=p.end,
        offer_ids=np.array(p.offer_ids),
    )
    print(f"panel built in {time.perf_counter() - t0:.1f} s -> {cache}", flush=True)


def _measure(cache: Path, data: Path, offer_id: str) -> None:
    """Load the panel arrays, run the entry point for one offer (child): time and peak
    RSS of a process that holds only the panel."""
    import resource

    import yaml

    from evaluation.config import TargetGroup
    from evaluation.did.staggered_register import StaggeredOffer
    from evaluation.panel import Participations, StatusPanel
    from evaluation.statuses import SELF_SUFFICIENT, STATUSES, codes

    t0 = time.perf_counter()
    z = np.load(cache)
    parts = Participations(
        z["person"], z["offer"], z["start"], z["end"], tuple(str(o) for o in z["offer_ids"])
    )
    n = len(z["birth_year"])
    panel = StatusPanel(
        np.arange(n).astype(str).astype(object), int(z["first_month"]), z["status"],
        z["birth_year"], z["sex"], z["education"], parts,
    )  # fmt: skip
    loaded = time.perf_counter()
    rss_loaded = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
    cfg = yaml.safe_load((data / "config.yaml").read_text())
    o = next(o for o in cfg["offers"] if o["offer_id"] == offer_id)
    rule = TargetGroup(
        tuple(o["target_group"]["statuses"]), o["target_group"]["months_before_start"]
    )
    values = np.isin(np.arange(len(STATUSES)), codes(SELF_SUFFICIENT)).astype(float)
    model = StaggeredOffer(panel, offer_id, rule)
    t1 = time.perf_counter()
    design = model.design
    t2 = time.perf_counter()
    fit = model.fit("self_sufficient", values)
    t3 = time.perf_counter()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
    head = fit.tidy().iloc[-1]
    print(
        f"{n:,} persons x {panel.n_months} months, offer {offer_id}: "
        f"{len(design.persons):,} units, {design.n_participants:,} participants in "
        f"{len(design.start_months)} monthly cohorts, {len(fit.att_gt.att)} ATT(g,t) cells\n"
        f"load panel {loaded - t0:.1f} s (peak RSS {rss_loaded:.2f} GB); entry point "
        f"{t3 - t1:.1f} s (design {t2 - t1:.1f} s, fit {t3 - t2:.1f} s); "
        f"peak RSS {peak:.2f} GB\n"
        f"headline {head['estimate']:+.4f} (SE {head['std_error']:.4f}), "
        f"pre-trend p {head['placebo_p_value']:.3g}",
        flush=True,
    )


def register(data: Path, offer_id: str, cache: Path | None) -> None:
    """The entry point on the synthetic municipality in ``data``: build (once) and cache
    the panel in one process, measure the entry point in another."""
    cache = cache or Path(tempfile.gettempdir()) / f"cs_panel_{data.name}.npz"
    me = [sys.executable, __file__]
    if not cache.exists():
        subprocess.run([*me, "--build-cache", str(data), "--panel-cache", str(cache)], check=True)
    subprocess.run(
        [*me, "--measure", str(data), "--panel-cache", str(cache), "--offer", offer_id],
        check=True,
    )


def _row(name: str, pkg: str, wall: float, r: float, cpu: float, rc: float, att: float) -> str:
    return f"{name:28s} {pkg:12s} {wall:8.3f} {r:6.1f}x {cpu:8.3f} {rc:6.1f}x  {att:12.6f}"


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--register", type=Path, help="synthetic input folder: time the entry point")
    p.add_argument("--offer", default="jobformidler", help="offer for --register")
    p.add_argument("--panel-cache", type=Path, help="where --register keeps the panel arrays")
    p.add_argument("--build-cache", type=Path, help=argparse.SUPPRESS)
    p.add_argument("--measure", type=Path, help=argparse.SUPPRESS)
    p.add_argument("--units", type=int, default=100_000)
    p.add_argument("--periods", type=int, default=24)
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--peer-python", default="/work/peer-venv-cs/bin/python")
    p.add_argument("--peers", default=",".join(PEERS), help="comma-separated subset of peers")
    p.add_argument("--out", type=Path, help="also write the table to this file")
    a = p.parse_args()
    if a.build_cache:
        return _build_cache(a.build_cache, a.panel_cache)
    if a.measure:
        return _measure(a.panel_cache, a.measure, a.offer)
    if a.register:
        return register(a.register, a.offer, a.panel_cache)
    mpdta = pd.read_csv(ROOT / "tests" / "data" / "mpdta" / "mpdta.csv").rename(
        columns={"countyreal": "id", "year": "t", "first.treat": "g", "lemp": "y"}
    )
    cases = {
        "mpdta (500 x 5)": mpdta[["id", "t", "g", "y"]],
        f"simulated ({a.units:,} x {a.periods})": simulated(a.units, a.periods),
    }
    lines = [
        f"median of {a.repeats} runs after a warm-up; att_gt + dynamic aggregation, "
        "never treated, dr, analytic SEs; wall and CPU seconds; ratio = peer / ours",
        f"{'data':28s} {'package':12s} {'wall s':>8s} {'ratio':>7s} {'CPU s':>8s} "
        f"{'ratio':>7s}  {'overall ATT':>12s}",
    ]
    print(*lines, sep="\n", flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        for name, data in cases.items():
            csv = Path(tmp) / "data.csv"
            data.to_csv(csv, index=False)
            att, times, cpu = ours(data, a.repeats)
            base, base_cpu = statistics.median(times), statistics.median(cpu)
            rows = [_row(name, "mereffekt", base, 1.0, base_cpu, 1.0, att)]
            for pkg in a.peers.split(","):
                script = PEERS[pkg]
                try:
                    patt, ptimes, pcpu = peer(a.peer_python, script, csv, a.repeats)
                except subprocess.CalledProcessError as err:
                    rows.append(f"{'':28s} {pkg:12s} failed: {err.stderr.strip()[-200:]}")
                    continue
                med, med_cpu = statistics.median(ptimes), statistics.median(pcpu)
                rows.append(_row("", pkg, med, med / base, med_cpu, med_cpu / base_cpu, patt))
            print(*rows, sep="\n", flush=True)
            lines += rows
    if a.out:
        a.out.write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()

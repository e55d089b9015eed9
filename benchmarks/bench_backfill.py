"""Wall time of a 12-month backfill against one monthly run (issues 6 and 19).

Usage: ``.venv/bin/python benchmarks/bench_backfill.py [--persons 100000] [--repeats 1]``

Writes the synthetic inputs once, then, in a fresh process each and with an empty
offer cache each, times ``mereffekt run`` as of 2024-12 and ``mereffekt backfill`` over
the 12 months 2024-01..2024-12 (concurrency 1), and prints the medians and the ratio
(target: at most 3). A third timing reruns the backfill with ``--force`` and a warm
cache: validation, the panel and publishing only.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MEREFFEKT = [sys.executable, "-m", "flows.cli"]


CPU: list[float] = []
"""CPU seconds of each run (the command and the processes it waited for)."""


def _run(args: list[str], env: dict[str, str]) -> float:
    """Wall seconds of one command; its CPU seconds are appended to :data:`CPU`."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    subprocess.run([*MEREFFEKT, *args], check=True, env=env, cwd=ROOT, stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    CPU.append(round(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime, 1))
    return round(wall, 1)


def _same_parquet(a: Path, b: Path) -> bool:
    """Do two month folders hold the same Parquet files, byte for byte?"""
    files = sorted(p.relative_to(a) for p in a.rglob("*.parquet"))
    other = sorted(p.relative_to(b) for p in b.rglob("*.parquet"))
    return (
        bool(files)
        and files == other
        and all((a / f).read_bytes() == (b / f).read_bytes() for f in files)
    )


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--persons", type=int, default=100_000)
    p.add_argument("--repeats", type=int, default=1)
    p.add_argument("--no-warm", action="store_true", help="skip the --force rerun")
    p.add_argument("--processes", type=int, help="the backfill's worker processes (its default)")
    a = p.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        env = {**os.environ, "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}
        data = tmp / "data"
        _run(["synth", "--persons", str(a.persons), "--seed", "1", "--out", str(data)], env)
        single, cold, warm = [], [], []
        for i in range(a.repeats):
            common = ["--data", str(data), "--config", str(data / "config.yaml")]
            env["MEREFFEKT_CACHE_DIR"] = str(tmp / f"cache-run{i}")
            run = ["run", *common, "--out", str(tmp / f"run{i}"), "--as-of", "2024-12"]
            single.append(_run(run, env))
            env["MEREFFEKT_CACHE_DIR"] = str(tmp / f"cache{i}")
            args = ["backfill", *common, "--out", str(tmp / f"out{i}"),
                    "--from", "2024-01", "--to", "2024-12"]  # fmt: skip
            if a.processes:
                args += ["--processes", str(a.processes)]
            cold.append(_run(args, env))
            same = _same_parquet(
                tmp / f"run{i}" / "as_of=2024-12", tmp / f"out{i}" / "as_of=2024-12"
            )
            print(f"repeat {i}: 2024-12 of the backfill byte-identical to the single run: {same}")
            if not a.no_warm:
                warm.append(_run([*args, "--force"], env))
        one, twelve = statistics.median(single), statistics.median(cold)
        print(f"persons={a.persons} months=12 repeats={a.repeats} load={os.getloadavg()}")
        print(f"monthly run as of 2024-12, empty cache: median {one:.1f} s  {single}")
        print(f"backfill 2024-01..2024-12, empty cache: median {twelve:.1f} s  {cold}")
        if warm:
            print(f"backfill --force, warm cache: median {statistics.median(warm):.1f} s  {warm}")
        print(f"backfill / monthly run: {twelve / one:.2f}x wall (target <= 3)")
        print(f"CPU seconds of each command, in order: {CPU}")
        runs = CPU[1:]  # after the synth: per repeat a run, a backfill (and a warm rerun)
        step = 2 if a.no_warm else 3
        cpu_one = statistics.median(runs[0::step])
        cpu_twelve = statistics.median(runs[1::step])
        print(f"CPU: run {cpu_one:.1f} s, backfill {cpu_twelve:.1f} s: {cpu_twelve / cpu_one:.2f}x")
        print(f"load average at the end: {os.getloadavg()}")


if __name__ == "__main__":
    main()

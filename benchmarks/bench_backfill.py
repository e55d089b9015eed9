"""Wall time of a 12-month backfill on a synthetic municipality (issue 6).

Usage: ``.venv/bin/python benchmarks/bench_backfill.py [--persons 100000] [--repeats 1]``

Writes the synthetic inputs once, then times ``mereffekt backfill`` over the 12 months
2024-01..2024-12 (each run as of its month, concurrency 1) with an empty task cache, in
a fresh process each repeat, and prints the median wall time. A second timing reruns the
backfill with ``--force`` and a warm cache: validation and publishing only.
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

ROOT = Path(__file__).resolve().parents[1]
MEREFFEKT = [sys.executable, "-m", "flows.cli"]


def _run(args: list[str], env: dict[str, str]) -> float:
    t0 = time.perf_counter()
    subprocess.run([*MEREFFEKT, *args], check=True, env=env, cwd=ROOT, stdout=subprocess.DEVNULL)
    return time.perf_counter() - t0


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--persons", type=int, default=100_000)
    p.add_argument("--repeats", type=int, default=1)
    a = p.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        env = {**os.environ, "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}
        _run(["synth", "--persons", str(a.persons), "--seed", "1", "--out", str(tmp / "data")], env)
        cold, warm = [], []
        for i in range(a.repeats):
            env["MEREFFEKT_CACHE_DIR"] = str(tmp / f"cache{i}")
            data = tmp / "data"
            args = [
                "backfill", "--data", str(data), "--config", str(data / "config.yaml"),
                "--out", str(tmp / f"out{i}"), "--from", "2024-01", "--to", "2024-12",
            ]  # fmt: skip
            cold.append(_run(args, env))
            warm.append(_run([*args, "--force"], env))
        print(f"persons={a.persons} months=12 repeats={a.repeats}")
        print(f"backfill, empty cache: median {statistics.median(cold):.1f} s  {cold}")
        print(f"backfill --force, warm cache: median {statistics.median(warm):.1f} s  {warm}")


if __name__ == "__main__":
    main()

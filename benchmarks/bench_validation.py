"""Time and memory of the input validation (flows.validation.validate_inputs) at scale.

Writes a synthetic input folder of ``--persons`` persons x ``--months`` months (built
with numpy and pyarrow directly, like the register extracts: plain string columns,
Parquet dates, zstd; a few per cent of persons in an offer), then runs
``validate_inputs`` ``--repeat`` times, each in a fresh Python process so that every run
pays the Great Expectations start-up and its peak RSS (``resource.getrusage``) is its
own. Prints the wall time of each run, the median and the peak RSS.

Run once (it takes minutes and several GB at full size):

    .venv/bin/python benchmarks/bench_validation.py --persons 1000000 --months 60
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from evaluation.statuses import EDUCATIONS, STATUSES  # noqa: E402

FIRST_YEAR = 2020
OFFERS = ("jobformidler", "mentor", "opkvalificering")


def _person_ids(n: int, rng: np.random.Generator) -> pa.Array:
    """Unique pseudonymous IDs "P" + 10 hex digits (never CPR-like: they start with P)."""
    codes = rng.choice(16**10, size=n, replace=False) if n < 10**6 else None
    if codes is None:  # choice without replacement is slow for large n: spread and shuffle
        codes = np.arange(n, dtype=np.int64) * (16**10 // n) + rng.integers(0, 16**10 // n, n)
        rng.shuffle(codes)
    hexed = np.char.zfill(np.char.mod("%x", codes), 10)
    return pa.array(np.char.add("P", hexed), type=pa.string())


def _month_dates(n_months: int) -> np.ndarray:
    return np.array(
        [f"{FIRST_YEAR + i // 12:04d}-{i % 12 + 1:02d}-01" for i in range(n_months)],
        dtype="datetime64[D]",
    )


def write_inputs(out: Path, persons: int, n_months: int, seed: int = 1) -> dict[str, int]:
    """Write the three input files to ``out``; returns their row counts."""
    rng = np.random.default_rng(seed)
    out.mkdir(parents=True, exist_ok=True)
    ids = _person_ids(persons, rng)
    pq.write_table(
        pa.table(
            {
                "person_id": ids,
                "birth_year": pa.array(rng.integers(1960, 2005, persons), pa.int32()),
                "sex": pa.array(np.array(["F", "M"])[rng.integers(0, 2, persons)]),
                "education": pa.array(np.array(EDUCATIONS)[rng.integers(0, 7, persons)]),
                "municipality_code": pa.array(rng.integers(101, 861, persons), pa.int32()),
            }
        ),
        out / "persons.parquet",
        compression="zstd",
    )
    dates = _month_dates(n_months)
    # Status: each person keeps a status for spells of about a year.
    writer = None
    chunk = max(1, 2_000_000 // n_months)
    for lo in range(0, persons, chunk):
        hi = min(persons, lo + chunk)
        n = hi - lo
        spell = rng.integers(0, len(STATUSES), size=(n, n_months // 12 + 1)).astype(np.int8)
        codes = np.repeat(spell, 12, axis=1)[:, :n_months].ravel()
        is_job = codes == STATUSES.index("job")
        table = pa.table(
            {
                "person_id": ids.slice(lo, n).take(np.repeat(np.arange(n), n_months)),
                "month": pa.array(np.tile(dates, n), pa.date32()),
                "status": pa.DictionaryArray.from_arrays(
                    pa.array(codes), pa.array(list(STATUSES))
                ).cast(pa.string()),
                "earnings_dkk": pa.array(
                    np.where(is_job, rng.gamma(4.0, 6_000.0, codes.size).round(0), 0.0)
                ),
            }
        )
        if writer is None:
            writer = pq.ParquetWriter(
                out / "status_monthly.parquet", table.schema, compression="zstd"
            )
        writer.write_table(table)
    writer.close()
    n_part = max(1, persons // 25)
    who = rng.choice(persons, size=n_part, replace=False)
    start = rng.integers(12, n_months, n_part)
    length = rng.integers(0, 18, n_part)
    end = np.where(start + length < n_months, start + length, -1)
    pq.write_table(
        pa.table(
            {
                "person_id": ids.take(who),
                "offer_id": pa.array(np.array(OFFERS)[rng.integers(0, len(OFFERS), n_part)]),
                "start_month": pa.array(dates[start], pa.date32()),
                "end_month": pa.array(dates[np.maximum(end, 0)], pa.date32(), mask=end < 0),
            }
        ),
        out / "participation.parquet",
        compression="zstd",
    )
    return {"persons": persons, "status_monthly": persons * n_months, "participation": n_part}


def run_once(data: Path, partition_rows: int) -> dict[str, float]:
    """One validation in this process: seconds and peak RSS (MiB)."""
    from flows.validation import validate_inputs

    t0 = time.perf_counter()
    v = validate_inputs(data, partition_rows=partition_rows)
    seconds = time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    return {
        "seconds": seconds,
        "peak_rss_mib": peak,
        "quarantined": int(len(v.quarantine)),
        "status_rows_kept": int(len(v.status)),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--persons", type=int, default=100_000)
    parser.add_argument("--months", type=int, default=60)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--partition-rows", type=int, default=2_000_000)
    parser.add_argument("--data", type=Path, help="reuse or create the input folder here")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    if args.child:
        print(json.dumps(run_once(args.data, args.partition_rows)))
        return 0
    with tempfile.TemporaryDirectory(prefix="bench_validation_") as tmp:
        data = args.data or Path(tmp) / "inputs"
        if not (data / "participation.parquet").is_file():
            t0 = time.perf_counter()
            rows = write_inputs(data, args.persons, args.months)
            print(f"wrote {rows} in {time.perf_counter() - t0:.1f} s to {data}", flush=True)
        sizes = {p.name: p.stat().st_size / 2**20 for p in sorted(data.glob("*.parquet"))}
        print("file sizes (MiB): " + ", ".join(f"{k} {v:.1f}" for k, v in sizes.items()))
        runs = []
        for i in range(args.repeat):
            cmd = [
                sys.executable,
                __file__,
                "--child",
                "--data",
                str(data),
                "--partition-rows",
                str(args.partition_rows),
            ]
            done = subprocess.run(cmd, capture_output=True, text=True, check=True)
            runs.append(json.loads(done.stdout.strip().splitlines()[-1]))
            print(f"run {i + 1}: {json.dumps(runs[-1])}", flush=True)
    secs = [r["seconds"] for r in runs]
    print(
        f"validate_inputs, {args.persons:,} persons x {args.months} months "
        f"({args.persons * args.months:,} status rows), partition_rows {args.partition_rows:,}: "
        f"median {statistics.median(secs):.1f} s (min {min(secs):.1f}, max {max(secs):.1f}) "
        f"over {len(secs)} fresh-process runs; peak RSS "
        f"{max(r['peak_rss_mib'] for r in runs):,.0f} MiB"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

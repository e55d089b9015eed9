"""``mereffekt bench``: the monthly run at a given size, stage by stage.

Generates a synthetic municipality of ``persons`` x ``months`` once (reused from
``data`` when its files are there), times one pyarrow read of the three input files
(median of three, in this process), then runs the monthly evaluation as of the data's
last month in this process with every stage timed and its peak memory measured
(:mod:`flows.bench.meter`, :mod:`flows.bench.run`), then times ``mereffekt run`` of the
same data in its own process, as a user starts it (Prefect, the offers concurrent, the
earnings laid out), and reports both as a multiple of the read. The result is a JSON
document and a markdown table.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import time
from pathlib import Path
from typing import Any

from flows.bench.meter import StageMeter
from flows.bench.run import STAGES, run_month

GB = 1e9


def default_data_dir(persons: int, months: int, seed: int) -> Path:
    """``$MEREFFEKT_BENCH_DIR`` or ``~/.cache/mereffekt/bench``, one folder per size."""
    root = os.environ.get("MEREFFEKT_BENCH_DIR") or Path(
        os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache", "mereffekt", "bench"
    )
    return Path(root) / f"synth-p{persons}-m{months}-s{seed}"


def ensure_data(data: Path, persons: int, months: int, seed: int) -> float:
    """Write the synthetic inputs unless they are there; seconds spent writing (0 if reused)."""
    from flows.synthetic import write_synthetic

    if all((data / f).is_file() for f in ("persons.parquet", "status_monthly.parquet",
                                          "participation.parquet", "config.yaml")):  # fmt: skip
        return 0.0
    t0 = time.perf_counter()
    write_synthetic(data, persons=persons, seed=seed, n_months=months)
    return time.perf_counter() - t0


def pyarrow_read_seconds(data: Path, repeats: int = 3) -> tuple[list[float], list[float]]:
    """Wall and CPU seconds of reading the three input files with
    ``pyarrow.parquet.read_table``, ``repeats`` times; Arrow's unused memory is given
    back afterwards, so that it does not count in the run's peak."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from flows.io import INPUT_FILES

    files = [data / name for name in INPUT_FILES if (data / name).is_file()]  # some optional
    wall, cpu = [], []
    for _ in range(repeats):
        t0, c0 = time.perf_counter(), time.process_time()
        tables = [pq.read_table(f) for f in files]
        wall.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
        del tables
    pa.default_memory_pool().release_unused()
    return wall, cpu


def last_month(data: Path) -> str:
    """The last status month of the inputs in ``data`` (YYYY-MM)."""
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    last = pc.max(pq.read_table(data / "status_monthly.parquet", columns=["month"])["month"])
    return f"{last.as_py():%Y-%m}"


def machine() -> dict[str, Any]:
    """What the figures were taken on."""
    info: dict[str, Any] = {"cpus": os.cpu_count(), "python": platform.python_version()}
    try:
        text = Path("/proc/cpuinfo").read_text()
        info["cpu"] = next(
            (ln.split(":", 1)[1].strip() for ln in text.splitlines() if "model name" in ln), ""
        )
        mem = Path("/proc/meminfo").read_text().split()[1]
        info["memory_gb"] = round(int(mem) * 1024 / GB, 1)
    except OSError:
        pass
    info["platform"] = platform.platform()
    return info


def _commit() -> str:
    try:
        root = Path(__file__).resolve().parents[2]
        out = subprocess.run(["git", "-C", str(root), "rev-parse", "--short", "HEAD"],
                             capture_output=True, text=True, check=True)  # fmt: skip
        return out.stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return ""


def cli_run(data: Path, as_of: str) -> dict[str, float]:
    """One ``mereffekt run`` of ``data`` as of ``as_of`` as a user starts it (a separate
    process, Prefect flow, offers concurrent as configured, an empty offer cache): wall
    and CPU seconds and the process's peak RSS."""
    import resource
    import sys
    import tempfile

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    with tempfile.TemporaryDirectory(prefix="mereffekt-bench-run-") as tmp:
        env = {**os.environ, "MEREFFEKT_CACHE_DIR": str(Path(tmp) / "cache")}
        cmd = [sys.executable, "-m", "flows.cli", "run", "--data", str(data), "--config",
               str(data / "config.yaml"), "--out", str(Path(tmp) / "out"), "--as-of", as_of,
               "--quiet"]  # fmt: skip
        t0 = time.perf_counter()
        done = subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        if done.returncode != 0:  # the run's own one-line reason, not a traceback
            lines = done.stderr.decode(errors="replace").strip().splitlines() or ["no output"]
            raise RuntimeError(f"the timed `mereffekt run` failed: {lines[-1]}")
        wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    # ru_maxrss of the children: the largest child so far (KiB on Linux), the run
    return {"seconds": wall, "cpu_seconds": cpu, "peak_gb": after.ru_maxrss * 1024 / GB}


def run_bench(*, persons: int, months: int, seed: int = 1, data: Path | None = None) -> dict:
    """Generate (or reuse) the data, time the read and the stages; the JSON document."""
    data = Path(data) if data else default_data_dir(persons, months, seed)
    generated = ensure_data(data, persons, months, seed)
    load_before = os.getloadavg()
    reads, read_cpus = pyarrow_read_seconds(data)
    as_of = last_month(data)
    meter = StageMeter()
    t0, c0 = time.perf_counter(), time.process_time()
    with meter.stage("imports"):
        import flows.monthly  # noqa: F401 - Prefect, GX and the report, as a run imports them
        import flows.validation  # noqa: F401
    info = run_month(data, data / "config.yaml", as_of, meter)
    whole, whole_cpu = time.perf_counter() - t0, time.process_time() - c0
    meter.close()
    cli = cli_run(data, as_of)
    read, read_cpu = statistics.median(reads), statistics.median(read_cpus)
    names = ["imports", *(s for s in STAGES if s in meter.seconds)]
    stages = [
        {"stage": s, "seconds": round(meter.seconds[s], 2),
         "cpu_seconds": round(meter.cpu_seconds[s], 2),
         "peak_gb": round(meter.peak_bytes[s] / GB, 2)}
        for s in names
    ]  # fmt: skip
    return {
        "persons": persons,
        "months": months,
        "data": str(data),
        "generated_seconds": round(generated, 1),
        "as_of": as_of,
        "offers": info["offers"],
        "input_mb": round(sum(p.stat().st_size for p in data.glob("*.parquet")) / 1e6, 1),
        "pyarrow_read_seconds": round(read, 3),
        "pyarrow_read_runs": [round(r, 3) for r in reads],
        "pyarrow_read_cpu_seconds": round(read_cpu, 3),
        "stages": stages,
        "whole_seconds": round(whole, 1),
        "whole_peak_gb": round(max(meter.peak_bytes.values()) / GB, 2),
        "ratio_to_read": round(whole / read, 1),
        "whole_cpu_seconds": round(whole_cpu, 1),
        "cpu_ratio_to_read": round(whole_cpu / read_cpu, 1),
        "memory_method": meter.method,
        # the run as a user starts it: `mereffekt run` in its own process (the figures
        # the targets are about; the stages above run the same steps one after another)
        "cli_run_seconds": round(cli["seconds"], 1),
        "cli_run_cpu_seconds": round(cli["cpu_seconds"], 1),
        "cli_run_peak_gb": round(cli["peak_gb"], 2),
        "cli_ratio_to_read": round(cli["seconds"] / read, 1),
        "cli_cpu_ratio_to_read": round(cli["cpu_seconds"] / read_cpu, 1),
        "load_average": {
            "before": [round(x, 2) for x in load_before],
            "after": [round(x, 2) for x in os.getloadavg()],
        },  # fmt: skip
        "machine": machine(),
        "commit": _commit(),
    }


def table(result: dict) -> str:
    """The result as a markdown table."""
    r = result
    lines = ["| stage | seconds | CPU seconds | peak GB |", "|---|---:|---:|---:|"]
    lines += [f"| {s['stage']} | {s['seconds']:.1f} | {s['cpu_seconds']:.1f} | {s['peak_gb']:.2f} |"
              for s in r["stages"]]  # fmt: skip
    lines.append(
        f"| **whole run** | **{r['whole_seconds']:.1f}** | **{r['whole_cpu_seconds']:.1f}** "
        f"| **{r['whole_peak_gb']:.2f}** |"
    )
    lines.append(
        f"\none pyarrow read of the inputs ({r['input_mb']} MB): "
        f"{r['pyarrow_read_seconds']:.2f} s ({r['pyarrow_read_cpu_seconds']:.2f} CPU s); "
        f"whole run = {r['ratio_to_read']}x the read ({r['cpu_ratio_to_read']}x in CPU seconds); "
        f"load average {r['load_average']['before']} before, {r['load_average']['after']} after"
    )
    lines.append(
        f"\n`mereffekt run` as a user starts it (own process, Prefect flow, empty offer "
        f"cache): **{r['cli_run_seconds']:.1f} s** ({r['cli_run_cpu_seconds']:.1f} CPU s), "
        f"peak **{r['cli_run_peak_gb']:.2f} GB**; **{r['cli_ratio_to_read']}x** the read "
        f"({r['cli_cpu_ratio_to_read']}x in CPU seconds)"
    )
    return "\n".join(lines)


def write_json(result: dict, path: Path) -> None:
    Path(path).write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")


__all__ = ["default_data_dir", "ensure_data", "last_month", "run_bench", "table", "write_json"]

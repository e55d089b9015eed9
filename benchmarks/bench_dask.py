"""Memory per Dask worker of a monthly run on a local cluster (issue 19).

Usage: ``.venv/bin/python benchmarks/bench_dask.py [--persons 100000] [--workers 2]``

Reuses (or writes) the synthetic inputs of ``mereffekt bench`` at the given size, starts
a local Dask cluster of ``--workers`` one-thread processes, runs the monthly evaluation
as of the data's last month with its offers on that cluster (``run_monthly`` with
:func:`flows.dask_cluster.task_runner` at the cluster's address, as ``mereffekt run
--dask-address`` does), then asks every worker for its peak resident set (``VmHWM``)
and prints it with the driver's and the wall time.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "180")  # as the CLI
os.environ.setdefault("NUMPY_MADVISE_HUGEPAGE", "0")  # as the CLI (flows.cli), workers too


def _peak_gb() -> float:
    from flows.bench.meter import peak_rss_bytes

    return round(peak_rss_bytes() / 1e9, 2)


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--persons", type=int, default=100_000)
    p.add_argument("--months", type=int, default=60)
    p.add_argument("--workers", type=int, default=2)
    a = p.parse_args()
    from distributed import Client, LocalCluster

    from flows.bench import default_data_dir, ensure_data, last_month
    from flows.dask_cluster import task_runner
    from flows.monthly import RunParameters, run_monthly

    data = default_data_dir(a.persons, a.months, 1)
    ensure_data(data, a.persons, a.months, 1)
    as_of = last_month(data)
    cluster = LocalCluster(
        n_workers=a.workers, threads_per_worker=1, dashboard_address=None, memory_limit=0
    )
    with cluster, Client(cluster) as client, tempfile.TemporaryDirectory() as tmp:
        params = RunParameters(
            data=str(data),
            config=str(data / "config.yaml"),
            out=str(Path(tmp) / "out"),
            cache_dir=str(Path(tmp) / "cache"),
            as_of=as_of,
        )
        t0 = time.perf_counter()
        run_monthly(params, task_runner=task_runner(cluster.scheduler_address))
        wall = time.perf_counter() - t0
        workers = client.run(_peak_gb)
    print(f"persons={a.persons} months={a.months} as_of={as_of} workers={a.workers}")
    print(f"wall {wall:.1f} s; load average {os.getloadavg()}")
    print(f"peak RSS per worker (GB): {sorted(workers.values())}")
    print(f"peak RSS of the driver (GB): {_peak_gb()}")


if __name__ == "__main__":
    main()

"""Speed of the trend-sensitivity analysis on an event study of the size mereffekt's
default window gives (11 pre months e=-12..-2, 25 post months e=0..24), simulated.

    OPENBLAS_NUM_THREADS=1 .venv/bin/python benchmarks/bench_sensitivity.py

Prints the median of ``REPEATS`` runs of each step (one run for the breakdown)."""

from __future__ import annotations

import statistics
import time

import numpy as np

from evaluation.sensitivity.data import EventStudyInput, Target
from evaluation.sensitivity.flci import optimal_flci
from evaluation.sensitivity.model import (
    relative_magnitudes_breakdown,
    relative_magnitudes_interval,
    smoothness_breakdown,
)

REPEATS = 3


def study() -> EventStudyInput:
    e = np.r_[np.arange(-12, -1), np.arange(0, 25)]
    cov = 1e-4 * (0.5 * np.exp(-np.abs(e[:, None] - e[None, :]) / 6) + 0.5 * np.eye(len(e)))
    b = np.random.default_rng(1).multivariate_normal(np.zeros(len(e)), cov) + 0.03 * (e >= 0)
    return EventStudyInput(b, cov, 11, 25)


def timed(f, repeats: int = REPEATS) -> tuple[float, object]:
    times, out = [], None
    for _ in range(repeats):
        tic = time.perf_counter()
        out = f()
        times.append(time.perf_counter() - tic)
    return statistics.median(times), out


def main() -> None:
    s = study()
    for target in (Target.window(0, 11), Target.month(6)):
        l_vec = target.vector(s)
        t, out = timed(lambda l_vec=l_vec: relative_magnitudes_interval(s, l_vec, 0.5))
        print(f"{target.label}: relative magnitudes Mbar=0.5 interval {out}: {t:.1f} s")
        t, out = timed(lambda l_vec=l_vec: optimal_flci(s.estimates, s.cov, 11, l_vec, 0.002).ci)
        print(f"{target.label}: FLCI M=0.002 {out}: {t:.2f} s")
        t, out = timed(lambda l_vec=l_vec: smoothness_breakdown(s, l_vec), 1)
        print(f"{target.label}: smoothness breakdown M {out:.5f}: {t:.1f} s")
        t, out = timed(lambda l_vec=l_vec: relative_magnitudes_breakdown(s, l_vec, tol=0.01), 1)
        print(f"{target.label}: relative magnitudes breakdown Mbar {out:.3f} (tol 0.01): {t:.1f} s")


if __name__ == "__main__":
    main()

"""Reference values for tests/test_sensitivity_honestdid.py, made with the `honestdid`
package (PyPI 0.1.1, a Python port of Rambachan & Roth's R package HonestDiD).

Run in a separate virtual environment (honestdid pulls in torch and cvxpy, which mereffekt
does not use), never from the project's own:

    python3.11 -m venv /tmp/peer-venv-honest
    /tmp/peer-venv-honest/bin/pip install honestdid==0.1.1 rdata==1.1.0
    /tmp/peer-venv-honest/bin/python tests/data/honestdid/make_reference.py \
        --rda-dir DIR  [--only bc|lw]

DIR holds ``BCdata_EventStudy.rda`` and ``LWdata_EventStudy.rda`` from the R package's
repository (github.com/asheshrambachan/HonestDiD, folder ``data/``): the event study of
Benzarti & Carloni (2019) on profits (4 pre, 4 post periods), Rambachan & Roth (2023,
Section 6.1), and of Lovenheim & Willen (2019) (9 pre, 23 post periods). The script writes

* ``bc_event_study.csv`` / ``lw_event_study.csv``: betahat and sigma (the inputs), with
  the event time of each coefficient (the reference period is left out, as in the data);
* ``reference.csv`` (column ``error``: the package's exception where it failed - 0.1.1
  raises a TypeError in its primal ARP branch for the average target of the BC data):
  one row per (data, restriction, target, M or Mbar) with the robust
  interval (lb, ub) the package returns with its defaults - relative magnitudes
  (``createSensitivityResults_relativeMagnitudes``: method C-LF, alpha 0.05, 1000 grid
  points on [-20, 20] x the target's standard error) and smoothness
  (``createSensitivityResults``: method FLCI, alpha 0.05) - and, for the FLCI, the
  optimal affine estimator's weights and half-length.

Targets: ``first`` (the first post period, the package's default l_vec) and ``average``
(the mean over all post periods).
"""

from __future__ import annotations

import argparse
import json
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).parent
CASES = {
    # data: (file, name, RM Mbar values, SD M values, targets)
    "bc": ("BCdata_EventStudy.rda", "BCdata_EventStudy", (0.5, 1.0, 2.0), (0.0, 0.01, 0.02, 0.05)),
    "lw": ("LWdata_EventStudy.rda", "LWdata_EventStudy", (), (0.0, 0.01, 0.05)),
}


def load(rda_dir: Path, key: str) -> tuple[np.ndarray, np.ndarray, np.ndarray, int, int]:
    import rdata

    file, name, _, _ = CASES[key]
    d = rdata.read_rda(str(rda_dir / file))[name]
    b = np.asarray(d["betahat"], dtype=float)
    s = np.asarray(d["sigma"], dtype=float)
    t = np.asarray(d["timeVec"], dtype=float) - float(np.asarray(d["referencePeriod"])[0])
    return b, s, t, len(d["prePeriodIndices"]), len(d["postPeriodIndices"])


def targets(n_post: int) -> dict[str, np.ndarray]:
    first = np.zeros(n_post)
    first[0] = 1.0
    return {"first": first, "average": np.full(n_post, 1.0 / n_post)}


def run(rda_dir: Path, key: str) -> list[dict]:
    import honestdid as hd

    b, s, t, pre, post = load(rda_dir, key)
    pd.DataFrame(
        {"event_time": t, "betahat": b, **{f"sigma_{j}": s[:, j] for j in range(len(b))}}
    ).to_csv(HERE / f"{key}_event_study.csv", index=False, float_format="%.17g")
    _, _, mbars, ms = CASES[key]
    rows = []
    for target, l_vec in targets(post).items():
        orig = hd.constructOriginalCS(b, s, pre, post, l_vec=l_vec)
        rows.append(_row(key, "original", target, np.nan, orig["lb"][0], orig["ub"][0]))
        for m in ms:
            tic = time.time()
            f = hd.find_optimal_flci(b, s, M=m, numPrePeriods=pre, numPostPeriods=post, l_vec=l_vec)
            res = hd.createSensitivityResults(b, s, pre, post, method="FLCI", Mvec=[m], l_vec=l_vec)
            assert np.isclose(res["lb"][0], f["FLCI"][0]) and np.isclose(res["ub"][0], f["FLCI"][1])
            rows.append(
                _row(
                    key,
                    "smoothness_flci",
                    target,
                    m,
                    f["FLCI"][0],
                    f["FLCI"][1],
                    half_length=f["optimalHalfLength"],
                    weights=json.dumps([float(x) for x in f["optimalVec"]]),
                    seconds=time.time() - tic,
                )
            )
        for mbar in mbars:
            tic = time.time()
            try:
                res = hd.createSensitivityResults_relativeMagnitudes(
                    b, s, pre, post, Mbarvec=[mbar], l_vec=l_vec
                )
                lb, ub, error = res["lb"][0], res["ub"][0], ""
            except Exception as exc:  # honestdid 0.1.1 fails on some targets: recorded
                lb, ub, error = np.nan, np.nan, f"{type(exc).__name__}: {exc}"
            rows.append(
                _row(
                    key,
                    "relative_magnitudes_clf",
                    target,
                    mbar,
                    lb,
                    ub,
                    seconds=time.time() - tic,
                    error=error,
                )
            )
            print(rows[-1], flush=True)
    return rows


def _row(data, restriction, target, m, lb, ub, **extra) -> dict:
    return {
        "data": data,
        "restriction": restriction,
        "target": target,
        "m": m,
        "lb": float(lb),
        "ub": float(ub),
        "half_length": np.nan,
        "weights": "",
        "seconds": np.nan,
        "error": "",
        **extra,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rda-dir", type=Path, required=True)
    parser.add_argument("--only", choices=sorted(CASES))
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    keys = [args.only] if args.only else sorted(CASES)
    frames = [pd.DataFrame(run(args.rda_dir, k)) for k in keys]
    out = HERE / "reference.csv"
    old = pd.read_csv(out) if out.exists() and args.only else None
    new = pd.concat(frames, ignore_index=True)
    if old is not None:
        new = pd.concat([old[~old["data"].isin(keys)], new], ignore_index=True)
    import honestdid

    new["honestdid_version"] = honestdid.__version__
    new.to_csv(out, index=False, float_format="%.17g")


if __name__ == "__main__":
    main()

"""Are the published outputs unchanged? A check for behaviour-preserving refactorings.

Usage::

    .venv/bin/python benchmarks/compare_outputs.py --save   # on the starting commit
    .venv/bin/python benchmarks/compare_outputs.py          # after every step

Writes the demo-size synthetic municipality (``mereffekt synth --persons 20000 --seed 1``)
once, then runs two evaluations as of 2024-12, each with an empty task cache (a cached
offer result would hide a change):

* ``demo``: the synthetic config as written (Danish report), plus the English report
  rendered from the published tables;
* ``variants``: the same data with a config that reaches the other code paths (exact,
  Mahalanobis and without-replacement matching, other exact keys, an extra outcome, an
  offer without participants, plan versions, decay extrapolation, the wild bootstrap,
  the English report from the flow).

Every file of each month folder is compared with the stored baseline: Parquet files byte
for byte (and, when they differ, table, schema and key-value metadata, to say where);
``report*.html`` byte for byte, ``validation_report.html`` too but for the seconds each
file took; ``manifest.json`` as JSON without the fields that differ on every run
(``created_at``, ``pid``). Exit status 1 when
anything differs. ``--save`` stores the outputs as the new baseline, with the commit.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pyarrow.parquet as pq
import yaml

ROOT = Path(__file__).resolve().parents[1]
MEREFFEKT = [sys.executable, "-m", "flows.cli"]
AS_OF = "2024-12"
VOLATILE = ("created_at", "pid")  # manifest fields that differ on every run
TIMING = re.compile(rb"partition\(s\), [0-9.]+ s")  # validation report: seconds taken


def variants_config(demo: dict) -> dict:
    """The demo config changed to reach the code paths the demo does not."""
    cfg = json.loads(json.dumps(demo))
    los, job, ung, praktik = cfg["offers"]
    los["matching"] = {"method": "exact", "exact_on": ["start_month", "status_lag1", "sex"]}
    los["plans"] = [
        {"version": "v1", "valid_from": "2022-01", "participants_by_month": {"2022-01": 900}},
        {"version": "v2", "valid_from": "2023-06", "participants_by_month": {"2023-06": 300}},
    ]
    job["matching"] = {"method": "mahalanobis", "k": 2, "exact_on": ["start_month", "education"]}
    ung["matching"] = {"replace": False, "k": 2, "exact_on": ["start_month", "sex"]}
    praktik.pop("target_effect")
    praktik.pop("target_event_month")
    cfg["offers"].append(
        {
            "offer_id": "none",
            "name": "Uden deltagere",
            "target_group": {"statuses": ["cash_benefit"]},
            "cost_per_participant_dkk": 1000,
            "planned_participants": 50,  # a plan: reported as not started (else refused)
        }
    )
    cfg["outcomes"] = [{"name": "in_job", "statuses": ["job"]}]
    cfg["estimation"] = {"bootstrap_below_clusters": 600, "bootstrap_reps": 199}
    cfg["valuation"] = {"extrapolation": "decay", "half_life_months": 9, "horizon_months": 36}
    return cfg


def _cli(args: list[str], env: dict[str, str]) -> None:
    done = subprocess.run([*MEREFFEKT, *args], env=env, cwd=ROOT, capture_output=True, text=True)
    if done.returncode:
        sys.exit(f"mereffekt {args[0]} failed:\n{done.stderr}")


def _english_report(month: Path) -> None:
    """The English report rendered from the published tables next to it."""
    from flows.report import load_tables, render_report

    manifest = json.loads((month / "manifest.json").read_text())
    try:
        from flows.report import ReportOptions
    except ImportError:  # a baseline saved before the report took its options as one object
        html = render_report(load_tables(month), as_of=AS_OF, lang="en", run_id=manifest["run_id"])
    else:
        options = ReportOptions(AS_OF, lang="en", run_id=manifest["run_id"])
        html = render_report(load_tables(month), options)
    (month / "report_en_rendered.html").write_text(html, encoding="utf-8")


def produce(work: Path) -> Path:
    """Run both evaluations into ``work/outputs`` and return it."""
    env = {
        **os.environ,
        "OPENBLAS_NUM_THREADS": "1",
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "GX_ANALYTICS_ENABLED": "false",
        "DO_NOT_TRACK": "1",
    }
    data = work / "data"
    if not (data / "config.yaml").exists():
        _cli(["synth", "--persons", "20000", "--seed", "1", "--out", str(data)], env)
    demo = yaml.safe_load((data / "config.yaml").read_text())
    (work / "variants.yaml").write_text(yaml.safe_dump(variants_config(demo)))
    out = work / "outputs"
    shutil.rmtree(out, ignore_errors=True)
    runs = {"demo": (data / "config.yaml", "da"), "variants": (work / "variants.yaml", "en")}
    for name, (config, lang) in runs.items():
        with tempfile.TemporaryDirectory() as cache:
            t0 = time.perf_counter()
            args = ["run", "--data", str(data), "--config", str(config), "--as-of", AS_OF]
            _cli(
                [*args, "--out", str(out / name), "--lang", lang],
                {**env, "MEREFFEKT_CACHE_DIR": cache},
            )
            print(f"{name}: evaluated in {time.perf_counter() - t0:.0f} s")
    _english_report(out / "demo" / f"as_of={AS_OF}")
    return out


def _parquet_difference(a: Path, b: Path) -> str:
    ta, tb = pq.read_table(a), pq.read_table(b)
    if not ta.schema.equals(tb.schema, check_metadata=False):
        return f"schema differs:\n{ta.schema}\n---\n{tb.schema}"
    if ta.schema.metadata != tb.schema.metadata:
        return f"key-value metadata differs: {ta.schema.metadata} vs {tb.schema.metadata}"
    if ta.num_rows != tb.num_rows:
        return f"{ta.num_rows} rows vs {tb.num_rows}"
    cols = [c for c in ta.column_names if not ta[c].equals(tb[c])]
    return f"columns differ: {cols}" if cols else "same table, different bytes"


def _manifest(path: Path) -> dict:
    return {k: v for k, v in json.loads(path.read_text()).items() if k not in VOLATILE}


def compare(baseline: Path, current: Path) -> list[str]:
    """One line per file; the lines of differing files start with 'DIFFERENT'."""
    files = {p.relative_to(baseline) for p in baseline.rglob("*") if p.is_file()}
    files |= {p.relative_to(current) for p in current.rglob("*") if p.is_file()}
    lines = []
    for rel in sorted(files):
        a, b = baseline / rel, current / rel
        if not (a.exists() and b.exists()):
            lines.append(f"DIFFERENT {rel}: only in {'current' if b.exists() else 'baseline'}")
        elif rel.name == "manifest.json":
            same = _manifest(a) == _manifest(b)
            lines.append(f"{'identical' if same else 'DIFFERENT'} {rel} (without {VOLATILE})")
        elif rel.name == "validation_report.html":
            same = TIMING.sub(b"", a.read_bytes()) == TIMING.sub(b"", b.read_bytes())
            lines.append(f"{'identical' if same else 'DIFFERENT'} {rel} (bytes but timings)")
        elif a.read_bytes() == b.read_bytes():
            lines.append(f"identical {rel} (bytes)")
        elif rel.suffix == ".parquet":
            lines.append(f"DIFFERENT {rel}: {_parquet_difference(a, b)}")
        else:
            lines.append(f"DIFFERENT {rel}: bytes differ")
    return lines


def _commit() -> str:
    done = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True)
    dirty = subprocess.run(["git", "status", "--porcelain"], cwd=ROOT, capture_output=True)
    return done.stdout.strip() + (" (with uncommitted changes)" if dirty.stdout.strip() else "")


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "mereffekt-compare")
    p.add_argument("--save", action="store_true", help="store the outputs as the baseline")
    a = p.parse_args()
    a.work.mkdir(parents=True, exist_ok=True)
    out = produce(a.work)
    baseline = a.work / "baseline"
    if a.save:
        shutil.rmtree(baseline, ignore_errors=True)
        shutil.copytree(out, baseline / "outputs")
        (baseline / "commit.txt").write_text(_commit() + "\n")
        print(f"baseline saved in {baseline} from {_commit()}")
        return 0
    if not baseline.exists():
        sys.exit(f"no baseline in {baseline}: run with --save on the starting commit first")
    lines = compare(baseline / "outputs", out)
    print(f"baseline from {(baseline / 'commit.txt').read_text().strip()}; now {_commit()}")
    print("\n".join(lines))
    bad = sum(line.startswith("DIFFERENT") for line in lines)
    print(f"{len(lines) - bad} of {len(lines)} files identical")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())

"""What each ``mereffekt`` subcommand does (its arguments: :mod:`flows.cli`).

Each ``cmd_<name>`` takes the parsed arguments and returns the exit code; a failure
raises, and :func:`flows.cli.main` prints it as one line.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable, Sequence
from pathlib import Path


def cmd_synth(a: argparse.Namespace) -> int:
    from flows.synthetic import write_synthetic

    t0 = time.perf_counter()
    info = write_synthetic(
        a.out,
        persons=a.persons,
        seed=a.seed,
        n_months=a.months,
        first_month=a.first_month,
        intake_shift=a.intake_shift,
        area=a.area,
    )
    print(
        f"synthetic municipality: {a.persons} persons, months {info['first_month']} to "
        f"{info['last_month']}, {info['participants']} participants in "
        f"{len(info['offers'])} offers -> {a.out} ({time.perf_counter() - t0:.1f} s)"
    )
    return 0


def cmd_validate(a: argparse.Namespace) -> int:
    from evaluation.period import data_period
    from flows import guards, progress
    from flows.config import load_config
    from flows.validation import ValidationError, validate_inputs

    cfg = load_config(a.config) if a.config else None
    share = a.max_quarantine_share
    if share is None:
        share = cfg.validation.max_quarantine_share if cfg else 0.05
    try:
        with progress.stage("validating the inputs"):
            # with a config, rows of measures it does not declare are set aside
            measures = tuple(m.name for m in getattr(cfg, "measures", ())) if cfg else None
            v = validate_inputs(a.data, max_quarantine_share=share, measures=measures)
    except ValidationError as exc:
        if a.report:
            a.report.write_text(exc.report_html, encoding="utf-8")
        raise
    if a.report:
        a.report.write_text(v.report_html, encoding="utf-8")
    period = data_period(v.status_months())
    not_started = (
        guards.check_offers(cfg, v.participation, source=f"config {a.config}") if cfg else []
    )
    if a.as_of:
        guards.check_as_of(a.as_of, period)
    for name, c in v.counts.items():
        print(f"{name}: {c['read']} rows, {c['kept']} kept, {c['quarantined']} quarantined")
    if len(v.quarantine):
        by_rule = v.quarantine.groupby(["file", "rule"]).size()
        for (file, rule), n in by_rule.items():
            print(f"  quarantined {n} row(s) of {file}: {rule}")
    print(f"data period: {period.describe()} (complete months)")
    if cfg is not None:
        print(f"config {a.config}: {len(cfg.offers)} offer(s) checked against the data")
        for offer_id in not_started:
            print(f"  {offer_id}: no participants yet (reported as not started against its plan)")
    if a.as_of:
        print(f"as-of month {a.as_of}: covered by the data")
    print("validation passed")
    return 0


def cmd_run(a: argparse.Namespace) -> int:
    from flows.guards import check_runner_options, preflight

    check_runner_options(a.dask_address, a.workers)
    preflight(a.config, a.out, a.restricted_out)  # before Prefect is imported: fails fast
    from flows.dask_cluster import task_runner
    from flows.monthly import run_monthly

    runner = task_runner(a.dask_address, a.workers)

    params = _params(a, a.as_of)
    t0 = time.perf_counter()
    res = run_monthly(params, task_runner=runner)
    print(
        f"results as of {res['as_of']} (data {res['data_first_month']} to "
        f"{res['data_last_month']}) in {res['out']} ({time.perf_counter() - t0:.0f} s)"
    )
    _print_summary(Path(res["out"]), res.get("not_started", []))
    return 0


def cmd_backfill(a: argparse.Namespace) -> int:
    from flows.guards import preflight

    preflight(a.config, a.out, a.restricted_out)  # before Prefect starts: fails fast
    from flows.backfill import run_backfill

    res = run_backfill(
        _params(a, None),
        start=a.start,
        end=a.end,
        force=a.force,
        concurrency=a.concurrency,
        processes=a.processes,
    )
    print(
        f"backfill {a.start}..{a.end}: {len(res['ran'])} month(s) run, "
        f"{len(res['skipped'])} already complete -> {a.out}"
    )
    return 0


def cmd_demo(a: argparse.Namespace) -> int:
    from evaluation import months
    from flows.monthly import RunParameters, run_monthly
    from flows.synthetic import write_synthetic

    data = a.out / "data"
    t0 = time.perf_counter()
    info = write_synthetic(data, persons=a.persons, seed=a.seed, area=a.area)
    print(
        f"1/2 synthetic municipality: {a.persons} persons, {info['participants']} "
        f"participants in {len(info['offers'])} offers ({time.perf_counter() - t0:.0f} s)"
    )
    as_of = months.label(months.parse(info["last_month"]))
    params = RunParameters(
        data=str(data),
        config=str(data / "config.yaml"),
        out=str(a.out / "results"),
        as_of=as_of,
        lang=a.lang,
    )
    res = run_monthly(params)
    print(
        f"2/2 monthly evaluation as of {as_of} (data {res['data_first_month']} to "
        f"{res['data_last_month']}; {time.perf_counter() - t0:.0f} s in all)"
    )
    _print_summary(Path(res["out"]), res.get("not_started", []))
    print(f"results: {res['out']}")
    return 0


def cmd_serve(a: argparse.Namespace) -> int:
    from flows.deployment import ServeOptions, serve

    opts = ServeOptions(
        data=a.data,
        config=a.config,
        out=a.out,
        cron=a.cron,
        api_url=a.api_url,
        home=a.home,
        host=a.host,
        port=a.port,
        debug=a.debug,
    )
    serve(opts, say=lambda line: print(line, flush=True))
    return 0


def cmd_status(a: argparse.Namespace) -> int:
    from flows.status import status_lines

    if not a.out.is_dir():
        raise ValueError(f"output folder not found: {a.out}")
    print("\n".join(status_lines(a.out, a.api_url.rstrip("/"))))
    return 0


def cmd_pseudonymise(a: argparse.Namespace) -> int:
    from flows.privacy import load_key, pseudonymise_inputs

    key = load_key(key_file=a.key_file, data_dir=a.data)
    counts = pseudonymise_inputs(a.data, a.out, key)
    for name, n in counts.items():
        print(f"{name}: {n} rows pseudonymised")
    print(f"pseudonymised inputs written to {a.out}")
    return 0


def cmd_import(a: argparse.Namespace) -> int:
    from flows.importer import import_files

    sources = {"persons": a.persons, "status_monthly": a.status, "participation": a.participation}
    res = import_files(sources, a.out, max_quarantine_share=a.max_quarantine_share)
    for source, how in res.read.items():
        print(f"read {source} ({how})")
    for name, c in res.counts.items():
        print(f"{name}: {c['read']} rows, {c['kept']} kept, {c['quarantined']} quarantined")
    for line in res.quarantined:
        print(f"  {line}")
    print(f"wrote {', '.join(res.files)} to {a.out}; validation passed")
    return 0


def cmd_bench(a: argparse.Namespace) -> int:
    from flows import bench

    if a.persons < 100 or a.months < 12:
        raise ValueError("bench needs at least 100 persons and 12 months")
    result = bench.run_bench(persons=a.persons, months=a.months, seed=a.seed, data=a.data)
    if a.out:
        bench.write_json(result, a.out)
    print(bench.table(result))
    return 0


COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {
    "import": cmd_import,
    "synth": cmd_synth,
    "validate": cmd_validate,
    "run": cmd_run,
    "backfill": cmd_backfill,
    "demo": cmd_demo,
    "serve": cmd_serve,
    "status": cmd_status,
    "pseudonymise": cmd_pseudonymise,
    "bench": cmd_bench,
}


def _params(a: argparse.Namespace, as_of: str | None):  # noqa: ANN202
    from flows.monthly import RunParameters

    return RunParameters(
        data=str(a.data),
        config=str(a.config),
        out=str(a.out),
        as_of=as_of,
        restricted_out=str(a.restricted_out) if a.restricted_out else None,
        lang=a.lang,
    )


def _print_summary(folder: Path, not_started: Sequence[str] = ()) -> None:
    import json

    import pandas as pd

    from evaluation.offer_tables import headline_contrast
    from flows.inputs import summary_lines

    for offer_id in not_started:
        print(f"  {offer_id}: not started (no participants yet; see its plan in the report)")
    for line in summary_lines(json.loads((folder / "manifest.json").read_text(encoding="utf-8"))):
        print(line)
    quarantine = pd.read_parquet(folder / "quarantine" / "summary.parquet")
    if len(quarantine):

        def n(k: object) -> str:  # blank where suppressed (a small count)
            return "–" if pd.isna(k) else str(int(k))

        rules = ", ".join(
            f"{r.rule} ({n(r.n_rows)} rows, {n(r.n_persons)} persons)"
            for r in quarantine.itertuples()
        )
        rows = quarantine["n_rows"]
        total = "some" if rows.isna().any() else str(int(rows.sum()))
        print(f"quarantined {total} input row(s): {rules}")
    eff = pd.read_parquet(folder / "effects.parquet")
    head = eff[eff["headline"] & (eff["outcome"] == "self_sufficient")]
    head = head[headline_contrast(head)]  # not the ITT row, not Callaway & Sant'Anna
    if head.empty:
        return
    print("headline effect on self-sufficiency (share of months, first year after start):")
    for _, r in head.iterrows():
        if pd.isna(r["estimate"]):
            print(f"  {r['offer_id']:<14} no estimate ({r.get('note') or 'suppressed'})")
            continue
        print(
            f"  {r['offer_id']:<14} {100 * r['estimate']:+6.1f} pp  "
            f"[{100 * r['ci_low']:+.1f}, {100 * r['ci_high']:+.1f}]  "
            f"participants {int(r['n_treated'])}"
        )

"""The ``mereffekt`` command line.

Every failure is one line on stderr and a non-zero exit code; ``--debug`` shows the
traceback and Prefect's logs.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

EXIT_ERROR = 1
EXIT_USAGE = 2


def _month(text: str) -> str:
    import re

    if not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", text):
        raise argparse.ArgumentTypeError(f"expected a month as YYYY-MM, got {text!r}")
    return text


def _parser() -> argparse.ArgumentParser:
    from flows import server  # standard library only: cheap

    p = argparse.ArgumentParser(
        prog="mereffekt",
        description="Effect evaluation of municipal social investments (mer-effekt).",
    )
    p.add_argument("--debug", action="store_true", help="show tracebacks and Prefect logs")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    s = sub.add_parser("synth", help="write a synthetic municipality in the input format")
    s.add_argument("--persons", type=int, default=20_000, help="number of persons (20000)")
    s.add_argument("--seed", type=int, default=1, help="random seed (1)")
    s.add_argument("--months", type=int, default=60, help="number of observed months (60)")
    s.add_argument("--first-month", type=_month, default="2020-01", help="YYYY-MM (2020-01)")
    s.add_argument("--intake-shift", type=float, default=0.0, help=argparse.SUPPRESS)
    s.add_argument("--out", type=Path, required=True, help="folder for the input files")

    v = sub.add_parser(
        "validate", help="validate an input folder against the contracts (and a config)"
    )
    v.add_argument("--data", type=Path, required=True, help=DATA_HELP)
    v.add_argument("--report", type=Path, help="write the HTML validation report here")
    v.add_argument(
        "--max-quarantine-share",
        type=float,
        help="stop when more than this share of a file's rows is quarantined "
        "(default: the config's validation.max_quarantine_share, else 0.05)",
    )
    v.add_argument(
        "--config", type=Path, help="also check this evaluation config, and it against the data"
    )
    v.add_argument(
        "--as-of", type=_month, help="also check that the data cover this month (YYYY-MM)"
    )
    _quiet_arg(v)

    r = sub.add_parser("run", help="run the monthly evaluation as of one month")
    _run_args(r)
    r.add_argument(
        "--as-of",
        type=_month,
        help="evaluate as of this month, YYYY-MM (default: the month just closed, "
        "Copenhagen time; refused when the data do not cover it)",
    )

    b = sub.add_parser("backfill", help="run the evaluation as of every month in a range")
    _run_args(b)
    b.add_argument("--from", dest="start", type=_month, required=True, help="first month")
    b.add_argument("--to", dest="end", type=_month, required=True, help="last month")
    b.add_argument("--force", action="store_true", help="rerun months that are complete")
    b.add_argument("--concurrency", type=int, default=1, help="months run at a time (1)")

    d = sub.add_parser("demo", help="synthetic municipality + monthly evaluation, end to end")
    d.add_argument("--out", type=Path, default=Path("demo-output"), help="(demo-output)")
    d.add_argument("--persons", type=int, default=20_000, help="number of persons (20000)")
    d.add_argument("--seed", type=int, default=1, help="random seed (1)")
    d.add_argument("--lang", choices=("da", "en"), default="da", help="report language (da)")
    _quiet_arg(d)

    sv = sub.add_parser(
        "serve",
        help="run the monthly evaluation on schedule (starts a Prefect server with UI)",
        description="Start (or reuse) a Prefect server with its scheduler and UI, register "
        "the monthly-evaluation deployment and run it on schedule until Ctrl-C/SIGTERM.",
    )
    sv.add_argument("--data", type=Path, required=True, help=DATA_HELP)
    sv.add_argument("--config", type=Path, required=True, help="evaluation config (YAML)")
    sv.add_argument("--out", type=Path, required=True, help="results go to OUT/as_of=YYYY-MM/")
    sv.add_argument(
        "--cron",
        default=None,
        help="schedule in Europe/Copenhagen time; default: '0 6 5 * *' (the 5th, 06:00)",
    )
    sv.add_argument(
        "--api-url",
        help="use the Prefect server at this API URL (http://host:4200/api) instead of "
        "starting one",
    )
    sv.add_argument(
        "--home",
        type=Path,
        default=server.DEFAULT_HOME,
        help="folder of the started server's SQLite database and log (its PREFECT_HOME); "
        f"default: {server.DEFAULT_HOME}",
    )
    sv.add_argument(
        "--host", default=server.DEFAULT_HOST, help="address the started server listens on"
    )
    sv.add_argument(
        "--port",
        type=int,
        default=server.DEFAULT_PORT,
        help=f"port of the started server (default {server.DEFAULT_PORT})",
    )

    st = sub.add_parser("status", help="published months, and the last and next scheduled run")
    st.add_argument("--out", type=Path, required=True, help="output folder (as for run)")
    st.add_argument(
        "--api-url",
        default=server.base_url(server.DEFAULT_HOST, server.DEFAULT_PORT) + "/api",
        help="Prefect API to ask about runs (default: the one `serve` starts)",
    )

    im = sub.add_parser(
        "import",
        help="turn CSV or xlsx extracts into the three Parquet input files",
        description="Read the analyst's extracts (CSV with ';' and decimal comma, UTF-8 or "
        "Windows-1252, or xlsx), check them against the contracts and write "
        "persons.parquet, status_monthly.parquet and participation.parquet to OUT.",
    )
    im.add_argument("--persons", type=Path, required=True, help="persons extract (.csv/.xlsx)")
    im.add_argument("--status", type=Path, required=True, help="monthly status extract")
    im.add_argument("--participation", type=Path, required=True, help="participation extract")
    im.add_argument("--out", type=Path, required=True, help="folder for the Parquet inputs")
    im.add_argument(
        "--max-quarantine-share",
        type=float,
        default=0.05,
        help="stop when more than this share of a file's rows is set aside (0.05)",
    )

    bn = sub.add_parser(
        "bench", help="time every stage of a monthly run at a given size (synthetic data)"
    )
    bn.add_argument("--persons", type=int, default=100_000, help="number of persons (100000)")
    bn.add_argument("--months", type=int, default=60, help="number of months (60)")
    bn.add_argument("--seed", type=int, default=1, help="random seed of the data (1)")
    bn.add_argument(
        "--data",
        type=Path,
        help="reuse or write the synthetic inputs here "
        "(default: $MEREFFEKT_BENCH_DIR or ~/.cache/mereffekt/bench, one folder per size)",
    )
    bn.add_argument("--out", type=Path, help="write the figures as JSON here")

    ps = sub.add_parser("pseudonymise", help="replace CPR numbers by keyed pseudonyms")
    ps.add_argument("--data", type=Path, required=True, help="folder with the raw input files")
    ps.add_argument("--out", type=Path, required=True, help="folder for the pseudonymised files")
    ps.add_argument("--key-file", type=Path, help="default: $MEREFFEKT_PSEUDONYM_KEY")
    return p


DATA_HELP = "folder with persons.parquet, status_monthly.parquet and participation.parquet"


def _run_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--data", type=Path, required=True, help=DATA_HELP)
    p.add_argument("--config", type=Path, required=True, help="evaluation config (YAML)")
    p.add_argument("--out", type=Path, required=True, help="results go to OUT/as_of=YYYY-MM/")
    p.add_argument(
        "--restricted-out", type=Path, help="folder for person-level rows (matched sets)"
    )
    p.add_argument("--lang", choices=("da", "en"), default="da", help="report language (da)")
    _quiet_arg(p)


def _quiet_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--quiet",
        action="store_true",
        help="no progress on the console (also off when the output is not a terminal)",
    )


# --- commands ---------------------------------------------------------------------------


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
            v = validate_inputs(a.data, max_quarantine_share=share)
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
    from flows.guards import preflight

    preflight(a.config, a.out, a.restricted_out)  # before Prefect starts: fails fast
    from flows.monthly import run_monthly

    params = _params(a, a.as_of)
    t0 = time.perf_counter()
    res = run_monthly(params)
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
        _params(a, None), start=a.start, end=a.end, force=a.force, concurrency=a.concurrency
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
    info = write_synthetic(data, persons=a.persons, seed=a.seed)
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
    if "estimand" in head.columns:  # the headline contrast, not the ITT row
        head = head[head["estimand"] != "itt"]
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


# --- entry point ------------------------------------------------------------------------


def _quiet_prefect(debug: bool, show_progress: bool = False) -> None:
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    # Prefect's temporary server gives up after 20 s; on a loaded 2-core machine it can
    # need longer to start, and a run that times out there has done nothing wrong.
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "180")
    if not debug:
        import warnings

        warnings.filterwarnings("ignore")  # library warnings are for --debug
        os.environ.setdefault("PREFECT_LOGGING_LEVEL", "CRITICAL")
        os.environ.setdefault("PREFECT_LOGGING_SERVER_LEVEL", "CRITICAL")
        os.environ.setdefault("PREFECT_LOGGING_ROOT_LEVEL", "CRITICAL")
        os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
        # Library and module log lines (GX, flows.validation, Prefect's event worker)
        # would surround the one-line error; the CLI prints its own summary instead.
        # With console progress the validation's per-file lines are shown by
        # flows.progress, so only loggers below ERROR on the root's level are silenced.
        if show_progress:
            os.environ.setdefault("PREFECT_LOGGING_HANDLERS_CONSOLE_LEVEL", "CRITICAL")
            logging.getLogger().setLevel(logging.CRITICAL)
        else:
            logging.disable(logging.ERROR)


def _one_line(exc: BaseException) -> str:
    known = _known_errors()
    text = " ".join(str(exc).split())
    if isinstance(exc, known):
        return text
    if isinstance(exc, OSError):
        return f"{exc.__class__.__name__}: {text}"
    return f"unexpected {exc.__class__.__name__}: {text} (rerun with --debug for details)"


def _known_errors() -> tuple[type[BaseException], ...]:
    from flows.config import ConfigError
    from flows.importer.read import ExtractError
    from flows.io import OutputError
    from flows.validation import ValidationError

    extra: tuple[type[BaseException], ...] = (ExtractError,)
    try:
        from flows.privacy import PrivacyError  # type: ignore[attr-defined]

        extra += (PrivacyError,)
    except ImportError:
        pass
    return (ConfigError, OutputError, ValidationError, ValueError, *extra)


def main(argv: Sequence[str] | None = None) -> int:
    from flows import progress

    args = _parser().parse_args(argv)
    show = progress.wanted(quiet=getattr(args, "quiet", True)) and not args.debug
    _quiet_prefect(args.debug, show)
    try:
        with progress.on_console(show):
            return COMMANDS[args.command](args)
    except KeyboardInterrupt:
        print("mereffekt: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # noqa: BLE001 - the CLI's one-line error contract
        if args.debug:
            raise
        print(f"mereffekt: error: {error_line(exc)}", file=sys.stderr)
        return EXIT_ERROR


def error_line(exc: BaseException) -> str:
    """The one-line reason printed after ``mereffekt: error:`` (also the Failed state's
    message of a failed monthly flow run)."""
    return _one_line(_root_cause(exc))


def _root_cause(exc: BaseException) -> BaseException:
    """Prefect wraps failures of tasks and flows; report the original error."""
    known = _known_errors()
    seen = exc
    while not isinstance(seen, known) and (seen.__cause__ or seen.__context__):
        seen = seen.__cause__ or seen.__context__
    return seen if isinstance(seen, known) else exc


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

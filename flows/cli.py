"""The ``mereffekt`` command line: its arguments, the entry point and the one-line error.

Every failure is one line on stderr and a non-zero exit code; ``--debug`` shows the
traceback and Prefect's logs. What each subcommand does is in :mod:`flows.commands`.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
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
    p = argparse.ArgumentParser(
        prog="mereffekt",
        description="Effect evaluation of municipal social investments (mer-effekt).",
    )
    p.add_argument("--debug", action="store_true", help="show tracebacks and Prefect logs")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")
    subcommands = (_synth, _validate, _run, _backfill, _demo, _serve, _status)
    for add in (*subcommands, _import, _bench, _pseudonymise):
        add(sub)
    return p


Subparsers = argparse._SubParsersAction  # noqa: SLF001 - argparse's own type for it


def _synth(sub: Subparsers) -> None:
    s = sub.add_parser("synth", help="write a synthetic municipality in the input format")
    s.add_argument("--persons", type=int, default=20_000, help="number of persons (20000)")
    s.add_argument("--seed", type=int, default=1, help="random seed (1)")
    s.add_argument("--months", type=int, default=60, help="number of observed months (60)")
    s.add_argument("--first-month", type=_month, default="2020-01", help="YYYY-MM (2020-01)")
    s.add_argument("--intake-shift", type=float, default=0.0, help=argparse.SUPPRESS)
    s.add_argument("--out", type=Path, required=True, help="folder for the input files")
    s.add_argument("--area", choices=AREAS, default="employment", help="(employment)")


def _validate(sub: Subparsers) -> None:
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


def _run(sub: Subparsers) -> None:
    r = sub.add_parser("run", help="run the monthly evaluation as of one month")
    _run_args(r)
    r.add_argument(
        "--as-of",
        type=_month,
        help="evaluate as of this month, YYYY-MM (default: the month just closed, "
        "Copenhagen time; refused when the data do not cover it)",
    )
    dask = r.add_mutually_exclusive_group()
    dask.add_argument(
        "--dask-address",
        metavar="ADDRESS",
        help="run the offers on the Dask cluster whose scheduler is here (tcp://HOST:8786); "
        "its workers read the inputs from the same --data path",
    )
    dask.add_argument(
        "--workers", type=int, help="run the offers on a local Dask cluster of N processes"
    )


def _backfill(sub: Subparsers) -> None:
    b = sub.add_parser("backfill", help="run the evaluation as of every month in a range")
    _run_args(b)
    b.add_argument("--from", dest="start", type=_month, required=True, help="first month")
    b.add_argument("--to", dest="end", type=_month, required=True, help="last month")
    b.add_argument("--force", action="store_true", help="rerun months that are complete")
    b.add_argument("--concurrency", type=int, default=1, help="months run at a time (1)")
    b.add_argument(
        "--processes",
        type=int,
        default=None,
        help="worker processes evaluating the months' offers ahead (1: none; 2 on two cores)",
    )


def _demo(sub: Subparsers) -> None:
    d = sub.add_parser("demo", help="synthetic municipality + monthly evaluation, end to end")
    d.add_argument("--out", type=Path, default=Path("demo-output"), help="(demo-output)")
    d.add_argument("--persons", type=int, default=20_000, help="number of persons (20000)")
    d.add_argument("--seed", type=int, default=1, help="random seed (1)")
    d.add_argument("--lang", choices=("da", "en"), default="da", help="report language (da)")
    d.add_argument("--area", choices=AREAS, default="employment", help="(employment)")
    _quiet_arg(d)


def _serve(sub: Subparsers) -> None:
    from flows import server  # standard library only: cheap

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


def _status(sub: Subparsers) -> None:
    from flows import server

    st = sub.add_parser("status", help="published months, and the last and next scheduled run")
    st.add_argument("--out", type=Path, required=True, help="output folder (as for run)")
    st.add_argument(
        "--api-url",
        default=server.base_url(server.DEFAULT_HOST, server.DEFAULT_PORT) + "/api",
        help="Prefect API to ask about runs (default: the one `serve` starts)",
    )


def _import(sub: Subparsers) -> None:
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


def _bench(sub: Subparsers) -> None:
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


def _pseudonymise(sub: Subparsers) -> None:
    ps = sub.add_parser("pseudonymise", help="replace CPR numbers by keyed pseudonyms")
    ps.add_argument("--data", type=Path, required=True, help="folder with the raw input files")
    ps.add_argument("--out", type=Path, required=True, help="folder for the pseudonymised files")
    ps.add_argument("--key-file", type=Path, help="default: $MEREFFEKT_PSEUDONYM_KEY")


DATA_HELP = "folder with persons.parquet, status_monthly.parquet and participation.parquet"
AREAS = ("employment", "homelessness")  # flows.synthetic.AREAS (imported lazily there)


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

    _no_huge_pages()
    args = _parser().parse_args(argv)
    show = progress.wanted(quiet=getattr(args, "quiet", True)) and not args.debug
    _quiet_prefect(args.debug, show)
    try:
        with progress.on_console(show):
            return command(args.command)(args)
    except KeyboardInterrupt:
        print("mereffekt: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # noqa: BLE001 - the CLI's one-line error contract
        if args.debug:
            raise
        print(f"mereffekt: error: {error_line(exc)}", file=sys.stderr)
        return EXIT_ERROR


def _no_huge_pages() -> None:
    """numpy asks the kernel for transparent huge pages for its large arrays. Where the
    kernel then compacts memory when such a page is first touched (THP ``defrag`` set to
    ``madvise``, a common default), that stalls: at 1M persons x 60 months it cost the
    reading, validation and panel 5-9 s of system time (README, *Scale*). Off in
    this process and the processes it starts (a run's workers, Prefect's server), unless
    ``NUMPY_MADVISE_HUGEPAGE`` is set."""
    os.environ.setdefault("NUMPY_MADVISE_HUGEPAGE", "0")
    if os.environ["NUMPY_MADVISE_HUGEPAGE"] == "0" and "numpy" in sys.modules:
        # numpy read the variable when it was imported (in this process before main)
        from numpy._core import multiarray

        setter = getattr(multiarray, "_set_madvise_hugepage", None)
        if setter is not None:
            setter(False)


def command(name: str) -> Callable[[argparse.Namespace], int]:
    """The function that runs subcommand ``name`` (:mod:`flows.commands`)."""
    from flows.commands import COMMANDS

    return COMMANDS[name]


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

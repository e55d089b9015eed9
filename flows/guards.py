"""Checks that stop a run before it computes or writes anything, each with one line.

* :func:`preflight` - the config and the output folders, before anything else;
* :func:`check_writable` - the output folders can be written (read-only disk, a file in
  the way, no permission), before the inputs are even read;
* :func:`check_as_of` - the as-of month lies within the data's complete period
  (:func:`evaluation.period.data_period`): a stale extract is refused, not published as a
  new month;
* :func:`check_offers` - every offer of the config has participants in the data, or a
  plan against which it is reported as not started.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pandas as pd

from evaluation import months
from evaluation.period import DataPeriod, data_period
from flows.config import ConfigError, ConfigModel, load_config
from flows.io import OutputError, describe_os_error

MAX_LISTED = 20


class DataPeriodError(ValueError):
    """The requested month lies outside the data's complete period."""


OFFER_THREADS_ENV = "MEREFFEKT_OFFER_THREADS"
DEFAULT_OFFER_THREADS = 2
"""Offers evaluated at once by default (the machine's two cores). Each holds its own
risk sets, covariates and event-study design while it runs; Prefect's own default, every
offer at once, peaked at 13.6 GB at 1,000,000 persons x 60 months. The figures for one
and two at a time are in the README (*Scale*)."""


def offer_threads() -> int:
    """How many offers a run evaluates at once, in threads of its process:
    ``$MEREFFEKT_OFFER_THREADS`` (a whole number >= 1), else :data:`DEFAULT_OFFER_THREADS`."""
    raw = os.environ.get(OFFER_THREADS_ENV, "").strip()
    if not raw:
        return DEFAULT_OFFER_THREADS
    if not (raw.isascii() and raw.isdecimal()) or int(raw) < 1:
        raise ValueError(
            f"${OFFER_THREADS_ENV} must be a whole number of offers at once (1 or more), "
            f"not {raw!r}"
        )
    return int(raw)


def preflight(config: Path, out: Path, restricted_out: Path | None = None) -> ConfigModel:
    """The checks that need no data: the config (read strictly), the output folders and
    ``$MEREFFEKT_OFFER_THREADS``. The CLI runs them before it starts Prefect, so these
    faults show within a second."""
    offer_threads()
    cfg = load_config(Path(config))
    check_writable(Path(out), label="output folder")
    if restricted_out is not None:
        check_writable(Path(restricted_out), label="restricted folder")
    return cfg


def check_writable(folder: Path, *, label: str = "output folder") -> None:
    """Create ``folder`` if needed and write and delete a probe file in it."""
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise OutputError(f"the {label} {folder} is a file, not a folder; nothing was computed")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, probe = tempfile.mkstemp(prefix=".write-test-", dir=folder)
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        raise OutputError(
            f"cannot write to the {label} {folder}: {describe_os_error(exc)}; nothing was computed"
        ) from None


def period_of(status: pd.DataFrame) -> DataPeriod:
    """The complete period of validated status rows."""
    return data_period(months.from_dates(status["month"]))


def check_as_of(as_of: str, period: DataPeriod, *, defaulted: bool = False) -> None:
    """Refuse an as-of month outside the data's complete period."""
    m = months.parse(as_of)
    which = f"as-of month {as_of}" + (" (the month just closed; no --as-of given)" * defaulted)
    if m > period.last_month:
        ragged = (
            f"; the status rows after it (up to {months.label(period.last_row_month)}) cover "
            "too few persons to be complete"
            if period.ragged_after
            else ""
        )
        raise DataPeriodError(
            f"{which} is after the data's last complete month {period.last_label} (data "
            f"{period.describe()}{ragged}): pass --as-of {period.last_label} or earlier, or "
            f"wait for the extract that covers {as_of}"
        )
    if m < period.first_month:
        raise DataPeriodError(
            f"{which} is before the data's first complete month {period.first_label} (data "
            f"{period.describe()}): pass --as-of between {period.first_label} and "
            f"{period.last_label}"
        )


def check_range(start: str, end: str, period: DataPeriod) -> None:
    """Refuse a backfill range reaching outside the data's complete period."""
    if months.parse(end) > period.last_month:
        raise DataPeriodError(
            f"backfill to {end} reaches beyond the data's last complete month "
            f"{period.last_label} (data {period.describe()}): pass --to {period.last_label} "
            "or earlier"
        )
    if months.parse(start) < period.first_month:
        raise DataPeriodError(
            f"backfill from {start} starts before the data's first complete month "
            f"{period.first_label} (data {period.describe()}): pass --from "
            f"{period.first_label} or later"
        )


def check_offers(cfg: ConfigModel, participation: pd.DataFrame, *, source: str) -> list[str]:
    """Offer ids of the config without any participation row. Without a plan the run
    stops, naming the offer ids the data have; with a plan the offer is returned (it is
    reported as not started against its plan)."""
    present = set(pd.unique(participation["offer_id"].astype(str)))
    missing = [o for o in cfg.offers if o.offer_id not in present]
    unplanned = [o.offer_id for o in missing if not o.has_plan]
    if unplanned:
        names = ", ".join(repr(i) for i in unplanned)
        have = sorted(present)
        listed = ", ".join(have[:MAX_LISTED]) + (
            f" and {len(have) - MAX_LISTED} more" if len(have) > MAX_LISTED else ""
        )
        raise ConfigError(
            f"{source}: offer {names} has no participants in participation.parquet; the data "
            f"have offer ids: {listed or 'none'} (correct offer_id, or give the offer a plan "
            "(plans or planned_participants) to report it as not started)"
        )
    return [o.offer_id for o in missing]


def check_runner_options(address: str | None, workers: int | None) -> None:
    """A Dask scheduler address or a number of local workers (at least 1), not both."""
    if address and workers is not None:
        raise ValueError("give either a Dask scheduler address or a number of workers")
    if workers is not None and workers < 1:
        raise ValueError(f"--workers must be at least 1, not {workers}")

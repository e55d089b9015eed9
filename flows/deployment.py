"""The ``monthly-evaluation`` deployment: a cron schedule in Copenhagen time, served by a
Prefect runner against a real Prefect server with its scheduler (see :mod:`flows.server`).

``serve`` starts that server (or reuses one, or uses ``--api-url``), registers the
deployment, prints where the UI is and when the next run is, runs the scheduled runs as
they come and prints each one's outcome, and stops the runner and the server it started
on Ctrl-C or SIGTERM. Prefect is imported only after the server's address is known,
because Prefect reads ``PREFECT_API_URL`` and ``PREFECT_HOME`` when it is imported.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from flows import status
from flows.server import DEFAULT_HOME, DEFAULT_HOST, DEFAULT_PORT, PrefectServer, prefect_server

if TYPE_CHECKING:
    from prefect.deployments.runner import RunnerDeployment

TIMEZONE = "Europe/Copenhagen"
DEFAULT_CRON = "0 6 5 * *"  # the 5th of every month at 06:00 Copenhagen time
POLL_S = 5.0  # how often the console asks the API for new outcomes


def build_deployment(
    *, data: Path, config: Path, out: Path, cron: str | None = None
) -> RunnerDeployment:
    """The deployment; ``as_of`` is left empty so each run takes the month just closed."""
    from prefect.schedules import Cron

    from flows.monthly import CRON, DEPLOYMENT_NAME, RunParameters, monthly_evaluation

    params = RunParameters(data=str(data), config=str(config), out=str(out))
    return monthly_evaluation.to_deployment(
        name=DEPLOYMENT_NAME,
        schedules=[Cron(cron or CRON, timezone=TIMEZONE)],
        parameters={"params": params.model_dump()},
        tags=["monthly"],
        description="Monthly effect evaluation of every offer in the config.",
    )


def register(*, data: Path, config: Path, out: Path, cron: str | None = None) -> Any:
    """Register (create or update) the deployment on the configured Prefect API; returns
    its id. Nothing runs it: :func:`serve` does both."""
    return _deployment(data=data, config=config, out=out, cron=cron).apply()


def _deployment(*, data: Path, config: Path, out: Path, cron: str | None) -> RunnerDeployment:
    for path, what in ((data, "data folder"), (config, "config file")):
        if not Path(path).exists():
            raise ValueError(f"{what} not found: {path}")
    return build_deployment(
        data=Path(data).resolve(), config=Path(config).resolve(), out=Path(out).resolve(), cron=cron
    )


@dataclass(frozen=True)
class ServeOptions:
    data: Path
    config: Path
    out: Path
    cron: str | None = None
    api_url: str | None = None
    home: Path = DEFAULT_HOME
    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    debug: bool = False


def serve(opts: ServeOptions, *, say: Callable[[str], None] = print) -> None:
    """Serve the deployment until Ctrl-C or SIGTERM (see the module docstring)."""
    for path, what in ((opts.data, "data folder"), (opts.config, "config file")):
        if not Path(path).exists():
            raise ValueError(f"{what} not found: {path}")
    if opts.cron is not None:
        check_cron(opts.cron)
    previous = signal.signal(signal.SIGTERM, _terminate)  # stop the server on SIGTERM too
    try:
        with prefect_server(
            api_url=opts.api_url, home=opts.home, host=opts.host, port=opts.port
        ) as server:
            _announce_server(server, say)
            _environment(server, opts.debug)
            with contextlib.suppress(KeyboardInterrupt, SystemExit):
                _run(opts, server, say)
            say("stopping" + (" the runner and the Prefect server" if server.started else ""))
    finally:
        signal.signal(signal.SIGTERM, previous)
    say("stopped")


def check_cron(cron: str) -> None:
    """Refuse a cron expression Prefect would refuse, before any server is started."""
    from prefect._internal.schemas.validators import validate_cron_string

    try:
        validate_cron_string(cron)
    except ValueError:
        raise ValueError(
            f"--cron {cron!r} is not a cron expression Prefect accepts (five fields: minute "
            "hour day-of-month month day-of-week, e.g. '0 6 5 * *')"
        ) from None


def _terminate(signum: int, frame: object) -> None:
    raise SystemExit(0)


def _announce_server(server: PrefectServer, say: Callable[[str], None]) -> None:
    if server.started:
        say(f"Prefect server started ({server.database}; log: {server.log})")
    else:
        say(f"using the Prefect server at {server.api_url} (left running on exit)")


def _environment(server: PrefectServer, debug: bool) -> None:
    """Point this process and the flow runs it starts at the server. Flow runs log to the
    API (the UI shows their logs); the console shows only the lines printed here."""
    os.environ["PREFECT_API_URL"] = server.api_url
    if server.home is not None:
        os.environ["PREFECT_HOME"] = str(server.home)
    if not debug:
        os.environ["PREFECT_LOGGING_LEVEL"] = "INFO"
        os.environ["PREFECT_LOGGING_HANDLERS_CONSOLE_LEVEL"] = "CRITICAL"
        os.environ.setdefault("PYTHONWARNINGS", "ignore")
    if "prefect" in sys.modules:  # settings were read already (tests): refresh them
        from prefect.context import refresh_global_settings_context

        refresh_global_settings_context()


def _run(opts: ServeOptions, server: PrefectServer, say: Callable[[str], None]) -> None:
    import asyncio

    from prefect.runner import Runner

    deployment = _deployment(data=opts.data, config=opts.config, out=opts.out, cron=opts.cron)
    runner = Runner(name="mereffekt-serve", pause_on_shutdown=True, limit=1)
    deployment_id = str(runner.add_deployment(deployment))
    say(f"UI:         {server.ui_url}")
    say(f"deployment: {status.DEPLOYMENT_PATH}, cron '{opts.cron or DEFAULT_CRON}' ({TIMEZONE})")
    say(f"output:     {Path(opts.out).resolve()}")
    watcher = RunWatcher(server.api_url, deployment_id, Path(opts.out).resolve(), say)
    watcher.start()
    try:
        asyncio.run(runner.start())
    finally:
        watcher.stop()


class RunWatcher(threading.Thread):
    """Prints the next scheduled run, and each run's outcome as it happens."""

    def __init__(
        self, api_url: str, deployment_id: str, out: Path, say: Callable[[str], None]
    ) -> None:
        super().__init__(name="mereffekt-run-watcher", daemon=True)
        self.api_url, self.deployment_id, self.out, self.say = api_url, deployment_id, out, say
        self._stop = threading.Event()
        self._seen: set[str] = set()
        self._next_shown: str | None = None

    def stop(self) -> None:
        self._stop.set()

    def run(self) -> None:
        import datetime as dt

        since = dt.datetime.now(dt.UTC).isoformat()
        while not self._stop.is_set():
            with contextlib.suppress(OSError, ValueError):  # busy or stopping: ask again
                self._poll(since)
            self._stop.wait(POLL_S)

    def _poll(self, since: str) -> None:
        done = status.flow_runs(
            self.api_url,
            self.deployment_id,
            states=status.FINAL,
            sort="EXPECTED_START_TIME_ASC",
            limit=50,
            start_time={"after_": since},
        )
        for run in done:
            if run.id not in self._seen:
                self._seen.add(run.id)
                when = status.copenhagen(run.expected_start)
                self.say(f"run {run.name} (scheduled {when}): {run.outcome()}{self._where(run)}")
        nxt = status.next_run(self.api_url, self.deployment_id)
        when = status.copenhagen(nxt.expected_start) if nxt is not None else None
        if when is not None and when != self._next_shown:  # by time: runs get recreated
            self._next_shown = when
            self.say(f"next run:   {when}")

    def _where(self, run: status.FlowRunInfo) -> str:
        """Where a completed run published: the month folder written last."""
        months = status.published_months(self.out) if run.state_type == "COMPLETED" else []
        if not months:
            return ""
        last = max(months, key=lambda m: m.created_at)
        return f", results as of {last.as_of} in {self.out / f'as_of={last.as_of}'}"

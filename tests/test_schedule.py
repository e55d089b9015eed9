"""The schedule fires: ``mereffekt serve --cron '* * * * *'`` starts a real Prefect server
(SQLite, and one on PostgreSQL), whose scheduler creates a run that the runner executes
and that publishes the month just closed; a failing scheduled run ends Failed with the
CLI's one-line reason and publishes nothing; SIGTERM stops the runner and the server.

The three services start together (one module fixture) so that the tests wait for one
cron minute, not three. Each uses its own free port, Prefect home and output folder.
"""

from __future__ import annotations

import contextlib
import glob
import hashlib
import json
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from evaluation import months
from flows import server as api
from flows import status
from flows.monthly import last_closed_month

EVERY_MINUTE = "* * * * *"
RUN_TIMEOUT_S = 300.0  # server start + up to one cron minute + the run, on a busy machine
STOP_TIMEOUT_S = 60.0
PERSONS = 2_000
N_MONTHS = 48


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "flows.cli", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_API_")}
    env.update(
        OPENBLAS_NUM_THREADS="1",
        PREFECT_SERVER_ANALYTICS_ENABLED="false",
        GX_ANALYTICS_ENABLED="false",
        DO_NOT_TRACK="1",
    )
    env.update(extra)
    return env


# --- a throwaway PostgreSQL cluster -------------------------------------------------------


def _pg_bindir() -> Path | None:
    found = shutil.which("initdb")
    if found and shutil.which("pg_ctl"):
        return Path(found).resolve().parent
    dirs = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda d: int(Path(d).parent.name))
    return Path(dirs[-1]) if dirs else None


def _runuser() -> str:
    return shutil.which("runuser") or "/usr/sbin/runuser"


def postgres_unavailable() -> str | None:
    """Why a PostgreSQL cluster cannot be started here, or ``None``."""
    if _pg_bindir() is None:
        return "PostgreSQL is not installed (.ci/install-postgresql.sh installs it)"
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            return "running as root and there is no user 'postgres' to run PostgreSQL"
        if not Path(_runuser()).exists():
            return "running as root and runuser (util-linux) is missing"
    return None


@contextlib.contextmanager
def postgres_cluster() -> Iterator[str]:
    """A PostgreSQL cluster on a free port in a temporary folder; yields the asyncpg URL.
    PostgreSQL refuses to run as root, so as root it runs as the user ``postgres``."""
    bindir = _pg_bindir()
    assert bindir is not None
    root = tempfile.mkdtemp(prefix="mereffekt-pg-")
    as_user: list[str] = []
    if os.geteuid() == 0:
        pg_user = pwd.getpwnam("postgres")
        os.chown(root, pg_user.pw_uid, pg_user.pw_gid)
        as_user = [_runuser(), "-u", "postgres", "--"]
    data, port = f"{root}/data", _free_port()

    def pg(*args: str) -> None:
        subprocess.run([*as_user, *args], check=True, capture_output=True, timeout=120)

    try:
        pg(f"{bindir}/initdb", "-D", data, "-A", "trust", "-U", "prefect", "-E", "UTF8",
           "--locale=C", "--no-sync")  # fmt: skip
        pg(f"{bindir}/pg_ctl", "-D", data, "-l", f"{root}/postgres.log", "-w", "-t", "60",
           "-o", f"-p {port} -h 127.0.0.1 -k {root} -F", "start")  # fmt: skip
        yield f"postgresql+asyncpg://prefect@127.0.0.1:{port}/postgres"
    finally:
        with contextlib.suppress(subprocess.SubprocessError, OSError):
            pg(f"{bindir}/pg_ctl", "-D", data, "-m", "immediate", "-w", "stop")
        shutil.rmtree(root, ignore_errors=True)


# --- serve as a subprocess ----------------------------------------------------------------


@dataclass
class Serving:
    """One ``mereffekt serve`` process with its own server, home and output folder."""

    proc: subprocess.Popen
    home: Path
    out: Path
    port: int
    console: Path
    server_pid: int | None = None
    lines: list[str] = field(default_factory=list)

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api"

    def text(self) -> str:
        return self.console.read_text(errors="replace")

    def wait_for(self, predicate, what: str, timeout: float = RUN_TIMEOUT_S):  # noqa: ANN001, ANN201
        """Poll ``predicate()`` until it returns something truthy (bounded)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                pytest.fail(f"serve exited ({self.proc.returncode}) before {what}:\n{self.text()}")
            with contextlib.suppress(OSError, ValueError):
                found = predicate()
                if found:
                    return found
            time.sleep(2)
        pytest.fail(f"no {what} within {timeout:.0f} s; serve console:\n{self.text()}")

    def final_scheduled_run(self) -> status.FlowRunInfo | None:
        dep = status.find_deployment(self.api_url)
        if dep is None:
            return None
        runs = status.flow_runs(
            self.api_url, dep["id"], states=status.FINAL, sort="EXPECTED_START_TIME_ASC"
        )
        return runs[0] if runs else None

    def terminate(self) -> int:
        """SIGTERM the serve process and wait for it (bounded)."""
        self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout=STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            pytest.fail(f"serve did not stop within {STOP_TIMEOUT_S:.0f} s:\n{self.text()}")

    def kill(self) -> None:
        """Teardown whatever happened: the serve process group and the server's group."""
        pids = [self.proc.pid]
        pid_file = self.home / api.PID_NAME
        with contextlib.suppress(OSError, ValueError):
            pids.append(int(pid_file.read_text()))
        for pid in pids:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(timeout=10)


def start_serve(
    root: Path,
    data: Path,
    config: Path,
    *,
    port: int | None = None,
    api_url: str | None = None,
    **env: str,
) -> Serving:
    """``mereffekt serve`` with its own server (home and port under ``root``), or with the
    server at ``api_url``."""
    root.mkdir(parents=True, exist_ok=True)
    home, out, port = root / "prefect", root / "out", port or _free_port()
    console = root / "serve.log"
    args = ["serve", "--data", str(data), "--config", str(config), "--out", str(out)]
    args += ["--api-url", api_url] if api_url else ["--home", str(home), "--port", str(port)]
    with open(console, "wb") as sink:
        proc = subprocess.Popen(
            [sys.executable, "-m", "flows.cli", *args, "--cron", EVERY_MINUTE],
            stdin=subprocess.DEVNULL,
            stdout=sink,
            stderr=subprocess.STDOUT,
            env=_env(MEREFFEKT_CACHE_DIR=str(root / "cache"), **env),
            start_new_session=True,
        )
    return Serving(proc=proc, home=home, out=out, port=port, console=console)


def _process_gone(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return True
    return stat.rsplit(")", 1)[1].split()[0] == "Z"  # a zombie has stopped


def _tree_digest(folder: Path) -> str:
    h = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        h.update(str(path.relative_to(folder)).encode() + path.read_bytes())
    return h.hexdigest()


# --- the fixtures: inputs, then three services started at once ------------------------------


@pytest.fixture(scope="module")
def closed_month() -> str:
    return last_closed_month()


@pytest.fixture(scope="module")
def inputs(tmp_path_factory: pytest.TempPathFactory, closed_month: str) -> Path:
    """Synthetic data whose last month is the month just closed (Copenhagen clock)."""
    data = tmp_path_factory.mktemp("sched-data")
    first = months.label(months.parse(closed_month) - (N_MONTHS - 1))
    res = _cli("synth", "--persons", str(PERSONS), "--months", str(N_MONTHS),
               "--first-month", first, "--out", str(data), env=_env())  # fmt: skip
    assert res.returncode == 0, res.stderr
    assert f"to {closed_month}" in res.stdout
    return data


STALE_BY = 3  # the stale extract ends this many months before the month just closed


@pytest.fixture(scope="module")
def stale_inputs(tmp_path_factory: pytest.TempPathFactory, closed_month: str) -> Path:
    """Synthetic data whose last month is older than the month just closed: the next
    month's extract has not arrived, so a scheduled run must refuse, not publish."""
    data = tmp_path_factory.mktemp("sched-stale")
    first = months.label(months.parse(closed_month) - (N_MONTHS - 1 + STALE_BY))
    res = _cli("synth", "--persons", str(PERSONS), "--months", str(N_MONTHS),
               "--first-month", first, "--out", str(data), env=_env())  # fmt: skip
    assert res.returncode == 0, res.stderr
    return data.resolve()


@dataclass
class Services:
    """The services started together, the digest of the month published before the
    failing service started, and the CLI run of the failing inputs (run meanwhile)."""

    serving: dict[str, Serving]
    earlier_digest: str
    fault_cli: subprocess.Popen


@pytest.fixture(scope="module")
def services(tmp_path_factory, inputs: Path, stale_inputs: Path) -> Iterator[Services]:
    root = tmp_path_factory.mktemp("sched")
    earlier = root / "failing" / "out" / "as_of=2020-06"  # a month published before
    earlier.mkdir(parents=True)
    (earlier / "manifest.json").write_text('{"as_of": "2020-06", "status": "complete"}\n')
    (earlier / "effects.parquet").write_bytes(b"earlier results")
    digest = _tree_digest(earlier)
    started: dict[str, Serving] = {}
    with contextlib.ExitStack() as stack:
        pg_url = None if postgres_unavailable() else stack.enter_context(postgres_cluster())
        stale_config = str(stale_inputs / "config.yaml")
        run_args = ["run", "--data", str(stale_inputs), "--config", stale_config]
        fault_cli = subprocess.Popen(
            [sys.executable, "-m", "flows.cli", *run_args, "--out", str(root / "cli-out")],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            # beside three servers, Prefect's temporary server may need more than 20 s
            env=_env(
                MEREFFEKT_CACHE_DIR=str(root / "cli-cache"),
                PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS="180",
            ),
        )
        stack.callback(fault_cli.kill)
        try:
            config = inputs / "config.yaml"
            started["sqlite"] = start_serve(root / "sqlite", inputs, config)
            started["failing"] = start_serve(
                root / "failing", stale_inputs, stale_inputs / "config.yaml"
            )
            if pg_url:
                started["postgres"] = start_serve(
                    root / "postgres",
                    inputs,
                    config,
                    PREFECT_API_DATABASE_CONNECTION_URL=pg_url,
                )
            for s in started.values():  # the server's pid, for the check after SIGTERM
                s.server_pid = s.wait_for(
                    lambda s=s: int((s.home / api.PID_NAME).read_text()), "server pid file"
                )
            yield Services(serving=started, earlier_digest=digest, fault_cli=fault_cli)
        finally:
            for s in started.values():
                s.kill()


# --- the tests ------------------------------------------------------------------------------


def _assert_scheduled_run_publishes(s: Serving, closed_month: str) -> None:
    run = s.wait_for(s.final_scheduled_run, "finished scheduled run")
    assert run.state_type == "COMPLETED", (run, s.text())
    assert run.auto_scheduled, "the run was not created by the scheduler"
    manifest = s.out / f"as_of={closed_month}" / "manifest.json"
    assert manifest.is_file(), s.text()
    text = s.wait_for(lambda: "Completed" in s.text() and s.text(), "outcome on the console")
    assert f"UI:         http://127.0.0.1:{s.port}" in text
    assert "next run:" in text and "): Completed" in text


def _assert_stops_with_its_server(s: Serving) -> None:
    assert s.server_pid is not None and not _process_gone(s.server_pid)
    assert s.terminate() == 0, s.text()
    deadline = time.monotonic() + 10  # the group's last process may still be exiting
    while not _process_gone(s.server_pid) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert _process_gone(s.server_pid), "the Prefect server outlived serve"
    assert not api.healthy(s.api_url)
    assert not (s.home / api.PID_NAME).exists()
    assert s.text().rstrip().endswith("stopped")


def _assert_second_serve_leaves_the_server_running(s: Serving, inputs: Path, **where) -> None:
    again = start_serve(s.home.parent / "again", inputs, inputs / "config.yaml", **where)
    try:
        again.wait_for(lambda: "UI:" in again.text(), "second serve ready", timeout=120)
        assert f"using the Prefect server at {s.api_url} (left running" in again.text()
        assert again.terminate() == 0, again.text()
    finally:
        again.kill()
    assert api.healthy(s.api_url)


def test_schedule_fires_and_publishes_the_month_just_closed(
    services: Services, closed_month: str, inputs: Path
) -> None:
    s = services.serving["sqlite"]
    _assert_scheduled_run_publishes(s, closed_month)
    # the UI is served at the printed address (the dashboard, not "no dashboard")
    with api._NO_PROXY.open(f"http://127.0.0.1:{s.port}/", timeout=10) as resp:
        assert resp.status == 200 and b"<title>Prefect Server</title>" in resp.read()
    settings = api.api_get(f"http://127.0.0.1:{s.port}", "/ui-settings")
    assert settings["api_url"] == s.api_url  # the UI talks to this server's API
    # status lists the published month and the last run
    res = _cli("status", "--out", str(s.out), "--api-url", s.api_url, env=_env())
    assert res.returncode == 0, res.stderr
    manifest = s.out / f"as_of={closed_month}" / "manifest.json"
    data_end = json.loads(manifest.read_text()).get("data_last_month") or "–"
    assert f"  {closed_month}  {data_end:<7}  " in res.stdout
    assert "last run:" in res.stdout and ") Completed" in res.stdout
    # a second serve at the same address reuses the server and leaves it running
    _assert_second_serve_leaves_the_server_running(s, inputs, port=s.port)
    _assert_stops_with_its_server(s)


def test_schedule_fires_on_a_prefect_server_on_postgresql(
    services: Services, closed_month: str
) -> None:
    if "postgres" not in services.serving:
        pytest.skip(postgres_unavailable() or "PostgreSQL unavailable")
    s = services.serving["postgres"]
    assert "PostgreSQL" in s.wait_for(lambda: "server started" in s.text() and s.text(), "start")
    _assert_scheduled_run_publishes(s, closed_month)
    _assert_stops_with_its_server(s)


def test_failed_scheduled_run_is_failed_with_the_cli_line(
    services: Services, inputs: Path, closed_month: str
) -> None:
    s = services.serving["failing"]
    _, stderr = services.fault_cli.communicate(timeout=300)
    assert services.fault_cli.returncode == 1 and stderr.startswith("mereffekt: error: ")
    reason = stderr.strip().removeprefix("mereffekt: error: ")
    assert "\n" not in reason
    stale_end = months.label(months.parse(closed_month) - STALE_BY)
    assert closed_month in reason and stale_end in reason, reason
    run = s.wait_for(s.final_scheduled_run, "finished scheduled run")
    assert run.auto_scheduled
    assert (run.state_type, run.state_name, run.message) == ("FAILED", "Failed", reason)
    s.wait_for(lambda: f"): Failed: {reason}" in s.text(), "failure on the console")
    assert sorted(p.name for p in s.out.iterdir()) == ["as_of=2020-06"]  # nothing new
    assert _tree_digest(s.out / "as_of=2020-06") == services.earlier_digest
    # serve --api-url uses this server and leaves it running
    _assert_second_serve_leaves_the_server_running(s, inputs, api_url=s.api_url)
    _assert_stops_with_its_server(s)


# --- quick checks without a running service -------------------------------------------------


def test_status_lists_published_months_without_a_server(tmp_path: Path) -> None:
    for as_of, extra in (("2024-05", ""), ("2024-06", ', "data_last_month": "2024-06"')):
        folder = tmp_path / f"as_of={as_of}"
        folder.mkdir()
        (folder / "manifest.json").write_text(
            f'{{"as_of": "{as_of}", "run_id": "r{as_of}", "created_at": "2024-07-05T04:01:02'
            f'+00:00", "status": "complete"{extra}}}'
        )
    url = f"http://127.0.0.1:{_free_port()}/api"
    res = _cli("status", "--out", str(tmp_path), "--api-url", url, env=_env())
    assert res.returncode == 0, res.stderr
    lines = res.stdout.splitlines()
    assert "  2024-05  –        r2024-05          2024-07-05T04:01:02+00:00" in lines
    assert "  2024-06  2024-06  r2024-06          2024-07-05T04:01:02+00:00" in lines
    assert f"Prefect: no server answers at {url} (start one with `mereffekt serve`)" in lines


def test_status_of_a_missing_output_folder_is_one_line(tmp_path: Path) -> None:
    res = _cli("status", "--out", str(tmp_path / "nope"), env=_env())
    assert res.returncode == 1
    assert res.stderr == f"mereffekt: error: output folder not found: {tmp_path / 'nope'}\n"


def test_serve_refuses_a_port_taken_by_something_else(inputs: Path, tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        res = _cli("serve", "--data", str(inputs), "--config", str(inputs / "config.yaml"),
                   "--out", str(tmp_path / "out"), "--home", str(tmp_path / "home"),
                   "--port", str(port), env=_env())  # fmt: skip
    assert res.returncode == 1
    assert res.stderr == (
        f"mereffekt: error: port {port} on 127.0.0.1 is taken by something that is not a "
        "Prefect server; choose another with --port\n"
    )
    assert not (tmp_path / "out").exists()


def test_serve_with_an_api_url_where_nothing_answers(inputs: Path, tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{_free_port()}/api"
    res = _cli("serve", "--data", str(inputs), "--config", str(inputs / "config.yaml"),
               "--out", str(tmp_path / "out"), "--api-url", url, env=_env())  # fmt: skip
    assert res.returncode == 1
    assert res.stderr == f"mereffekt: error: no Prefect server answers at {url}\n"


def test_serve_refuses_a_bad_cron_before_starting_a_server(inputs: Path, tmp_path: Path) -> None:
    res = _cli("serve", "--data", str(inputs), "--config", str(inputs / "config.yaml"),
               "--out", str(tmp_path / "out"), "--home", str(tmp_path / "home"),
               "--port", str(_free_port()), "--cron", "99 * * * *", env=_env())  # fmt: skip
    assert res.returncode == 1
    assert res.stderr.startswith("mereffekt: error: --cron '99 * * * *' is not a cron expression")
    assert res.stderr.count("\n") == 1
    assert not (tmp_path / "home").exists()

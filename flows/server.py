"""The Prefect server behind ``mereffekt serve``: started (or reused) as a managed
background process with its scheduler and UI, or an existing one given by its API URL.

Only the standard library is used here, so a server can be started before Prefect is
imported (Prefect reads ``PREFECT_HOME`` and ``PREFECT_API_URL`` when it is imported).
The small JSON helpers at the end talk to Prefect's REST API without Prefect's client,
which would otherwise start a temporary server of its own when no API answers.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

DEFAULT_HOME = Path("~/.mereffekt/prefect")
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 4200
START_TIMEOUT_S = 120.0
STOP_TIMEOUT_S = 20.0
LOG_NAME = "server.log"
PID_NAME = "mereffekt-server.pid"  # Prefect's own `server start -b` uses server.pid


class ServerError(ValueError):
    """The Prefect server could not be started or reached (one line for the CLI)."""


@dataclass(frozen=True)
class PrefectServer:
    """A Prefect server: its API and UI addresses and, when mereffekt started it, the
    process (``None`` for a reused or external server, which is left running)."""

    api_url: str
    ui_url: str
    started: bool
    home: Path | None = None
    process: subprocess.Popen | None = None

    @property
    def log(self) -> Path | None:
        return self.home / LOG_NAME if self.home else None

    @property
    def database(self) -> str:
        url = os.environ.get("PREFECT_API_DATABASE_CONNECTION_URL", "")
        if url.startswith("postgresql"):
            return "PostgreSQL"
        if url:
            return "the database in PREFECT_API_DATABASE_CONNECTION_URL"
        return f"SQLite in {self.home}" if self.home else "its own database"


def base_url(host: str, port: int) -> str:
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}"


@contextlib.contextmanager
def prefect_server(
    *, api_url: str | None, home: Path, host: str, port: int, timeout: float = START_TIMEOUT_S
) -> Iterator[PrefectServer]:
    """The server for one ``serve`` session: ``api_url`` if given (must answer), else the
    one already answering at ``host:port``, else a new one started here and stopped on
    exit (also on Ctrl-C or SIGTERM)."""
    if api_url:
        yield connect(api_url)
        return
    server = start_or_reuse(home=home, host=host, port=port, timeout=timeout)
    try:
        yield server
    finally:
        stop(server)


def connect(api_url: str, timeout: float = 5.0) -> PrefectServer:
    """An existing server by its API URL (``http://host:4200/api``)."""
    api_url = api_url.rstrip("/")
    if not api_url.endswith("/api"):
        raise ServerError(f"--api-url should end in /api, like http://host:4200/api: {api_url}")
    deadline = time.monotonic() + timeout
    while not healthy(api_url):
        if time.monotonic() > deadline:
            raise ServerError(f"no Prefect server answers at {api_url}")
        time.sleep(0.5)
    return PrefectServer(api_url=api_url, ui_url=api_url.removesuffix("/api"), started=False)


def start_or_reuse(*, home: Path, host: str, port: int, timeout: float) -> PrefectServer:
    """Reuse the Prefect server answering at ``host:port`` or start one there."""
    url = base_url(host, port)
    if healthy(url + "/api"):
        return PrefectServer(api_url=url + "/api", ui_url=url, started=False)
    if _port_taken(host, port):
        raise ServerError(
            f"port {port} on {host} is taken by something that is not a Prefect server; "
            "choose another with --port"
        )
    home = Path(home).expanduser().resolve()
    home.mkdir(parents=True, exist_ok=True)
    log = home / LOG_NAME
    with open(log, "ab") as sink:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "prefect",
                "server",
                "start",
                "--host",
                host,
                "--port",
                str(port),
            ],
            env=server_environment(home, host, port),
            stdin=subprocess.DEVNULL,
            stdout=sink,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # own process group: stopped as a whole
        )
    server = PrefectServer(
        api_url=url + "/api", ui_url=url, started=True, home=home, process=process
    )
    (home / PID_NAME).write_text(f"{process.pid}\n")
    try:
        _wait_healthy(server, timeout)
    except BaseException:
        stop(server)
        raise
    return server


def server_environment(home: Path, host: str, port: int) -> dict[str, str]:
    """The server's environment: SQLite under ``home`` (unless the caller set
    ``PREFECT_API_DATABASE_CONNECTION_URL``), scheduler and UI on, the UI told where the
    API is, no analytics, and a log level that makes the log file useful."""
    url = base_url(host, port)
    env = dict(os.environ)
    env.update(
        {
            "PREFECT_HOME": str(home),
            "PREFECT_API_URL": url + "/api",
            "PREFECT_SERVER_API_HOST": host,
            "PREFECT_SERVER_API_PORT": str(port),
            "PREFECT_SERVER_SERVICES_SCHEDULER_ENABLED": "true",
            "PREFECT_SERVER_UI_ENABLED": "true",
            "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
            "PREFECT_LOGGING_LEVEL": "INFO",
            "PREFECT_LOGGING_SERVER_LEVEL": "WARNING",
        }
    )
    env.setdefault("PREFECT_SERVER_UI_API_URL", url + "/api")
    return env


def _wait_healthy(server: PrefectServer, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    assert server.process is not None
    while not healthy(server.api_url):
        code = server.process.poll()
        if code is not None:
            raise ServerError(
                f"the Prefect server stopped (exit code {code}) before it answered: "
                f"{_last_line(server.log)}; server log: {server.log}"
            )
        if time.monotonic() > deadline:
            raise ServerError(
                f"the Prefect server did not answer at {server.api_url} within "
                f"{timeout:.0f} s; server log: {server.log}"
            )
        time.sleep(0.5)


def stop(server: PrefectServer) -> None:
    """Stop a server this process started (its whole process group); a reused or
    external server is left running."""
    process = server.process
    if process is None:
        return
    for sig, wait in ((signal.SIGTERM, STOP_TIMEOUT_S), (signal.SIGKILL, 5.0)):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, sig)
        try:
            process.wait(timeout=wait)
            break
        except subprocess.TimeoutExpired:
            continue
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)  # anything the server left in its group
    if server.home:
        (server.home / PID_NAME).unlink(missing_ok=True)


def _port_taken(host: str, port: int) -> bool:
    with contextlib.suppress(OSError), socket.create_connection((host, port), timeout=1):
        return True
    return False


def _last_line(path: Path | None) -> str:
    try:
        lines = [ln.strip() for ln in path.read_text(errors="replace").splitlines()] if path else []
    except OSError:
        lines = []
    lines = [ln for ln in lines if ln]
    return lines[-1][:300] if lines else "(empty log)"


# --- Prefect's REST API without Prefect's client ------------------------------------------

_NO_PROXY = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def healthy(api_url: str, timeout: float = 2.0) -> bool:
    """Whether a Prefect server answers at ``api_url`` (``GET /health`` is ``true``)."""
    try:
        return api_get(api_url, "/health", timeout=timeout) is True
    except (OSError, ValueError):
        return False


def api_get(api_url: str, path: str, *, timeout: float = 10.0) -> Any:
    return _request(urllib.request.Request(api_url + path), timeout)


def api_post(api_url: str, path: str, body: dict[str, Any], *, timeout: float = 10.0) -> Any:
    req = urllib.request.Request(
        api_url + path,
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    return _request(req, timeout)


def _request(req: urllib.request.Request, timeout: float) -> Any:
    with _NO_PROXY.open(req, timeout=timeout) as resp:
        return json.loads(resp.read().decode() or "null")


def is_not_found(exc: BaseException) -> bool:
    return isinstance(exc, urllib.error.HTTPError) and exc.code == 404

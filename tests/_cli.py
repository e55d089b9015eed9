"""Running the ``mereffekt`` command line as a user does: its own process, stderr read."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

INPUTS = ("persons.parquet", "status_monthly.parquet", "participation.parquet")


def cli(*args: str, env: dict[str, str] | None = None, timeout: float = 600):
    """Run ``python -m flows.cli ARGS`` against the test session's Prefect server."""
    from prefect.settings import PREFECT_API_URL

    api = PREFECT_API_URL.value()  # the session's test server, when a test started it
    full_env = {**os.environ, **({"PREFECT_API_URL": str(api)} if api else {}), **(env or {})}
    cmd = [sys.executable, "-m", "flows.cli", *map(str, args)]
    return subprocess.run(cmd, env=full_env, capture_output=True, text=True, timeout=timeout)


def run_args(data: Path, config: Path, out: Path, *extra: str) -> list[str]:
    return ["run", "--data", str(data), "--config", str(config), "--out", str(out), *extra]


def one_error_line(done: subprocess.CompletedProcess, *fragments: str) -> str:
    """The single stderr line of a refusal (exit 1), containing every fragment."""
    assert done.returncode == 1, (done.returncode, done.stdout, done.stderr)
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, done.stderr
    line = lines[0]
    assert line.startswith("mereffekt: error: "), line
    assert "Traceback" not in line and "unexpected" not in line[:40], line
    for fragment in fragments:
        assert fragment in line, (fragment, line)
    return line


def published_months(out: Path) -> list[str]:
    """The as-of folders in OUT (published months)."""
    if not out.exists():
        return []
    return sorted(p.name for p in out.iterdir() if p.name.startswith("as_of="))


def copy_inputs(src: Path, dest: Path, *, config: bool = True) -> Path:
    dest.mkdir(parents=True, exist_ok=True)
    for name in (*INPUTS, "config.yaml") if config else INPUTS:
        shutil.copy(src / name, dest / name)
    return dest

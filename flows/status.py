"""What the monthly service has done and will do: the published months (from the output
folder's manifests) and, from Prefect's API, the deployment's last and next run.

Used by ``mereffekt status`` and by the ``serve`` console. Talks to the REST API with the
standard library only (see :mod:`flows.server`), so it never starts a server of its own.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from flows import server as api

COPENHAGEN = ZoneInfo("Europe/Copenhagen")
# flow name / deployment name, as registered by flows.deployment (checked in the tests)
DEPLOYMENT_PATH = "monthly-evaluation/monthly-evaluation"
FINAL = ("COMPLETED", "FAILED", "CRASHED", "CANCELLED")
ACTIVE = ("PENDING", "RUNNING", "CANCELLING", "PAUSED")
NONE = "–"


@dataclass(frozen=True)
class PublishedMonth:
    as_of: str
    run_id: str
    created_at: str
    data_last_month: str | None


@dataclass(frozen=True)
class FlowRunInfo:
    """One flow run of the deployment, as the API reports it."""

    id: str
    name: str
    state_type: str
    state_name: str
    message: str
    expected_start: dt.datetime | None
    auto_scheduled: bool

    @classmethod
    def from_api(cls, run: dict[str, Any]) -> FlowRunInfo:
        state = run.get("state") or {}
        start = run.get("expected_start_time")
        return cls(
            id=run["id"],
            name=run["name"],
            state_type=state.get("type") or "",
            state_name=state.get("name") or "",
            message=" ".join((state.get("message") or "").split()),
            expected_start=dt.datetime.fromisoformat(start) if start else None,
            auto_scheduled=bool(run.get("auto_scheduled")),
        )

    def outcome(self) -> str:
        """``Completed`` or ``Failed: <the one-line reason>``."""
        return (
            f"{self.state_name}: {self.message}" if self.state_type != "COMPLETED" else "Completed"
        )


def published_months(out: Path) -> list[PublishedMonth]:
    """Every ``OUT/as_of=YYYY-MM/manifest.json``, oldest month first."""
    months = []
    for manifest in sorted(Path(out).glob("as_of=*/manifest.json")):
        try:
            m = json.loads(manifest.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        months.append(
            PublishedMonth(
                as_of=str(m.get("as_of") or manifest.parent.name.removeprefix("as_of=")),
                run_id=str(m.get("run_id") or NONE),
                created_at=str(m.get("created_at") or NONE),
                data_last_month=m.get("data_last_month"),
            )
        )
    return months


def find_deployment(api_url: str) -> dict[str, Any] | None:
    """The ``monthly-evaluation`` deployment on the server, or ``None``."""
    try:
        return api.api_get(api_url, f"/deployments/name/{DEPLOYMENT_PATH}")
    except OSError as exc:
        if api.is_not_found(exc):
            return None
        raise


def flow_runs(
    api_url: str, deployment_id: str, *, states: Sequence[str], sort: str, limit: int = 1, **flt
) -> list[FlowRunInfo]:
    """Flow runs of one deployment in the given state types (``sort``: Prefect's
    ``FlowRunSort`` name); extra keyword filters go into the ``flow_runs`` filter."""
    body = {
        "deployments": {"id": {"any_": [deployment_id]}},
        "flow_runs": {"state": {"type": {"any_": list(states)}}, **flt},
        "sort": sort,
        "limit": limit,
    }
    return [FlowRunInfo.from_api(r) for r in api.api_post(api_url, "/flow_runs/filter", body)]


def last_run(api_url: str, deployment_id: str) -> FlowRunInfo | None:
    runs = flow_runs(api_url, deployment_id, states=FINAL + ACTIVE, sort="START_TIME_DESC")
    return runs[0] if runs else None


def next_run(api_url: str, deployment_id: str) -> FlowRunInfo | None:
    runs = flow_runs(api_url, deployment_id, states=("SCHEDULED",), sort="EXPECTED_START_TIME_ASC")
    return runs[0] if runs else None


def copenhagen(when: dt.datetime | None) -> str:
    """``2026-12-05 06:00 CET`` (Copenhagen time)."""
    return when.astimezone(COPENHAGEN).strftime("%Y-%m-%d %H:%M %Z") if when else NONE


def schedule_text(deployment: dict[str, Any]) -> str:
    parts = []
    for s in deployment.get("schedules") or []:
        sched = s.get("schedule") or {}
        if "cron" in sched:
            parts.append(f"cron '{sched['cron']}' ({sched.get('timezone') or 'UTC'})")
    text = ", ".join(parts) or "no schedule"
    return text + (" (paused)" if deployment.get("paused") else "")


def status_lines(out: Path, api_url: str) -> list[str]:
    """What ``mereffekt status`` prints."""
    return _published_lines(out) + [""] + _deployment_lines(api_url)


def _published_lines(out: Path) -> list[str]:
    months = published_months(out)
    if not months:
        return [f"no published months in {out}"]
    lines = [f"published months in {out}:", "  as of    data to  run id            created (UTC)"]
    for m in months:
        lines.append(f"  {m.as_of}  {m.data_last_month or NONE:<7}  {m.run_id:<16}  {m.created_at}")
    return lines


def _deployment_lines(api_url: str) -> list[str]:
    if not api.healthy(api_url):
        return [f"Prefect: no server answers at {api_url} (start one with `mereffekt serve`)"]
    dep = find_deployment(api_url)
    if dep is None:
        return [f"Prefect at {api_url}: no deployment {DEPLOYMENT_PATH}"]
    last, nxt = last_run(api_url, dep["id"]), next_run(api_url, dep["id"])
    head = f"Prefect at {api_url}, deployment {DEPLOYMENT_PATH}, {schedule_text(dep)}:"
    if last is None:
        shown = "none yet"
    else:
        how = "scheduled" if last.auto_scheduled else "started by hand"
        shown = (
            f"{last.name} ({how}, {copenhagen(last.expected_start)}) "
            f"{last.outcome() if last.state_type in FINAL else last.state_name}"
        )
    return [head, f"  last run: {shown}", f"  next run: {copenhagen(nxt and nxt.expected_start)}"]

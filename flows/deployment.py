"""The ``monthly-evaluation`` deployment: a cron schedule in Copenhagen time, served by
a Prefect runner against whatever API is configured (by default Prefect's embedded
server with SQLite; set ``PREFECT_API_URL`` to use a server backed by PostgreSQL)."""

from __future__ import annotations

from pathlib import Path

from prefect import serve as prefect_serve
from prefect.deployments.runner import RunnerDeployment
from prefect.schedules import Cron

from flows.monthly import CRON, DEPLOYMENT_NAME, RunParameters, monthly_evaluation

TIMEZONE = "Europe/Copenhagen"


def build_deployment(
    *, data: Path, config: Path, out: Path, cron: str | None = None
) -> RunnerDeployment:
    """The deployment; ``as_of`` is left empty so each run takes the month just closed."""
    params = RunParameters(data=str(data), config=str(config), out=str(out))
    return monthly_evaluation.to_deployment(
        name=DEPLOYMENT_NAME,
        schedules=[Cron(cron or CRON, timezone=TIMEZONE)],
        parameters={"params": params.model_dump()},
        tags=["monthly"],
        description="Monthly effect evaluation of every offer in the config.",
    )


def serve(
    *, data: Path, config: Path, out: Path, cron: str | None = None, register_only: bool = False
) -> None:
    """Register the deployment and run it on schedule until interrupted."""
    for path, what in ((data, "data folder"), (config, "config file")):
        if not Path(path).exists():
            raise ValueError(f"{what} not found: {path}")
    deployment = build_deployment(
        data=Path(data).resolve(),
        config=Path(config).resolve(),
        out=Path(out).resolve(),
        cron=cron,
    )
    if register_only:
        deployment.apply()
        return
    prefect_serve(deployment)

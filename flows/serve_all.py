"""Serve every deployment from one process: no work pool, no worker (the laptop path)."""

from __future__ import annotations

import os

from prefect import serve
from prefect.settings import PREFECT_RUNNER_POLL_FREQUENCY, temporary_settings
from prefect.events.schemas.deployment_triggers import DeploymentEventTrigger

from flows.capture import ingest_captured
from flows.chunk import ingest_chunk
from flows.engagement import process_engagement
from flows.ingest import ingest_campaign
from flows.nurture import nurture_tick
from flows.reclaim import reclaim_sweep
from flows.report import nightly_report
from leadflow.engagement.record import ENGAGED_EVENT


def deployments(paused: bool | None = None) -> list:  # type: ignore[type-arg]
    """``paused=True`` registers them for the UI without scheduling runs nobody would pick up.

    ``_sync=True``: Prefect picks the async variant whenever it sees a run context or a running
    loop in the calling thread; serving is synchronous wherever it is called from.
    """
    return [
        ingest_campaign.to_deployment("manual", tags=["ingest"], paused=paused, _sync=True),
        # What ingest-campaign schedules with chunks > 1; serve runs each in a subprocess.
        ingest_chunk.to_deployment("chunk", tags=["ingest", "chunk"], paused=paused, _sync=True),
        nurture_tick.to_deployment(
            "every-5-minutes", interval=300, tags=["nurture"], paused=paused, _sync=True
        ),
        process_engagement.to_deployment(
            "on-engagement",
            interval=60,
            tags=["engagement"],
            paused=paused,
            _sync=True,
            triggers=[
                DeploymentEventTrigger(
                    expect={ENGAGED_EVENT},
                    match={"prefect.resource.id": "leadflow.lead.*"},
                    parameters={"reason": "{{ event.payload.kind }}"},
                )
            ],
        ),
        reclaim_sweep.to_deployment(
            "hourly", cron="7 * * * *", tags=["reclaim"], paused=paused, _sync=True
        ),
        ingest_captured.to_deployment(
            "every-minute", interval=60, tags=["ingest", "webhook"], paused=paused, _sync=True
        ),
        nightly_report.to_deployment(
            "nightly",
            cron="30 2 * * *",
            tags=["report"],
            paused=paused,
            _sync=True,
            parameters={"period_days": 30},
        ),
    ]


def register_paused() -> list[str]:
    """Register every deployment, paused, so the UI lists them before `leadflow serve` runs.

    One that exists unpaused (`serve` is running it) is left alone: pausing would stop it.
    """
    from prefect import get_client
    from prefect.exceptions import ObjectNotFound

    registered = []
    with get_client(sync_client=True) as client:
        for deployment in deployments(paused=True):
            name = deployment.full_name
            try:
                if not client.read_deployment_by_name(name).paused:
                    continue
            except ObjectNotFound:
                pass
            deployment.apply()
            registered.append(name)
    return registered


def main() -> None:
    # The runner polls for triggered runs every 10 s by default; a clicked lead should reach
    # its rep within seconds (measured: 14-16 s at 10, about 5 s at 2). An explicit setting wins.
    poll = int(os.environ.get("PREFECT_RUNNER_POLL_FREQUENCY", "2"))
    with temporary_settings({PREFECT_RUNNER_POLL_FREQUENCY: poll}):
        serve(*deployments(), limit=4)


if __name__ == "__main__":
    main()

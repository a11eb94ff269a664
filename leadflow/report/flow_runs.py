"""Ops' view: the recent Prefect flow runs, read through the Prefect client.

No Prefect server configured, or none answering, is an answer too ("unreachable"), never
an error page: the workspace works without the orchestrator. A configured API URL is
required; without one the client would start a temporary server inside the web process.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

log = logging.getLogger(__name__)
TIMEOUT_S = 3.0


@dataclass(frozen=True)
class FlowRunRow:
    id: str
    name: str
    flow_name: str
    state: str
    started_at: datetime | None
    ui_url: str


@dataclass(frozen=True)
class FlowRuns:
    runs: list[FlowRunRow]
    problem: str | None  # why there is nothing to show, in words
    ui_base: str | None


def ui_base(api_url: str) -> str:
    """Prefect's UI lives beside its API: http://host:4200/api -> http://host:4200."""
    return api_url.rstrip("/").removesuffix("/api")


def recent_flow_runs(limit: int = 20) -> FlowRuns:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.sorting import FlowRunSort
    from prefect.settings import get_current_settings

    api = get_current_settings().api.url
    if not api:
        return FlowRuns([], "no Prefect server is configured (PREFECT_API_URL is not set)", None)
    base = ui_base(str(api))
    try:
        with get_client(sync_client=True, httpx_settings={"timeout": TIMEOUT_S}) as client:
            runs = client.read_flow_runs(limit=limit, sort=FlowRunSort.START_TIME_DESC)
            names = {f.id: f.name for f in client.read_flows(limit=200)}
    except Exception as exc:  # boundary: any failure to reach Prefect is shown, never raised
        log.warning("Prefect at %s did not answer: %s", api, exc)
        return FlowRuns(
            [], f"the Prefect server at {api} did not answer ({type(exc).__name__})", base
        )
    rows = [
        FlowRunRow(
            str(r.id),
            r.name,
            names.get(r.flow_id, "?"),
            r.state.name if r.state else "unknown",
            r.start_time,
            f"{base}/runs/flow-run/{r.id}",
        )
        for r in runs
    ]
    return FlowRuns(rows, None if rows else "no flow runs yet", base)

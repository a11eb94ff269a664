"""Scale-out: a staged file's batches split into chunks, each a flow run on a work pool.

The file is read and staged once, by the parent run. A chunk's parameters are the
campaign id and row-id ranges, never rows, so no personal data sits in Prefect's database
or logs. Every chunk runs the same resumable batch sequence as a one-process ingest, so a
chunk whose process dies leaves rows 'staged' or leads short of 'done', which the parent
(or the next run of the same file) finishes.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from datetime import datetime
from uuid import UUID

from prefect import get_client
from prefect.client.schemas.objects import FlowRun
from prefect.deployments import run_deployment
from prefect.runtime import flow_run as this_run

from leadflow.core.runtime import log
from leadflow.core.summary import IngestSummary

# flow name / deployment name, as prefect.yaml and flows/serve_all.py register it.
CHUNK_DEPLOYMENT = "ingest-chunk/chunk"
POLL_SECONDS = 2.0
NO_WORKER_S = 120
NO_SUMMARY = "a chunk's counts are missing: its result storage is not shared with this run"


def split(batches: Sequence[tuple[int, int]], chunks: int) -> list[list[tuple[int, int]]]:
    """Contiguous runs of batches, sizes differing by at most one, none empty."""
    n = max(1, min(chunks, len(batches)))
    size, extra = divmod(len(batches), n)
    parts, start = [], 0
    for i in range(n):
        end = start + size + (1 if i < extra else 0)
        parts.append([tuple(b) for b in batches[start:end]])
        start = end
    return parts  # type: ignore[return-value]


def dispatch(
    deployment: str,
    campaign_id: int,
    campaign: str,
    parts: list[list[tuple[int, int]]],
    now: datetime | None,
) -> list[UUID]:
    """One flow run per chunk, scheduled now; returns at once (the workers run them)."""
    parent = this_run.get_id() or "local"
    ids = []
    for i, part in enumerate(parts):
        run = run_deployment(
            deployment,
            parameters={
                "campaign_id": campaign_id,
                "campaign": campaign,
                "batches": [list(b) for b in part],
                "now": now,
            },
            flow_run_name=f"ingest-chunk-{campaign}-{i + 1}-of-{len(parts)}",
            timeout=0,
            # A retried parent must not schedule the same chunk twice.
            idempotency_key=f"{parent}:chunk:{i}",
            tags=["ingest", "chunk"],
        )
        ids.append(run.id)  # type: ignore[union-attr]  # sync here: a FlowRun, not a coroutine
    log().info("%s: %d chunks scheduled on %s", campaign, len(ids), deployment)
    return ids


def wait(
    ids: list[UUID], timeout_s: float | None, on_done: Callable[[int], object] | None = None
) -> list[FlowRun]:
    """Poll until every chunk reached a final state, or the timeout; in the order given."""
    start = time.monotonic()
    deadline = None if timeout_s is None else start + timeout_s
    runs: dict[UUID, FlowRun] = {}
    warned = False
    with get_client(sync_client=True) as client:
        while len(runs) < len(ids):
            waiting = 0
            for run_id in ids:
                if run_id in runs:
                    continue
                run = client.read_flow_run(run_id)
                waiting += bool(run.state and run.state.is_scheduled())
                if run.state is not None and run.state.is_final():
                    runs[run_id] = run
                    if on_done:
                        on_done(len(runs))
            if not warned and waiting == len(ids) and time.monotonic() - start > NO_WORKER_S:
                # Nothing picked up: the likely cause is no worker on the deployment's pool.
                log().warning(
                    "no chunk started in %d s: is a worker polling the pool?", NO_WORKER_S
                )
                warned = True
            if len(runs) == len(ids) or (deadline is not None and time.monotonic() > deadline):
                break
            time.sleep(POLL_SECONDS)
        # Unfinished at the deadline: returned as they stand, the caller takes their batches.
        return [runs.get(i) or client.read_flow_run(i) for i in ids]


def add_summary(into: IngestSummary, run: FlowRun) -> bool:
    """Add a completed chunk's counts; False when its result cannot be read here."""
    try:
        part = run.state.result(raise_on_failure=True) if run.state else None
    except Exception:  # boundary: results live in the workers' storage; counts only, logged
        log().exception("chunk %s: result unreadable", run.name)
        part = None
    if not isinstance(part, IngestSummary):
        into.problems[NO_SUMMARY] += 1
        return False
    into.quarantined += part.quarantined
    into.quarantine_reasons.update(part.quarantine_reasons)
    into.created += part.created
    into.merged += part.merged
    into.hot += part.hot
    into.warm += part.warm
    into.cold += part.cold
    into.disqualified += part.disqualified
    into.routed.update(part.routed)
    into.enrolled += part.enrolled
    into.emails_sent += part.emails_sent
    into.problems.update(part.problems)
    into.resumed += part.resumed
    return True

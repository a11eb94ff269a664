"""Prefect tasks over leadflow.ingest.staging: thin wrappers that own the retries."""

from __future__ import annotations

from datetime import datetime
from leadflow.ingest.staging import StageResult

from prefect import task

import leadflow.ingest.staging as service
from tasks._common import BATCH_TASK


@task(name="fetch-source", **BATCH_TASK)
def fetch_source(source: str) -> str:
    """A local path for ``source``: itself, or an http(s) URL downloaded by streaming."""
    return service.fetch_source(source)


@task(name="stage-file", **BATCH_TASK)
def stage_file(
    source: str,
    campaign_id: int,
    batch_size: int,
    now: datetime | None = None,
    encoding: str | None = None,
) -> StageResult:
    """Keep every row as received before touching it, so nothing can be lost.

    Idempotent: a row already staged for this campaign (same file content, same line)
    is not staged again; rows left 'staged' by a crashed run are batched again.
    Streams: memory stays bounded whatever the file's size.
    """
    return service.stage_file(source, campaign_id, batch_size, now, encoding)

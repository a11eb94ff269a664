"""Prefect tasks over leadflow.ingest.pending: thin wrappers that own the retries."""

from __future__ import annotations

from leadflow.ingest.pending import PendingWork

from prefect import task

import leadflow.ingest.pending as service
from tasks._common import BATCH_TASK


@task(name="find-staged-rows", **BATCH_TASK)
def staged_rows(
    record_ids: list[int] | None = None,
    source_prefix: str | None = None,
    batch_size: int | None = None,
    limit: int = 50_000,
) -> list[PendingWork]:
    """Staged rows by campaign, in id-range batches; all of them, or those named or from a source kind."""
    return service.staged_rows(record_ids, source_prefix, batch_size, limit)

"""Prefect tasks over leadflow.dedupe.clean_and_dedupe: thin wrappers that own the retries."""

from __future__ import annotations

from datetime import datetime
from leadflow.core.summary import BatchOutcome

from prefect import task

import leadflow.dedupe.clean_and_dedupe as service
from tasks._common import BATCH_TASK


@task(name="register-campaign", **BATCH_TASK)
def register_campaign(
    name: str, channel: str, product_line: str | None, cost: float | None, started: datetime | None
) -> int:
    return service.register_campaign(name, channel, product_line, cost, started)


@task(name="clean-and-dedupe", task_run_name="clean-and-dedupe-{first_id}-{last_id}", **BATCH_TASK)
def clean_batch(
    campaign_id: int,
    first_id: int,
    last_id: int,
    now: datetime | None = None,
    read_next: tuple[int, int] | None = None,
) -> BatchOutcome:
    """Normalize a batch, quarantine what is bad, create new leads, merge the rest.

    A row whose email we do not hold is compared with the stored leads its keys find
    (leadflow/dedupe/merging): above the policy's auto_merge probability it joins that lead, above
    review it creates its own lead and the pair is queued. Set-based: a handful of statements
    per batch, not per row. ``read_next``: the next batch's range, read ahead meanwhile.
    """
    return service.clean_batch(campaign_id, first_id, last_id, now, read_next)

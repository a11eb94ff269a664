"""Prefect tasks over leadflow.enrich.service: thin wrappers that own the retries."""

from __future__ import annotations

from datetime import datetime

from prefect import task

import leadflow.enrich.service as service
from tasks._common import BATCH_TASK


@task(name="enrich-leads", **BATCH_TASK)
def enrich_leads(lead_ids: list[int], now: datetime | None = None) -> int:
    """Fill company fields through the provider chain; a lead we cannot enrich keeps moving."""
    return service.enrich_leads(lead_ids, now)

"""Prefect tasks over leadflow.pipeline.account_match: thin wrappers that own the retries."""

from __future__ import annotations

from collections import Counter
from datetime import datetime

from prefect import task

import leadflow.pipeline.account_match as service
from tasks._common import BATCH_TASK


@task(name="match-accounts", **BATCH_TASK)
def match_accounts(lead_ids: list[int], now: datetime | None = None) -> Counter[str]:
    """Each lead meets its owned account: by domain, else by company name (fuzzy, CJK)."""
    return service.match_accounts(lead_ids, now)

"""What every batch task shares: no input hashing, retries only on transient errors."""

from __future__ import annotations

from typing import Any

from prefect import task
from prefect.cache_policies import NO_CACHE

from leadflow.core.errors import is_transient
from leadflow.core.runtime import log
from leadflow.core.settings import get_settings
from leadflow.nurture.dkim_signing import transport_warnings
from leadflow.pipeline.policies import load_all


def retry_on_transient(task: Any, task_run: Any, state: Any) -> bool:
    try:
        state.result()
    except Exception as exc:  # boundary: classify whatever the task raised
        return is_transient(exc)
    return False


# Hashing thousands of leads for a cache key costs more than the work (see notes): no cache.
BATCH_TASK: dict[str, Any] = {
    "cache_policy": NO_CACHE,
    "retries": 3,
    "retry_delay_seconds": [2, 10, 30],
    "retry_condition_fn": retry_on_transient,
}


@task(name="check-policies", cache_policy=NO_CACHE)
def check_policies() -> dict[str, str]:
    """Fail the run before it touches any data if a policy file is broken."""
    versions = load_all()
    log().info("policies: %s", ", ".join(f"{k} {v}" for k, v in versions.items()))
    for warning in transport_warnings(get_settings()):
        log().warning("%s", warning)
    return versions

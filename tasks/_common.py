"""What every batch task shares: no input hashing, retries only on transient errors."""

from __future__ import annotations

import logging
from typing import Any

from prefect import get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.exceptions import MissingContextError
from prefect.runtime import flow_run

from leadflow.config.engagement import EngagementPolicy, load_engagement
from leadflow.config.ingest import IngestPolicy, load_ingest
from leadflow.config.nurture import NurturePolicy, load_nurture
from leadflow.config.qualification import QualificationPolicy, load_qualification
from leadflow.config.routing import RoutingPolicy, load_routing
from leadflow.config.scoring import ScoringPolicy, load_scoring
from leadflow.errors import is_transient
from leadflow.nurture.rep_notice import RepDirectory, rep_directory
from leadflow.settings import get_settings


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


def log() -> logging.Logger | logging.LoggerAdapter[logging.Logger]:
    """The run logger inside a flow, the module logger in unit tests and the CLI."""
    try:
        return get_run_logger()
    except MissingContextError:
        return logging.getLogger("leadflow")


def current_flow_run_id() -> str | None:
    run_id = flow_run.get_id()
    return str(run_id) if run_id else None


def ingest_policy() -> IngestPolicy:
    return load_ingest(get_settings().ingest_dir)


def scoring_policy() -> ScoringPolicy:
    return load_scoring(get_settings().scoring_dir)


def engagement_policy() -> EngagementPolicy:
    return load_engagement(get_settings().scoring_dir)


def qualification_policy() -> QualificationPolicy:
    return load_qualification(get_settings().scoring_dir)


def routing_policy() -> RoutingPolicy:
    return load_routing(get_settings().routing_dir)


def nurture_policy() -> NurturePolicy:
    return load_nurture(get_settings().templates_dir)


def rep_readers(nurture: NurturePolicy) -> RepDirectory:
    """Each rep's zone and language and the routing rules' words, for rep notifications."""
    routing = routing_policy()
    return rep_directory(routing.teams, routing.rules, nurture.locales)




@task(name="check-policies", cache_policy=NO_CACHE)
def check_policies() -> dict[str, str]:
    """Fail the run before it touches any data if a policy file is broken."""
    from leadflow.policies import load_all

    from leadflow.nurture.dkim_signing import transport_warnings

    versions = load_all()
    log().info("policies: %s", ", ".join(f"{k} {v}" for k, v in versions.items()))
    for warning in transport_warnings(get_settings()):
        log().warning("%s", warning)
    return versions

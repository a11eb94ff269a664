"""Artifacts that show ops in the Prefect UI what a run did."""

from __future__ import annotations

import re
from uuid import UUID

from prefect import task
from prefect.artifacts import create_progress_artifact, create_table_artifact, update_progress_artifact
from prefect.cache_policies import NO_CACHE

from leadflow.domain.summary import IngestSummary
from tasks._common import log


def artifact_key(*parts: str) -> str:
    """Prefect artifact keys allow only lowercase letters, digits and dashes."""
    return re.sub(r"-+", "-", re.sub(r"[^a-z0-9]+", "-", "-".join(parts).lower())).strip("-")


@task(name="publish-summary", cache_policy=NO_CACHE)
def publish_table(key: str, rows: list[dict[str, object]], description: str) -> None:
    create_table_artifact(key=artifact_key(key), table=rows, description=description)
    log().info("%s", description)


def publish_ingest_summary(summary: IngestSummary) -> None:
    publish_table(f"ingest-{summary.campaign}", summary.rows(),
                  f"Ingest of {summary.campaign}: {summary.read} rows, {summary.created} new, "
                  f"{summary.merged} merged, {summary.quarantined} quarantined, "
                  f"{sum(summary.routed.values())} routed")


@task(name="start-progress", cache_policy=NO_CACHE)
def start_progress(key: str, description: str) -> str:
    """A progress bar in the flow run's artifacts tab; its id for updates."""
    return str(create_progress_artifact(0.0, key=artifact_key(key), description=description))


@task(name="update-progress", cache_policy=NO_CACHE)
def update_progress(progress_id: str, percent: float) -> None:
    update_progress_artifact(UUID(progress_id), round(percent, 1))

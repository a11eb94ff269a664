"""Artifacts that show ops in the Prefect UI what a run did."""

from __future__ import annotations

import re

from prefect import task
from prefect.artifacts import create_table_artifact

from leadflow.domain.summary import IngestSummary
from tasks._common import log


def artifact_key(*parts: str) -> str:
    """Prefect artifact keys allow only lowercase letters, digits and dashes."""
    return re.sub(r"-+", "-", re.sub(r"[^a-z0-9]+", "-", "-".join(parts).lower())).strip("-")


@task(name="publish-summary")
def publish_table(key: str, rows: list[dict[str, object]], description: str) -> None:
    create_table_artifact(key=artifact_key(key), table=rows, description=description)
    log().info("%s", description)


def publish_ingest_summary(summary: IngestSummary) -> None:
    publish_table(f"ingest-{summary.campaign}", summary.rows(),
                  f"Ingest of {summary.campaign}: {summary.read} rows, {summary.created} new, "
                  f"{summary.merged} merged, {summary.quarantined} quarantined, "
                  f"{sum(summary.routed.values())} routed")

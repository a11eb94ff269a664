"""Artifacts that show ops in the Prefect UI what a run did."""

from __future__ import annotations

import re
from collections import Counter
from datetime import datetime, timedelta
from uuid import UUID

from prefect import task
from prefect.artifacts import (
    create_markdown_artifact,
    create_progress_artifact,
    create_table_artifact,
    update_progress_artifact,
)
from prefect.cache_policies import NO_CACHE

from leadflow.core.summary import IngestSummary
from leadflow.core.runtime import log


def artifact_key(*parts: str) -> str:
    """Prefect artifact keys allow only lowercase letters, digits and dashes."""
    return re.sub(r"-+", "-", re.sub(r"[^a-z0-9]+", "-", "-".join(parts).lower())).strip("-")


@task(name="publish-summary", cache_policy=NO_CACHE)
def publish_table(key: str, rows: list[dict[str, object]], description: str) -> None:
    create_table_artifact(key=artifact_key(key), table=rows, description=description)
    log().info("%s", description)


@task(name="find-problems", cache_policy=NO_CACHE)
def find_problems(lead_ids: list[int]) -> Counter[str]:
    """Why the run's leads got less than they could (read back from what the run recorded)."""
    from leadflow.core.db import session_scope
    from leadflow.report.problems import run_problems

    with session_scope() as session:
        return run_problems(session, lead_ids)


@task(name="find-waiting-emails", cache_policy=NO_CACHE)
def find_waiting_emails() -> Counter[str]:
    """Why emails wait (SMTP unreachable, repeated 4xx), over the whole outbox."""
    from leadflow.core.db import session_scope
    from leadflow.report.problems import waiting_emails

    with session_scope() as session:
        return waiting_emails(session)


def warn_problems(problems: Counter[str]) -> None:
    for why, count in problems.most_common():
        log().warning("%s (%d)", why, count)


def publish_ingest_summary(summary: IngestSummary) -> None:
    warn_problems(summary.problems)
    publish_table(
        f"ingest-{summary.campaign}",
        summary.rows(),
        f"Ingest of {summary.campaign}: {summary.read} rows, {summary.created} new, "
        f"{summary.merged} merged, {summary.quarantined} quarantined, "
        f"{sum(summary.routed.values())} routed",
    )


@task(name="start-progress", cache_policy=NO_CACHE)
def start_progress(key: str, description: str) -> str:
    """A progress bar in the flow run's artifacts tab; its id for updates."""
    return str(create_progress_artifact(0.0, key=artifact_key(key), description=description))


@task(name="update-progress", cache_policy=NO_CACHE)
def update_progress(progress_id: str, percent: float) -> None:
    update_progress_artifact(UUID(progress_id), round(percent, 1))


# Fixed keys: each nightly run adds a version, so the Artifacts page always shows the latest.
REPORT_KEYS = {
    "funnel": "report-funnel",
    "campaigns": "report-campaigns",
    "credit": "report-attribution",
    "reps": "report-reps",
}


@task(name="publish-report", cache_policy=NO_CACHE)
def publish_report(period_days: int = 30, now: datetime | None = None) -> dict[str, int]:
    """Compute the period's report and publish it as artifacts; the headline counts back."""
    from leadflow.core.clock import as_utc
    from leadflow.core.db import session_scope
    from leadflow.report import tables
    from leadflow.report.build import build
    from leadflow.report.queries import load
    from leadflow.report.rows import STAGE_LABELS

    with session_scope() as session:
        report = build(load(session, as_of=as_utc(now)), timedelta(days=period_days))
    create_markdown_artifact(
        key=REPORT_KEYS["funnel"],
        markdown=tables.funnel_markdown(report),
        description=f"Funnel, MQL/SQL gap and health, {report.period}",
    )
    campaigns = [
        {**a, **b} for a, b in zip(tables.campaign_rows(report), tables.campaign_cost_rows(report))
    ]
    for name, rows, what in (
        ("campaigns", campaigns, "leads, outcomes and cost per outcome per campaign"),
        ("credit", tables.credit_rows(report), "won amount credited per attribution model"),
        ("reps", tables.rep_rows(report), "rep load, acceptance and SLA breaches"),
    ):
        create_table_artifact(
            key=REPORT_KEYS[name], table=rows, description=f"{what}, {report.period}"
        )
    headline = {row.stage: row.count for row in report.funnel}
    log().info(
        "leads created %s to %s: %s; MQL/SQL gap %d; %d campaigns, %d reps",
        f"{report.window.start:%Y-%m-%d}",
        f"{report.window.end:%Y-%m-%d}",
        ", ".join(f"{n} {STAGE_LABELS[k]}" for k, n in headline.items()),
        report.gap.gap,
        len(report.campaigns),
        len(report.reps),
    )
    return headline

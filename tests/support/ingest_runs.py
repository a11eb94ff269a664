"""Shared by the kill and the two-at-once ingest tests: a real ingest process, and a
snapshot of everything an ingest writes, to compare a faulted run with a clean one."""

from __future__ import annotations

import os
import subprocess
import sys
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, select, text

from leadflow.core.db import engine_for, session_scope
from leadflow.core.models import (
    Assignment,
    Base,
    Decision,
    Enrollment,
    Lead,
    OutboundEmail,
    SourceRecord,
)
from leadflow.core.settings import get_settings
from tasks.ingest import clean_batch, register_campaign
from tasks.staging import stage_file

ROOT = Path(__file__).resolve().parents[2]
WEBINAR = ROOT / "examples" / "webinar_analytics_2026-11.csv"
T0 = datetime(2026, 11, 9, 9, 0, tzinfo=UTC)
BATCH = 100
ROW_KINDS = ("create", "merge")  # one per row, on whichever lead the row lands
# How often a lead is re-scored, and which account a company name finds (the accounts stored
# so far), depend on which rows came first: counted apart, never compared lead by lead.
ORDERED_KINDS = (*ROW_KINDS, "score", "account_match")
# Runs the real ingest flow in this process; with a step name, SIGKILLs itself right after
# that step's nth call returned (a step boundary): no cleanup, no rollback, no goodbye.
INGESTER = """\
import os, signal, sys
from datetime import datetime
sys.path.insert(0, sys.argv[1])
import flows._batches as batches, flows.ingest as ingest
source, campaign, batch, at, step, nth = sys.argv[2:8]
if step != "none":
    module = ingest if step == "stage_file" else batches
    real, calls = getattr(module, step), []
    def dying(*args, **kwargs):
        result = real(*args, **kwargs)
        calls.append(1)
        if len(calls) == int(nth):
            os.kill(os.getpid(), signal.SIGKILL)
        return result
    setattr(module, step, dying)
summary = ingest.ingest_campaign(source=source, campaign=campaign, channel="webinar",
                                 product_line="analytics", batch_size=int(batch),
                                 now=datetime.fromisoformat(at))
print("done", summary.created, summary.merged, summary.resumed)
"""


def start_ingest(
    tmp_path: Path,
    source: Path,
    campaign: str,
    step: str = "none",
    nth: int = 1,
    batch: int = BATCH,
) -> subprocess.Popen[str]:
    from prefect.settings import PREFECT_API_URL

    script = tmp_path / "ingester.py"
    script.write_text(INGESTER, encoding="utf-8")
    env = {**os.environ, "PREFECT_API_URL": PREFECT_API_URL.value()}
    return subprocess.Popen(
        [
            sys.executable,
            str(script),
            str(ROOT),
            str(source),
            campaign,
            str(batch),
            T0.isoformat(),
            step,
            str(nth),
        ],
        env=env,
        cwd=ROOT,
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def snapshot() -> dict[str, Any]:
    """What an ingest leaves behind, by email (ids and round-robin order may differ)."""
    with session_scope() as session:
        leads = {
            row.email: (row.status, row.temperature, row.score, row.pipeline_stage)
            for row in session.execute(
                select(Lead.email, Lead.status, Lead.temperature, Lead.score, Lead.pipeline_stage)
            )
        }
        assignments = Counter(
            session.scalars(select(Lead.email).join(Assignment, Assignment.lead_id == Lead.id))
        )
        enrollments = Counter(
            session.scalars(select(Lead.email).join(Enrollment, Enrollment.lead_id == Lead.id))
        )
        # Which lead a row's create or merge decision lands on depends on which file's row came
        # first (fuzzy matching weighs the leads stored so far): counted by kind, not by lead.
        decisions = Counter(
            session.execute(
                select(Lead.email, Decision.kind)
                .join(Decision, Decision.lead_id == Lead.id)
                .where(Decision.kind.not_in(ORDERED_KINDS))
            ).tuples()
        )
        ingest_decisions = Counter(
            session.scalars(select(Decision.kind).where(Decision.kind.in_(ROW_KINDS)))
        )
        matched = Counter(
            session.scalars(select(Decision.lead_id).where(Decision.kind == "account_match"))
        )
        outbox = Counter(session.execute(select(OutboundEmail.kind, OutboundEmail.status)).tuples())
        rows = Counter(session.scalars(select(SourceRecord.status)))
    return {
        "leads": leads,
        "assignments": assignments,
        "enrollments": enrollments,
        "decisions": decisions,
        "ingest_decisions": ingest_decisions,
        "outbox": outbox,
        "rows": rows,
        "leads matched twice": sum(n > 1 for n in matched.values()),
    }


def stranded() -> tuple[int, int]:
    """Rows still staged, leads not carried to the end of the pipeline."""
    with session_scope() as session:
        return (
            session.scalar(
                select(func.count())
                .select_from(SourceRecord)
                .where(SourceRecord.status == "staged")
            )
            or 0,
            session.scalar(
                select(func.count()).select_from(Lead).where(Lead.pipeline_stage != "done")
            )
            or 0,
        )


def wipe() -> None:
    """Empty every table (the schema stays), for a clean run in the same database."""
    engine = engine_for(get_settings().resolved_database_url)
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
            conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
            return
        for table in reversed(Base.metadata.sorted_tables):
            conn.execute(table.delete())


def doubled(counts: Counter[Any]) -> int:
    return sum(n - 1 for n in counts.values() if n > 1)


def cleaned_leads(campaign_name: str) -> list[int]:
    """The webinar file staged and cleaned (no later step run): its leads' ids, sorted."""
    campaign = register_campaign.fn(campaign_name, "webinar", "analytics", None, None)
    staged = stage_file.fn(str(WEBINAR), campaign, 100)
    ids: list[int] = []
    for first, last in staged.batches:
        ids += clean_batch.fn(campaign, first, last, T0).lead_ids
    return sorted(set(ids))

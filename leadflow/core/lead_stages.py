"""Where each lead stands in the ingest pipeline, durably, so no crash strands it.

A batch moves its leads cleaned -> enriched -> scored -> done (routed, enrolled, or left
where its status says). Each step is idempotent, and a stage moves only from the one
before it: a lead a later batch merged new data into goes back to ``cleaned`` and is
carried forward again; two runs carrying the same lead cannot move it backwards.

A step that rewrites a lead's row anyway records the move in that same UPDATE
(``moved_to``): on PostgreSQL every UPDATE writes a new row version and its index entries,
so a separate stage move per step cost a rewrite of each lead. ``advance_leads`` then moves
only the leads the step did not write.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Case, ColumnElement, case, select, text, update
from sqlalchemy.orm import Session

from leadflow.core.db import PIPELINE_LOCK_KEY, pipeline_lock, session_scope
from leadflow.core.models import Assignment, Lead, SourceRecord
from leadflow.core.plain_rows import fetch_plain
from leadflow.core.runtime import log
from leadflow.core.statuses import AssignmentStatus, PipelineStage
from leadflow.core.value_lists import among


PREVIOUS = {
    PipelineStage.ENRICHED: PipelineStage.CLEANED,
    PipelineStage.SCORED: PipelineStage.ENRICHED,
    PipelineStage.DONE: PipelineStage.SCORED,
}
CHUNK = 500
LOCK_CHUNK = 5000


def lock_leads(session: Session, lead_ids: Iterable[int], exclusive_key: int | None = None) -> None:
    """Take a batch's leads for one stage's write phase; call first in the unit of work.

    PostgreSQL: the pipeline lock in shared mode (cleaning, which creates and merges leads,
    takes it exclusively and so still runs alone), then ``exclusive_key`` if given (routing's
    round robin), then the leads' rows FOR UPDATE in id order. Two workers' stages run at once
    on different leads and wait for each other only on the leads they share; every stage
    locks in the same order (shared key, stage key, lead rows by id), so none deadlocks.
    Waiting, not SKIP LOCKED: a lead another worker holds is at another stage, and this
    batch must still carry it. SQLite has one writer at a time: BEGIN IMMEDIATE, as before.
    """
    connection = session.connection()
    if connection.dialect.name != "postgresql":
        pipeline_lock(session)
        return
    connection.execute(
        text("SELECT pg_advisory_xact_lock_shared(:key)"), {"key": PIPELINE_LOCK_KEY}
    )
    if exclusive_key is not None:
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": exclusive_key})
    _for_update(session, sorted(set(lead_ids)), [Lead.__table__.c.id])


def locked_rows(
    session: Session, lead_ids: Iterable[int], columns: Sequence[ColumnElement[Any]]
) -> list[Any]:
    """``lock_leads``, reading the leads' ``columns`` (``plain`` rows, by id) in the statements
    that lock them: a step that reads what it locks scans its batch once, not twice."""
    ordered = sorted(set(lead_ids))
    if session.connection().dialect.name != "postgresql":
        pipeline_lock(session)
        return fetch_plain(
            session, select(*columns).where(among(Lead.id, ordered)).order_by(Lead.id)
        )
    lock_leads(session, ())  # the pipeline lock, shared: the rows next, in lock_leads' order
    return _for_update(session, ordered, columns)


def _for_update(
    session: Session, ordered: list[int], columns: Sequence[ColumnElement[Any]]
) -> list[Any]:
    """The leads' ``columns``, their rows locked FOR UPDATE in id order (``ordered``: sorted)."""
    rows: list[Any] = []
    for i in range(0, len(ordered), LOCK_CHUNK):
        rows += fetch_plain(
            session,
            select(*columns)
            .where(among(Lead.id, ordered[i : i + LOCK_CHUNK]))
            .order_by(Lead.id)
            .with_for_update(),
        )
    return rows


def moved_to(to: PipelineStage, stage: ColumnElement[str]) -> Case[str]:
    """The value of ``stage`` in a step's own UPDATE of a lead: ``to`` if the lead stands one
    stage before it, else where it stands (a later batch may have sent it back to cleaned)."""
    return case((stage == PREVIOUS[to].value, to.value), else_=stage)


def behind(session: Session, lead_ids: Iterable[int], to: PipelineStage) -> list[int]:
    """The leads, of these, that still stand one stage before ``to`` (read without a lock:
    ``advance`` checks the stage again under the row lock)."""
    ordered, found = sorted(set(lead_ids)), list[int]()
    for i in range(0, len(ordered), LOCK_CHUNK):
        found += session.scalars(
            select(Lead.id).where(
                among(Lead.id, ordered[i : i + LOCK_CHUNK]), Lead.pipeline_stage == PREVIOUS[to]
            )
        )
    return found


def advance(session: Session, lead_ids: Iterable[int], to: PipelineStage) -> int:
    """Move the leads that stand one stage before ``to`` up to it; the rest stay put."""
    ordered, moved = sorted(set(lead_ids)), 0
    for i in range(0, len(ordered), CHUNK):
        result = session.execute(
            update(Lead)
            .where(among(Lead.id, ordered[i : i + CHUNK]), Lead.pipeline_stage == PREVIOUS[to])
            .values(pipeline_stage=to)
            .execution_options(synchronize_session=False)
        )
        moved += getattr(result, "rowcount", 0) or 0
    return moved


def mark_cleaned(session: Session, lead_ids: Iterable[int]) -> None:
    """A batch created or merged into these leads: the steps after cleaning are owed again."""
    ordered = sorted(set(lead_ids))
    for i in range(0, len(ordered), CHUNK):
        session.execute(
            update(Lead)
            .where(among(Lead.id, ordered[i : i + CHUNK]))
            .values(pipeline_stage=PipelineStage.CLEANED)
            .execution_options(synchronize_session=False)
        )


def unfinished(session: Session, campaign_id: int | None) -> list[int]:
    """Leads an earlier run left half-done: this campaign's first, then everyone's, by id.

    A scan of ``lead``, once per run: ``<>`` is no btree search, and an index on the stage
    would make every step's rewrite of a lead a full one (migration 0012)."""
    pending = select(Lead.id).where(Lead.pipeline_stage != PipelineStage.DONE)
    if campaign_id is None:
        return list(session.scalars(pending.order_by(Lead.id)))
    of_campaign = Lead.id.in_(
        select(SourceRecord.lead_id).where(SourceRecord.campaign_id == campaign_id)
    )
    return list(session.scalars(pending.order_by(case((of_campaign, 0), else_=1), Lead.id)))


def advance_leads(lead_ids: list[int], to: PipelineStage) -> int:
    """After a step finished for these leads: those one stage behind move up."""
    if not lead_ids:
        return 0
    # Only the leads the step did not move itself: none locked or written when it did. Read
    # in a transaction of its own (SQLite's writer must begin with its lock, not a read).
    with session_scope() as session:
        lagging = behind(session, lead_ids, to)
    if not lagging:
        return 0
    with session_scope() as session:
        lock_leads(session, lagging)
        return advance(session, lagging, to)


def unfinished_leads(campaign_id: int | None) -> list[int]:
    """Ids only (never rows: run states must not carry personal data)."""
    with session_scope() as session:
        ids = unfinished(session, campaign_id)
    if ids:
        log().warning("%d leads left half-done by an earlier run: finishing them first", len(ids))
    return ids


def open_assignments(lead_ids: list[int]) -> list[int]:
    """Offers still open for these leads (a crashed run may have made one it never told)."""
    if not lead_ids:
        return []
    with session_scope() as session:
        return list(
            session.scalars(
                select(Assignment.id)
                .where(
                    among(Assignment.lead_id, lead_ids),
                    Assignment.status == AssignmentStatus.OFFERED,
                )
                .order_by(Assignment.id)
            )
        )

"""The pipeline stage a step records in its own UPDATE of a lead, and the stage moves left.

Enrich, the ingest's score step and its enroll step write each lead's row anyway; they move
the lead's stage in that same statement (one row version on PostgreSQL, not two), and only
from the stage before: a lead another batch sent back to ``cleaned`` stays there. The
``advance_leads`` after each step then touches, and locks, only the leads the step left.
"""

from __future__ import annotations

import threading
from collections import Counter

import pytest
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from leadflow.core.db import get_engine, session_scope
from leadflow.core.lead_stages import PipelineStage, advance_leads, locked_rows, mark_cleaned
from leadflow.core.models import Lead
from leadflow.enrich.service import enrich_leads
from leadflow.nurture.enroll import enroll_leads
from leadflow.scoring.rescore import score_leads
from tests.support.ingest_runs import T0, cleaned_leads

pytestmark = pytest.mark.db


def _stages(ids: list[int]) -> dict[int, str]:
    with session_scope() as session:
        rows = session.execute(select(Lead.id, Lead.pipeline_stage).where(Lead.id.in_(ids))).all()
    return {row.id: row.pipeline_stage for row in rows}


def test_each_step_moves_the_stage_it_completes_and_only_from_the_one_before(leadflow_env):
    ids = cleaned_leads("stages")
    assert set(_stages(ids).values()) == {PipelineStage.CLEANED}

    enrich_leads(ids, T0)
    assert set(_stages(ids).values()) == {PipelineStage.ENRICHED}  # no advance_leads called

    sent_back, rescored_elsewhere = ids[0], ids[1]
    with session_scope() as session:
        mark_cleaned(session, [sent_back])  # a later batch merged new data into it
    score_leads([rescored_elsewhere], T0)  # an engagement re-score: not the ingest's step
    assert _stages([rescored_elsewhere])[rescored_elsewhere] == PipelineStage.ENRICHED

    scored = score_leads(ids, T0, stage_too=True)
    stages = _stages(ids)
    assert stages[sent_back] == PipelineStage.CLEANED  # carried forward again, not skipped
    # The re-score above already wrote its score: unchanged now, so not written, so it waits
    # for advance_leads like any lead a step did not write.
    assert stages[rescored_elsewhere] == PipelineStage.ENRICHED
    assert Counter(stages.values()) == Counter(
        {PipelineStage.SCORED: len(ids) - 2, PipelineStage.CLEANED: 1, PipelineStage.ENRICHED: 1}
    )
    assert advance_leads(ids, PipelineStage.SCORED) == 1  # the one left behind, no other

    nurtured = [i for i in scored.warm + scored.cold if i != sent_back]
    assert nurtured and scored.hot
    enroll_leads(nurtured, T0, stage_too=True)
    stages = _stages(ids)
    with session_scope() as session:
        enrolled_status = set(
            session.scalars(select(Lead.id).where(Lead.id.in_(nurtured), Lead.status != "new"))
        )
    assert {stages[i] for i in enrolled_status} == {PipelineStage.DONE}
    # A hot lead is done only after its rep was told: left at scored for advance_leads.
    assert {stages[i] for i in scored.hot if i != sent_back} == {PipelineStage.SCORED}
    advance_leads(ids, PipelineStage.DONE)
    stages = _stages(ids)
    assert stages[sent_back] == PipelineStage.CLEANED
    assert {s for i, s in stages.items() if i != sent_back} == {PipelineStage.DONE}


def test_advance_leads_locks_nothing_when_the_step_moved_every_lead(leadflow_env):
    if get_engine().dialect.name != "postgresql":
        pytest.skip("row locks are PostgreSQL's; SQLite has one writer and no row locks")
    ids = cleaned_leads("stages")
    enrich_leads(ids, T0)  # every lead now at enriched, moved by enrich's own UPDATE
    holder = get_engine().connect()
    held = holder.begin()
    moved: list[int] = []
    mover = threading.Thread(
        target=lambda: moved.append(advance_leads(ids, PipelineStage.ENRICHED))
    )
    try:
        holder.execute(select(Lead.id).where(Lead.id == ids[0]).with_for_update())
        mover.start()
        mover.join(30)
        finished_while_held = not mover.is_alive()
    finally:
        held.rollback()
        holder.close()
        mover.join(60)
    # Before, advance_leads took every lead's row lock first, and waited for this one.
    assert finished_while_held, "advance_leads waited on a lead it had nothing to do to"
    assert moved == [0]


def test_locked_rows_reads_the_batch_it_locks(leadflow_env):
    """A step's one read of its batch both returns the leads (by id) and takes them: another
    writer waits for them until the step's transaction ends."""
    ids = cleaned_leads("locked read")
    with session_scope() as session:
        rows = locked_rows(session, list(reversed(ids)) + ids[:1], [Lead.id, Lead.email])
        assert [row.id for row in rows] == sorted(ids)
        assert all(row.email for row in rows)
        other = get_engine().connect()
        try:
            if other.dialect.name == "postgresql":
                taken = select(Lead.id).where(Lead.id == ids[-1]).with_for_update(nowait=True)
                with pytest.raises(OperationalError, match="could not obtain lock"):
                    other.execute(taken)
            else:  # one writer at a time: the step holds it
                other.exec_driver_sql("PRAGMA busy_timeout=0")  # fail at once, not in 30 s
                with pytest.raises(OperationalError, match="locked"):
                    other.exec_driver_sql("BEGIN IMMEDIATE")
        finally:
            other.rollback()
            other.close()

"""Enroll warm and cold leads in sequences; each tick queues the steps that are due."""

from __future__ import annotations

from datetime import datetime

from prefect import task
from sqlalchemy import select

from leadflow.clock import as_utc
from leadflow.db import session_scope
from leadflow.decisions import record
from leadflow.domain.sequence import after_send, first_due
from leadflow.models import Enrollment, Lead
from tasks._common import BATCH_TASK, current_flow_run_id, log, nurture_policy
from tasks.outbox import queue_email

ENROLLABLE_STATUSES = ("new", "nurturing", "pool")


@task(name="enroll-leads", **BATCH_TASK)
def enroll_leads(lead_ids: list[int], now: datetime | None = None) -> int:
    """Put each warm/cold lead into the sequence its temperature calls for (once)."""
    at, run_id, policy = as_utc(now), current_flow_run_id(), nurture_policy()
    enrolled = 0
    with session_scope() as session:
        leads = session.scalars(select(Lead).where(
            Lead.id.in_(lead_ids), Lead.suppressed.is_(False), Lead.status.in_(ENROLLABLE_STATUSES))).all()
        already = set(session.execute(select(Enrollment.lead_id, Enrollment.sequence).where(
            Enrollment.lead_id.in_([lead.id for lead in leads]))).tuples())
        for lead in leads:
            sequence = policy.sequence_for(lead.temperature)
            if sequence is None:
                continue
            lead.status = "nurturing"
            if (lead.id, sequence.key) in already:
                continue
            session.add(Enrollment(lead_id=lead.id, sequence=sequence.key, next_step=0,
                                   next_due_at=first_due(sequence, at), enrolled_at=at))
            enrolled += 1
            record(session, lead_id=lead.id, kind="enroll", rule_id=f"sequence:{sequence.key}",
                   outcome=f"enrolled in {sequence.key}", reason=f"temperature {lead.temperature}",
                   inputs={"temperature": lead.temperature, "score": lead.score}, at=at,
                   config_version=policy.config_version, flow_run_id=run_id)
    log().info("enrolled %d of %d leads in nurture", enrolled, len(lead_ids))
    return enrolled


@task(name="queue-due-steps", **BATCH_TASK)
def queue_due_steps(now: datetime | None = None, limit: int = 5000) -> list[int]:
    """Queue one outbox row per due step and advance the enrollment in the same commit."""
    at, policy = as_utc(now), nurture_policy()
    queued: list[int] = []
    with session_scope() as session:
        due = session.scalars(select(Enrollment).where(
            Enrollment.status == "active", Enrollment.next_due_at <= at)
            .order_by(Enrollment.next_due_at).limit(limit)).all()
        for enrollment in due:
            lead = session.get(Lead, enrollment.lead_id)
            if lead is None or lead.suppressed or lead.status not in ENROLLABLE_STATUSES:
                enrollment.status = "exited"
                enrollment.exit_reason = "suppressed" if lead and lead.suppressed else f"lead {lead.status if lead else 'gone'}"
                continue
            sequence = policy.sequence(enrollment.sequence)
            step = enrollment.next_step
            outbox_id = queue_email(session, dedupe_key=f"nurture:{enrollment.id}:{step}", kind="nurture",
                                    lead_id=lead.id, to_addr=lead.email, at=at,
                                    enrollment_id=enrollment.id, step=step)
            if outbox_id:
                queued.append(outbox_id)
            enrollment.next_step, enrollment.next_due_at = after_send(sequence, step, at)
            if enrollment.next_due_at is None:
                enrollment.status, enrollment.exit_reason = "completed", "all steps sent"
    log().info("nurture: %d steps due and queued", len(queued))
    return queued

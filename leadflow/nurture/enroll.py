"""Enroll leads in the sequences whose entry rules they meet; each tick queues what is due.

A tick works through due enrollments in batches: a few queries gather every fact the
rules read, the pure planner decides, and one commit per batch writes outbox rows,
advanced enrollments and the decisions for every exit, branch and deferral. Each tick
also marks stale claims 'unknown' (never re-sent) and hands back rows due for a retry.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, bindparam, distinct, func, or_, select, update
from sqlalchemy.orm import Session

from leadflow.core.statuses import AssignmentStatus, EnrollmentStatus, LeadStatus, OutboxStatus
from leadflow.core.clock import as_utc
from leadflow.nurture.policy import NurturePolicy
from leadflow.core.db import session_scope
from leadflow.core.lead_stages import lock_leads
from leadflow.core.decisions import decision_row, write_decisions
from leadflow.nurture.outbox_timing import ORPHANED_PENDING, stale_before
from leadflow.nurture.plan import ENROLLABLE_STATUSES, DueStep, Planner
from leadflow.nurture.sequence import (
    ExitFacts,
    suppression_kind,
)
from leadflow.core.models import (
    Assignment,
    Decision,
    EngagementEvent,
    Enrollment,
    Lead,
    OutboundEmail,
)
from leadflow.core.runtime import current_flow_run_id, log
from leadflow.nurture.consent import NO_FACTS
from leadflow.nurture.consent_store import consent_facts
from leadflow.nurture.entry import enroll_batch
from leadflow.nurture.tick_decisions import step_variant, tick_decision
from leadflow.nurture.variant_store import promotions
from leadflow.nurture.policy import nurture_policy
from leadflow.nurture.outbox import OUTBOX, insert_rows, queue_emails, suppressions
from leadflow.core.value_lists import among

__all__ = ["ENROLLABLE_STATUSES", "enroll_leads", "queue_due_steps"]
TICK_BATCH = 2000
COUNTED_STATUSES = ("pending", "sending", "sent", "unknown")  # what counts against the cap
ENROLLMENT = Enrollment.__table__


def dedupe_key(enrollment_id: int, entry_count: int, step: int) -> str:
    # The first run keeps the key it always had; a re-entry gets keys of its own.
    return (
        f"nurture:{enrollment_id}:{step}"
        if entry_count <= 1
        else f"nurture:{enrollment_id}:r{entry_count}:{step}"
    )


def enroll_leads(lead_ids: list[int], now: datetime | None = None, stage_too: bool = False) -> int:
    """Put each lead into every sequence whose entry rules it meets (re-entry as each allows).
    ``stage_too``: the ingest pipeline's last step; each lead whose status it writes moves
    from scored to done in the same UPDATE."""
    at = as_utc(now)
    with session_scope() as session:
        lock_leads(session, lead_ids)  # the enrollments read are the ones there at commit
        enrolled = enroll_batch(session, nurture_policy(), lead_ids, at, stage_too)
    log().info("enrolled %d of %d leads in nurture", enrolled, len(lead_ids))
    return enrolled


def _enter_handed_back(session: Session, policy: NurturePolicy, at: datetime) -> int:
    """Leads a rep handed back as not ready enter the sequences meant for them."""
    keys = [s.key for s in policy.sequences if s.enter.rejected_not_ready]
    if not keys:
        return 0
    running = select(Enrollment.lead_id).where(
        Enrollment.sequence.in_(keys), Enrollment.status == EnrollmentStatus.ACTIVE
    )
    lead_ids = list(
        session.scalars(
            select(distinct(Assignment.lead_id))
            .join(Lead, Lead.id == Assignment.lead_id)
            .where(
                Assignment.status == AssignmentStatus.REJECTED,
                Assignment.reason == "not_ready",
                Lead.status == LeadStatus.POOL,
                Lead.id.not_in(running),
            )
        )
    )
    return enroll_batch(session, policy, lead_ids, at) if lead_ids else 0


def _due_batch(session: Session, after_id: int, at: datetime, size: int) -> list[Any]:
    return list(
        session.execute(
            select(
                ENROLLMENT,
                Lead.email,
                Lead.country,
                Lead.state,
                Lead.phone_e164,
                Lead.temperature,
                Lead.status.label("lead_status"),
                Lead.owner_rep,
                Lead.suppressed,
                Lead.suppression_reason,
            )
            .join(Lead, Lead.id == ENROLLMENT.c.lead_id, isouter=True)
            .where(
                ENROLLMENT.c.id > after_id,
                ENROLLMENT.c.status == EnrollmentStatus.ACTIVE,
                ENROLLMENT.c.next_due_at <= at,
            )
            .order_by(ENROLLMENT.c.id)
            .limit(size)
        ).mappings()
    )


def _facts(
    session: Session, policy: NurturePolicy, rows: list[Any], at: datetime
) -> dict[str, Any]:
    """Everything the rules read for one batch, in four queries."""
    lead_ids, ids = {r["lead_id"] for r in rows}, [r["id"] for r in rows]
    since = at - timedelta(days=policy.send_policy.cap.per_days if policy.send_policy.cap else 0)
    sends: dict[int, list[datetime]] = defaultdict(list)
    if policy.send_policy.cap:
        sent_or_queued = func.coalesce(OutboundEmail.sent_at, OutboundEmail.created_at)
        for lead_id, moment in session.execute(
            select(OutboundEmail.lead_id, sent_or_queued).where(
                among(OutboundEmail.lead_id, lead_ids),
                OutboundEmail.kind == "nurture",
                OutboundEmail.status.in_(COUNTED_STATUSES),
                sent_or_queued > since,
            )
        ):
            sends[lead_id].append(as_utc(moment))
    clicked: dict[int, set[int]] = defaultdict(set)
    for enrollment_id, step, created, enrolled in session.execute(
        select(
            OutboundEmail.enrollment_id,
            OutboundEmail.step,
            OutboundEmail.created_at,
            Enrollment.enrolled_at,
        )
        .join(EngagementEvent, EngagementEvent.outbound_email_id == OutboundEmail.id)
        .join(Enrollment, Enrollment.id == OutboundEmail.enrollment_id)
        .where(
            among(OutboundEmail.enrollment_id, ids),
            EngagementEvent.type == "click",
            EngagementEvent.is_machine.is_(False),
        )
    ):
        if as_utc(created) >= as_utc(enrolled):  # this run's emails only
            clicked[enrollment_id].add((step or 0) + 1)
    replied: dict[int, datetime] = dict(
        session.execute(
            select(EngagementEvent.lead_id, func.max(EngagementEvent.occurred_at))
            .where(among(EngagementEvent.lead_id, lead_ids), EngagementEvent.type == "reply")
            .group_by(EngagementEvent.lead_id)
        )
        .tuples()
        .all()
    )
    return {
        "sends": sends,
        "clicked": clicked,
        "replied": replied,
        "consent": consent_facts(session, lead_ids),
        "promoted": promotions(session),
        "blocked": suppressions(session, [r["email"] for r in rows if r["email"]]),
    }


def _due_step(row: Any, facts: dict[str, Any]) -> DueStep:
    reply = facts["replied"].get(row["lead_id"])
    exit_facts = ExitFacts(
        temperature=row["temperature"],
        status=row["lead_status"],
        owner_rep=row["owner_rep"],
        suppression=suppression_kind(
            facts["blocked"].get((row["email"] or "").lower()),
            bool(row["suppressed"]),
            row["suppression_reason"],
        ),
        replied=reply is not None and as_utc(reply) >= as_utc(row["enrolled_at"]),
    )
    return DueStep(
        row["id"],
        row["sequence"],
        row["next_step"],
        as_utc(row["next_due_at"]),
        row["country"],
        row["state"],
        row["phone_e164"],
        exit_facts,
        frozenset(facts["clicked"].get(row["id"], ())),
        facts["consent"].get(row["lead_id"], NO_FACTS),
    )


def _tick_batch(
    session: Session, planner: Planner, rows: list[Any], at: datetime, run_id: str | None
) -> list[int]:
    facts, policy = _facts(session, planner.policy, rows, at), planner.policy
    outbox, changes, decisions = [], [], []
    for row in rows:
        action = planner.plan(_due_step(row, facts), at, facts["sends"][row["lead_id"]])
        change = _change(row, action.at)
        if action.kind == "send":
            variant, assigned = step_variant(
                policy, row, action.step, facts["promoted"], at, run_id
            )
            outbox.append(_outbox_row(row, action.step, variant))
            decisions.extend(assigned)
            facts["sends"][row["lead_id"]].append(at)  # the cap sees this tick's sends too
            change |= _after_send(action, at)
        elif action.kind in ("exit", "end"):
            change |= _after_end(row, action, at)
        if action.kind != "send" or action.branch is not None:
            decisions.append(tick_decision(row, action, at, policy, run_id))
        changes.append(change)
    queued = queue_emails(session, outbox, at)
    session.execute(
        update(ENROLLMENT)
        .where(ENROLLMENT.c.id == bindparam("e_id"))
        .values(
            next_step=bindparam("e_step"),
            next_due_at=bindparam("e_due"),
            status=bindparam("e_status"),
            exit_reason=bindparam("e_reason"),
            ended_at=bindparam("e_ended"),
        ),
        changes,
    )
    if decisions:
        write_decisions(session, decisions)
    return queued


def _change(row: Any, due: datetime | None) -> dict[str, Any]:
    """The enrollment's update (by bind name) when the step only waits until ``due``."""
    return {
        "e_id": row["id"],
        "e_step": row["next_step"],
        "e_due": due,
        "e_status": EnrollmentStatus.ACTIVE,
        "e_reason": None,
        "e_ended": None,
    }


def _outbox_row(row: Any, step: Any, variant: Any) -> dict[str, Any]:
    return {
        "dedupe_key": dedupe_key(row["id"], row["entry_count"], step),
        "kind": "nurture",
        "lead_id": row["lead_id"],
        "to_addr": row["email"],
        "enrollment_id": row["id"],
        "step": step,
        "variant": variant,
    }


def _after_send(action: Any, at: datetime) -> dict[str, Any]:
    """The next step and when; the enrollment completes when none is left."""
    change: dict[str, Any] = {"e_step": action.next_step, "e_due": action.next_due}
    if action.next_due is None:
        change |= {
            "e_status": EnrollmentStatus.COMPLETED,
            "e_reason": "all steps sent",
            "e_ended": at,
        }
    return change


def _after_end(row: Any, action: Any, at: datetime) -> dict[str, Any]:
    exited = action.kind == "exit"
    return {
        "e_due": row["next_due_at"],
        "e_ended": at,
        "e_status": EnrollmentStatus.EXITED if exited else EnrollmentStatus.COMPLETED,
        "e_reason": action.rule if exited else "ended by a branch",
    }


def mark_stale_claims(session: Session, at: datetime, run_id: str | None = None) -> list[int]:
    """Rows 'sending' since before the stale cutoff become 'unknown', never re-sent."""
    stale = session.execute(
        update(OUTBOX)
        .where(
            OUTBOX.c.status == OutboxStatus.SENDING,
            or_(OUTBOX.c.claimed_at.is_(None), OUTBOX.c.claimed_at < stale_before(at)),
        )
        .values(
            status=OutboxStatus.UNKNOWN,
            error="claimed but never confirmed: check the mail server log",
        )
        .returning(OUTBOX.c.id, OUTBOX.c.lead_id, OUTBOX.c.message_id, OUTBOX.c.claimed_at)
    ).all()
    if stale:
        insert_rows(
            session,
            Decision.__table__,
            [
                decision_row(
                    lead_id=row.lead_id,
                    kind="send-unknown",
                    rule_id="outbox:stale-claim",
                    outcome="delivery unknown",
                    reason="claimed for sending but never confirmed; not re-sent automatically",
                    inputs={
                        "outbox_id": row.id,
                        "message_id": row.message_id,
                        "claimed_at": row.claimed_at,
                    },
                    at=at,
                    flow_run_id=run_id,
                )
                for row in stale
            ],
        )
    return [row.id for row in stale]


def retry_due(session: Session, at: datetime) -> list[int]:
    """Pending rows whose backoff is over, or whose sender vanished before claiming them."""
    return list(
        session.scalars(
            select(OUTBOX.c.id).where(
                OUTBOX.c.status == OutboxStatus.PENDING,
                or_(
                    OUTBOX.c.next_attempt_at <= at,
                    and_(
                        OUTBOX.c.next_attempt_at.is_(None),
                        OUTBOX.c.created_at <= at - ORPHANED_PENDING,
                    ),
                ),
            )
        )
    )


def queue_due_steps(now: datetime | None = None, limit: int | None = None) -> list[int]:
    """Queue every due step the rules allow now, defer the rest; returns outbox ids to send
    (with earlier rows whose retry time has come)."""
    at, run_id, policy = as_utc(now), current_flow_run_id(), nurture_policy()
    planner, queued, after_id, seen = Planner(policy), [], 0, 0
    with session_scope() as session:
        unknown = mark_stale_claims(session, at, run_id)
        entered = _enter_handed_back(session, policy, at)
    while limit is None or seen < limit:
        with (
            session_scope() as session
        ):  # one commit per batch: outbox rows and enrollments together
            rows = _due_batch(
                session,
                after_id,
                at,
                TICK_BATCH if limit is None else min(TICK_BATCH, limit - seen),
            )
            if not rows:
                break
            queued += _tick_batch(session, planner, rows, at, run_id)
        after_id, seen = rows[-1]["id"], seen + len(rows)
    with session_scope() as session:
        fresh = set(queued)
        retries = [i for i in retry_due(session, at) if i not in fresh]
    log().info(
        "nurture: %d due, %d queued, %d retries, %d handed-back entered, %d claims now unknown",
        seen,
        len(queued),
        len(retries),
        entered,
        len(unknown),
    )
    return queued + retries

"""Enrollment of a batch of leads in the sequences whose entry rules they meet.

Set-based: the leads are read as rows, the rules decide in memory, and the batch is written
in a few statements (new enrollments, re-entries, lead statuses, decisions), whatever its
size. The caller holds the pipeline lock, so the enrollments read are the ones there when
the batch commits; the (lead, sequence) unique key backs that up.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Row, bindparam, distinct, select, update
from sqlalchemy.orm import Session

from leadflow.core.statuses import AssignmentStatus, EnrollmentStatus, LeadStatus, PipelineStage
from leadflow.core.bulk_writes import insert_rows
from leadflow.core.decisions import decision_row, write_decisions
from leadflow.core.lead_stages import moved_to
from leadflow.core.models import Assignment, Campaign, CampaignMember, Enrollment, Lead
from leadflow.core.runtime import current_flow_run_id
from leadflow.nurture.consent_store import ConsentGate
from leadflow.nurture.outbox import suppressions
from leadflow.nurture.plan import ENROLLABLE_STATUSES, Planner
from leadflow.nurture.policy import NurturePolicy, Sequence
from leadflow.nurture.sequence import EntryFacts, entry_matches, first_due, may_reenter
from leadflow.core.plain_rows import plain
from leadflow.core.value_lists import among

LEAD = Lead.__table__
ENROLLMENT = Enrollment.__table__
LEAD_COLUMNS = (
    Lead.id,
    Lead.email,
    Lead.status,
    Lead.temperature,
    Lead.grade,
    Lead.score,
    Lead.country,
    Lead.state,
    Lead.phone_e164,
    Lead.product_line,
)
CHUNK = 500
REENTRY = (
    update(ENROLLMENT)
    .where(ENROLLMENT.c.id == bindparam("e_id"))
    .values(
        status=EnrollmentStatus.ACTIVE,
        next_step=0,
        next_due_at=bindparam("due"),
        enrolled_at=bindparam("at"),
        entry_count=bindparam("run"),
        exit_reason=None,
        ended_at=None,
    )
)


@dataclass
class _Writes:
    new: list[dict[str, Any]] = field(default_factory=list)
    reentries: list[dict[str, Any]] = field(default_factory=list)
    statuses: list[dict[str, Any]] = field(default_factory=list)
    decisions: list[dict[str, Any]] = field(default_factory=list)


def _rejected_not_ready(session: Session, lead_ids: list[int]) -> set[int]:
    return set(
        session.scalars(
            select(distinct(Assignment.lead_id)).where(
                among(Assignment.lead_id, lead_ids),
                Assignment.status == AssignmentStatus.REJECTED,
                Assignment.reason == "not_ready",
            )
        )
    )


def _entry_facts(session: Session, leads: list[Row[Any]]) -> dict[int, EntryFacts]:
    ids = [lead.id for lead in leads]
    campaigns: dict[int, set[str]] = defaultdict(set)
    lines: dict[int, set[str]] = defaultdict(set)
    for lead_id, name, line in session.execute(
        select(CampaignMember.lead_id, Campaign.name, Campaign.product_line)
        .join(Campaign)
        .where(among(CampaignMember.lead_id, ids))
    ):
        campaigns[lead_id].add(name)
        if line:
            lines[lead_id].add(line)
    not_ready = _rejected_not_ready(session, ids)
    return {
        lead.id: EntryFacts(
            temperature=lead.temperature,
            grade=lead.grade,
            campaigns=frozenset(campaigns[lead.id]),
            product_lines=frozenset(lines[lead.id] | ({lead.product_line} - {None})),
            rejected_not_ready=lead.id in not_ready,
        )
        for lead in leads
    }


def _enter(
    planner: Planner,
    lead: Row[Any],
    sequence: Sequence,
    existing: Row[Any] | None,
    at: datetime,
    writes: _Writes,
) -> int:
    """Start (or restart, as the re-entry policy allows) one lead's run of one sequence;
    returns the run number, 0 when the lead stays where it is."""
    if existing is not None and (
        existing.status == EnrollmentStatus.ACTIVE
        or not may_reenter(sequence, existing.ended_at, existing.exit_reason, at)
    ):
        return 0
    calendar = planner.calendar_for_lead(sequence, lead.country, lead.state, lead.phone_e164)
    due = first_due(sequence, at, calendar)
    if existing is None:
        run = 1
        writes.new.append(
            {"lead_id": lead.id, "sequence": sequence.key, "next_step": 0}
            | {
                "next_due_at": due,
                "enrolled_at": at,
                "status": EnrollmentStatus.ACTIVE,
                "entry_count": 1,
            }
        )
    else:
        run = existing.entry_count + 1
        writes.reentries.append({"e_id": existing.id, "due": due, "at": at, "run": run})
    writes.decisions.append(
        decision_row(
            lead_id=lead.id,
            kind="enroll",
            rule_id=f"sequence:{sequence.key}",
            outcome=f"enrolled in {sequence.key}" + (f" (run {run})" if run > 1 else ""),
            reason=f"entry rules met: temperature {lead.temperature}, grade {lead.grade}",
            inputs={
                "temperature": lead.temperature,
                "grade": lead.grade,
                "score": lead.score,
                "run": run,
                "first_due": due,
            },
            at=at,
            config_version=planner.policy.config_version,
            flow_run_id=current_flow_run_id(),
        )
    )
    return run


def _write(session: Session, writes: _Writes, stage_too: bool = False) -> None:
    if writes.new:
        insert_rows(session, ENROLLMENT, writes.new)  # COPY on PostgreSQL
    if writes.reentries:
        session.execute(REENTRY, writes.reentries)
    _write_statuses(session, writes.statuses, stage_too)
    if writes.decisions:
        write_decisions(session, writes.decisions)


def _write_statuses(session: Session, statuses: list[dict[str, Any]], stage_too: bool) -> None:
    """A batch's new lead statuses take one or two values (nurturing, pool): one UPDATE per
    value and 500 ids, not one statement per lead (an executemany is one per row).
    ``stage_too``: the ingest pipeline's last step, whose UPDATE also moves each lead it
    writes from scored to done (lead_stages.moved_to)."""
    stage = {"pipeline_stage": moved_to(PipelineStage.DONE, LEAD.c.pipeline_stage)}
    by_status: dict[str, list[int]] = defaultdict(list)
    for change in statuses:
        by_status[change["s"]].append(change["lead_id"])
    for status, ids in sorted(by_status.items()):
        ids.sort()
        for i in range(0, len(ids), CHUNK):
            session.execute(
                update(LEAD)
                .where(among(LEAD.c.id, ids[i : i + CHUNK]))
                .values({"status": status} | (stage if stage_too else {}))
            )


def enroll_batch(
    session: Session,
    policy: NurturePolicy,
    lead_ids: list[int],
    at: datetime,
    stage_too: bool = False,
) -> int:
    """Enroll the leads in every sequence whose entry rules they meet; returns enrollments made.
    ``stage_too``: called as the ingest pipeline's last step (see ``_write_statuses``)."""
    run_id, planner, writes = current_flow_run_id(), Planner(policy), _Writes()
    leads = plain(
        session.execute(
            select(*LEAD_COLUMNS).where(
                among(Lead.id, lead_ids),
                Lead.suppressed.is_(False),
                Lead.status.in_(ENROLLABLE_STATUSES),
            )
        ).all()
    )
    ids = [lead.id for lead in leads]
    blocked = suppressions(session, [lead.email for lead in leads])
    facts = _entry_facts(session, list(leads))
    existing = {
        (e.lead_id, e.sequence): e
        for e in session.execute(select(ENROLLMENT).where(among(ENROLLMENT.c.lead_id, ids)))
    }
    gate = ConsentGate.load(session, policy, ids, at)
    for lead in leads:
        if lead.email.lower() in blocked:
            continue
        status = lead.status
        for sequence in policy.sequences:
            if entry_matches(sequence.enter, facts[lead.id]) and gate.admits(
                lead, sequence, at, run_id
            ):
                # A lead sales handed back stays in the pool (reps may take it up again).
                status = LeadStatus.POOL if status == LeadStatus.POOL else LeadStatus.NURTURING
                _enter(planner, lead, sequence, existing.get((lead.id, sequence.key)), at, writes)
        if status != lead.status:
            writes.statuses.append({"lead_id": lead.id, "s": status})
    writes.decisions[:0] = gate.decisions  # first, as when they were flushed before the rest
    _write(session, writes, stage_too)
    return len(writes.new) + len(writes.reentries)

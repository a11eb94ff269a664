"""Route hot leads to reps: account owner first, rules, fair round robin; SLA clocks start."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Row, bindparam, literal, select, update
from sqlalchemy.orm import Session

from leadflow.core.bulk_writes import KeyedUpdate, insert_rows_returning_ids
from leadflow.core.clock import as_utc
from leadflow.routing.policy import RoutingPolicy
from leadflow.core.db import session_scope
from leadflow.core.lead_stages import lock_leads
from leadflow.core.decisions import decision_row, write_decisions
from leadflow.routing.route import (
    LEAD_KEYS,
    RouteDecision,
    lead_facts,
    route_lead,
)
from leadflow.routing.rotation import apply_decision
from leadflow.core.summary import RouteOutcome
from leadflow.core.models import (
    Account,
    Assignment,
    Campaign,
    Enrollment,
    Lead,
    QueueItem,
    Rep,
    RoutingLedger,
)
from leadflow.core.runtime import current_flow_run_id, log
from leadflow.routing.policy import routing_policy
from leadflow.core.statuses import EnrollmentStatus, LeadStatus
from leadflow.routing.assignments import AssignmentStatus, offer_sla, rep_loads, store_ledger
from leadflow.routing.people import deactivated_reps
from leadflow.routing.queue_policy import UNASSIGNED
from leadflow.routing.queues import QueueItemStatus, enqueue
from leadflow.core.plain_rows import plain
from leadflow.core.value_lists import among

ROUTABLE_STATUSES = ("new", "nurturing", "pool", "queued")
ROUTING_LOCK_KEY = 0x1EADF11  # one router at a time (ledger and loads), whatever its leads


def sync_reps(session: Session, policy: RoutingPolicy) -> None:
    """Mirror YAML reps into the database; a rep gone from the YAML stays, inactive."""
    configured = {rep.key: (team.key, rep) for team in policy.teams for rep in team.reps}
    for row in session.scalars(select(Rep)):
        if row.key not in configured:
            row.active = False
    for key, (team, rep) in configured.items():
        row = session.get(Rep, key)
        if row is None:
            session.add(
                Rep(
                    key=key,
                    name=rep.name,
                    email=rep.email,
                    team=team,
                    weight=rep.weight,
                    active=rep.active,
                )
            )
            continue
        row.name, row.email, row.team, row.weight = rep.name, rep.email, team, rep.weight
        row.active = rep.active and row.deactivated_at is None
    session.flush()


def _ledgers(session: Session) -> dict[str, dict[str, int]]:
    ledgers: dict[str, dict[str, int]] = {}
    for row in session.scalars(select(RoutingLedger)):
        ledgers.setdefault(row.team, {})[row.rep] = row.assigned
    return ledgers


@dataclass
class _History:
    """What this lead's earlier assignments say about where it may go now."""

    exclude: set[str] = field(
        default_factory=set
    )  # rejected it as a wrong match, or let its SLA pass
    skip_rules: set[str] = field(
        default_factory=set
    )  # rules whose pick was rejected as a wrong match
    prior_owner: str | None = None  # the rep who last accepted this person: they keep them


def _histories(session: Session, lead_ids: list[int]) -> dict[int, _History]:
    """Every lead's history in one query per chunk, not three per lead."""
    found: dict[int, _History] = defaultdict(_History)
    for i in range(0, len(lead_ids), 500):
        rows = session.execute(
            select(
                Assignment.lead_id,
                Assignment.rep,
                Assignment.rule_id,
                Assignment.status,
                Assignment.reason,
            )
            .where(
                among(Assignment.lead_id, lead_ids[i : i + 500]),
                Assignment.status.in_(
                    (
                        AssignmentStatus.REJECTED,
                        AssignmentStatus.EXPIRED,
                        AssignmentStatus.ACCEPTED,
                        AssignmentStatus.PREQUALIFIED,
                    )
                ),
            )
            .order_by(Assignment.id)
        )
        for lead_id, rep, rule_id, status, reason in rows:
            history = found[lead_id]
            if status == AssignmentStatus.ACCEPTED:
                history.prior_owner = rep
            elif status == AssignmentStatus.EXPIRED or reason == "wrong_match":
                history.exclude.add(rep)
                if status == AssignmentStatus.REJECTED:
                    history.skip_rules.add(rule_id)
            elif (
                status == AssignmentStatus.PREQUALIFIED
            ):  # telesales passed it on: now the field's, by the rules
                history.exclude.add(rep)
                history.skip_rules.add(rule_id)
    return found


def _prior_owner(session: Session, lead_id: int) -> str | None:
    """The rep who last accepted this person: their own prior lead stays with them."""
    return session.scalar(
        select(Assignment.rep)
        .where(Assignment.lead_id == lead_id, Assignment.status == AssignmentStatus.ACCEPTED)
        .order_by(Assignment.id.desc())
        .limit(1)
    )


# What routing reads of a lead: one Core row each (lead_facts takes any object with these).
LEAD_COLUMNS = [getattr(Lead, key) for key in LEAD_KEYS if key in Lead.__table__.c] + [
    Lead.id,
    Lead.account_id,
    Lead.first_campaign_id,
]
LEAD = Lead.__table__
QUEUE_ITEM = QueueItem.__table__
ROUTED_LEAD = KeyedUpdate(
    LEAD,
    "lead_id",
    {"owner_rep": "rep", "updated_at": "at"},
    also={"status": literal(LeadStatus.ROUTED.value)},
)
# leave_queue for the whole batch: a routed lead's open queue item (if any) closes.
LEFT_QUEUE = (
    update(QUEUE_ITEM)
    .where(QUEUE_ITEM.c.lead_id == bindparam("q_lead"), QUEUE_ITEM.c.status == QueueItemStatus.OPEN)
    .values(
        status=QueueItemStatus.ROUTED,
        closed_at=bindparam("at"),
        closed_by=None,
        close_reason=bindparam("why"),
    )
)
NEW_OWNER = (
    update(Account.__table__)
    .where(Account.__table__.c.id == bindparam("account_id"))
    .values(owner_rep=bindparam("rep"))
)


@dataclass
class _Batch:
    """One batch's reads (state routing carries from lead to lead) and its writes."""

    policy: RoutingPolicy
    at: datetime
    run_id: str | None
    ledgers: dict[str, dict[str, int]]
    loads: dict[str, tuple[int, int]]
    deactivated: dict[str, str]
    owners: dict[int, str | None]  # account id -> owner rep, as this batch leaves it
    campaigns: dict[int, Any]
    assignments: list[dict[str, Any]] = field(default_factory=list)
    routed: list[dict[str, Any]] = field(default_factory=list)
    decisions: list[dict[str, Any]] = field(default_factory=list)
    new_owners: dict[int, str] = field(default_factory=dict)
    touched_teams: set[str] = field(default_factory=set)


def _load(session: Session, policy: RoutingPolicy, at: datetime, leads: list[Row[Any]]) -> _Batch:
    account_ids = sorted({lead.account_id for lead in leads if lead.account_id})
    owners: dict[int, str | None] = {}
    for i in range(0, len(account_ids), 500):
        owners.update(
            session.execute(
                select(Account.id, Account.owner_rep).where(
                    among(Account.id, account_ids[i : i + 500])
                )
            )
            .tuples()
            .all()
        )
    return _Batch(
        policy,
        at,
        current_flow_run_id(),
        _ledgers(session),
        rep_loads(session, policy, at),
        deactivated_reps(session),
        owners,
        {c.id: c for c in session.execute(select(Campaign.id, Campaign.name, Campaign.channel))},
    )


def _decide(batch: _Batch, lead: Row[Any], history: _History) -> RouteDecision:
    campaign = batch.campaigns.get(lead.first_campaign_id or 0)
    facts = lead_facts(
        lead,
        batch.policy,
        campaign=campaign.name if campaign else None,
        channel=campaign.channel if campaign else None,
    )
    return route_lead(
        facts,
        batch.policy,
        batch.ledgers,
        batch.owners.get(lead.account_id) if lead.account_id else None,
        history.exclude,
        prior_owner=history.prior_owner,
        now=batch.at,
        loads=batch.loads,
        unavailable=batch.deactivated,
        skip_rules=history.skip_rules,
    )


def _take(
    session: Session, batch: _Batch, lead: Row[Any], decision: RouteDecision, outcome: RouteOutcome
) -> None:
    """Carry one decision into the batch's state and writes (the queue path, rare, writes now)."""
    apply_decision(batch.ledgers, batch.loads, decision)
    if decision.ledger_after is not None and decision.team:
        batch.touched_teams.add(decision.team)
    batch.decisions.append(
        decision_row(
            lead_id=lead.id,
            kind="route",
            rule_id=decision.rule_id,
            outcome=f"to {decision.rep or 'queue ' + str(decision.queue)}",
            reason=decision.reason,
            inputs={**decision.inputs, "trace": decision.trace},
            at=batch.at,
            config_version=batch.policy.config_version,
            flow_run_id=batch.run_id,
        )
    )
    if decision.rep is None:
        # A queue always has an owner team and a deadline: the lead never just sits there.
        queue = decision.queue or UNASSIGNED
        enqueue(
            session, session.get_one(Lead, lead.id), queue, batch.policy, batch.at, decision.reason
        )
        outcome.queued[queue] += 1
        return
    batch.assignments.append(
        {
            "lead_id": lead.id,
            "rep": decision.rep,
            "team": decision.team,
            "rule_id": decision.rule_id,
            "assigned_at": batch.at,
            "sla_due_at": batch.at + offer_sla(batch.policy, decision.team),
            "status": AssignmentStatus.OFFERED,
        }
    )
    batch.routed.append(
        {"lead_id": lead.id, "q_lead": lead.id, "rep": decision.rep, "at": batch.at}
        | {"why": f"routed to {decision.rep}"}
    )
    outcome.per_rep[decision.rep] += 1
    owner = batch.owners.get(lead.account_id) if lead.account_id else None
    if lead.account_id in batch.owners and (
        not batch.policy.active_rep(owner) or owner in batch.deactivated
    ):
        # One owner per customer from now on; a departed owner's accounts are handed on.
        batch.owners[lead.account_id] = batch.new_owners[lead.account_id] = decision.rep


def _write(session: Session, batch: _Batch, outcome: RouteOutcome) -> None:
    """The batch in a handful of statements: assignments (their ids back), leads, queue
    items, accounts, ledgers, decisions."""
    if batch.assignments:
        ids = insert_rows_returning_ids(session, Assignment.__table__, batch.assignments)
        outcome.assignment_ids.extend(sorted(ids))
        ROUTED_LEAD.run(session, batch.routed)
        _leave_queues(session, batch.routed)
    if batch.new_owners:
        session.execute(
            NEW_OWNER, [{"account_id": a, "rep": r} for a, r in batch.new_owners.items()]
        )
    for team in sorted(batch.touched_teams):
        store_ledger(session, team, batch.ledgers[team])
    if batch.decisions:
        write_decisions(session, batch.decisions)
    _stop_nurture(session, [row["lead_id"] for row in batch.routed])


def _leave_queues(session: Session, routed: list[dict[str, Any]]) -> None:
    """Close the open queue items of the routed leads: looked up for the batch at once, since
    most routed leads were never queued, then closed one statement per item."""
    queued = set(
        session.scalars(
            select(QUEUE_ITEM.c.lead_id).where(
                among(QUEUE_ITEM.c.lead_id, [row["lead_id"] for row in routed]),
                QUEUE_ITEM.c.status == QueueItemStatus.OPEN,
            )
        )
    )
    if queued:
        session.execute(LEFT_QUEUE, [row for row in routed if row["lead_id"] in queued])


def _stop_nurture(session: Session, lead_ids: list[int]) -> None:
    """Leads with a rep leave their sequences: one statement, and no scan of the session's objects."""
    for i in range(0, len(lead_ids), 500):
        session.execute(
            update(Enrollment)
            .where(
                among(Enrollment.lead_id, lead_ids[i : i + 500]),
                Enrollment.status == EnrollmentStatus.ACTIVE,
            )
            .values(status=EnrollmentStatus.EXITED, exit_reason="routed to sales")
            .execution_options(synchronize_session=False)
        )


def route_leads(
    lead_ids: list[int], now: datetime | None = None, *, qualified_by_sales: bool = False
) -> RouteOutcome:
    """Route every hot, unsuppressed, unowned lead among ``lead_ids`` (any temperature when
    ``qualified_by_sales``: telesales qualified them, which outranks the score)."""
    at, policy, outcome = as_utc(now), routing_policy(), RouteOutcome()
    wanted = [
        among(Lead.id, lead_ids),
        Lead.suppressed.is_(False),
        Lead.status.in_(ROUTABLE_STATUSES),
    ]
    if not qualified_by_sales:
        wanted.append(Lead.temperature == "hot")
    with session_scope() as session:
        # Before reading: a lead another run just routed is not routed again, and the round
        # robin's ledger and loads are read by one router at a time.
        lock_leads(session, lead_ids, ROUTING_LOCK_KEY)
        sync_reps(session, policy)
        leads = plain(session.execute(select(*LEAD_COLUMNS).where(*wanted).order_by(Lead.id)).all())
        batch = _load(session, policy, at, leads)
        histories = _histories(session, [lead.id for lead in leads])
        for lead in leads:
            _take(session, batch, lead, _decide(batch, lead, histories[lead.id]), outcome)
        _write(session, batch, outcome)
    log().info(
        "routed %d leads (%s); %d to queues",
        sum(outcome.per_rep.values()),
        ", ".join(f"{r}: {n}" for r, n in sorted(outcome.per_rep.items())) or "none",
        sum(outcome.queued.values()),
    )
    return outcome

"""Route hot leads to reps: account owner first, rules, fair round robin; SLA clocks start."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from leadflow.core.clock import as_utc
from leadflow.routing.policy import RoutingPolicy
from leadflow.core.db import pipeline_lock, session_scope
from leadflow.core.decisions import record
from leadflow.routing.route import RouteDecision, lead_facts, route_lead
from leadflow.routing.rotation import apply_decision
from leadflow.core.summary import RouteOutcome
from leadflow.core.models import Account, Assignment, Campaign, Enrollment, Lead, Rep, RoutingLedger
from leadflow.core.runtime import current_flow_run_id, log
from leadflow.routing.policy import routing_policy
from leadflow.routing.assignments import offer_sla, open_assignment, rep_loads, store_ledger
from leadflow.routing.people import deactivated_reps
from leadflow.routing.queue_policy import UNASSIGNED
from leadflow.routing.queues import enqueue, leave_queue

ROUTABLE_STATUSES = ("new", "nurturing", "pool", "queued")


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
                Assignment.lead_id.in_(lead_ids[i : i + 500]),
                Assignment.status.in_(("rejected", "expired", "accepted", "prequalified")),
            )
            .order_by(Assignment.id)
        )
        for lead_id, rep, rule_id, status, reason in rows:
            history = found[lead_id]
            if status == "accepted":
                history.prior_owner = rep
            elif status == "expired" or reason == "wrong_match":
                history.exclude.add(rep)
                if status == "rejected":
                    history.skip_rules.add(rule_id)
            elif status == "prequalified":  # telesales passed it on: now the field's, by the rules
                history.exclude.add(rep)
                history.skip_rules.add(rule_id)
    return found


def _prior_owner(session: Session, lead_id: int) -> str | None:
    """The rep who last accepted this person: their own prior lead stays with them."""
    return session.scalar(
        select(Assignment.rep)
        .where(Assignment.lead_id == lead_id, Assignment.status == "accepted")
        .order_by(Assignment.id.desc())
        .limit(1)
    )


def _apply(
    session: Session,
    lead: Lead,
    decision: RouteDecision,
    at: datetime,
    state: tuple[dict[str, dict[str, int]], dict[str, tuple[int, int]]],
    outcome: RouteOutcome,
    policy: RoutingPolicy,
    deactivated: dict[str, str],
) -> None:
    ledgers, loads = state
    apply_decision(ledgers, loads, decision)
    if decision.ledger_after is not None and decision.team:
        store_ledger(session, decision.team, dict(decision.ledger_after))
    if decision.rep is None:
        # A queue always has an owner team and a deadline: the lead never just sits there.
        enqueue(session, lead, decision.queue or UNASSIGNED, policy, at, decision.reason)
        outcome.queued[decision.queue or UNASSIGNED] += 1
        return
    assignment = open_assignment(
        session,
        lead_id=lead.id,
        rep=decision.rep,
        team=decision.team,
        rule_id=decision.rule_id,
        at=at,
        sla=offer_sla(policy, decision.team),
    )
    leave_queue(session, lead.id, at, "routed", f"routed to {decision.rep}")
    outcome.assignment_ids.append(assignment.id)
    outcome.per_rep[decision.rep] += 1
    lead.status, lead.owner_rep, lead.updated_at = "routed", decision.rep, at
    if lead.account_id:
        account = session.get(Account, lead.account_id)
        if account and (
            not policy.active_rep(account.owner_rep) or account.owner_rep in deactivated
        ):
            # One owner per customer from now on; a departed owner's accounts are handed on.
            account.owner_rep = decision.rep


def _stop_nurture(session: Session, lead_ids: list[int]) -> None:
    """Leads with a rep leave their sequences: one statement, and no scan of the session's objects."""
    for i in range(0, len(lead_ids), 500):
        session.execute(
            update(Enrollment)
            .where(Enrollment.lead_id.in_(lead_ids[i : i + 500]), Enrollment.status == "active")
            .values(status="exited", exit_reason="routed to sales")
            .execution_options(synchronize_session=False)
        )


def route_leads(
    lead_ids: list[int], now: datetime | None = None, *, qualified_by_sales: bool = False
) -> RouteOutcome:
    """Route every hot, unsuppressed, unowned lead among ``lead_ids`` (any temperature when
    ``qualified_by_sales``: telesales qualified them, which outranks the score)."""
    at, run_id, policy = as_utc(now), current_flow_run_id(), routing_policy()
    outcome = RouteOutcome()
    with session_scope() as session:
        pipeline_lock(session)  # before reading: a lead another run just routed is not routed again
        sync_reps(session, policy)
        state = (_ledgers(session), rep_loads(session, policy, at))
        deactivated = deactivated_reps(session)
        campaigns = {c.id: c for c in session.scalars(select(Campaign))}
        wanted = [
            Lead.id.in_(lead_ids),
            Lead.suppressed.is_(False),
            Lead.status.in_(ROUTABLE_STATUSES),
        ]
        if not qualified_by_sales:
            wanted.append(Lead.temperature == "hot")
        leads = session.scalars(select(Lead).where(*wanted).order_by(Lead.id)).all()
        histories = _histories(session, [lead.id for lead in leads])
        for lead in leads:
            account = session.get(Account, lead.account_id) if lead.account_id else None
            campaign = campaigns.get(lead.first_campaign_id or 0)
            facts = lead_facts(
                lead,
                policy,
                campaign=campaign.name if campaign else None,
                channel=campaign.channel if campaign else None,
            )
            history = histories[lead.id]
            decision = route_lead(
                facts,
                policy,
                state[0],
                account.owner_rep if account else None,
                history.exclude,
                prior_owner=history.prior_owner,
                now=at,
                loads=state[1],
                unavailable=deactivated,
                skip_rules=history.skip_rules,
            )
            _apply(session, lead, decision, at, state, outcome, policy, deactivated)
            record(
                session,
                lead_id=lead.id,
                kind="route",
                rule_id=decision.rule_id,
                outcome=f"to {decision.rep or 'queue ' + str(decision.queue)}",
                reason=decision.reason,
                inputs={**decision.inputs, "trace": decision.trace},
                at=at,
                config_version=policy.config_version,
                flow_run_id=run_id,
            )
        _stop_nurture(session, [lead.id for lead in leads if lead.status == "routed"])
    log().info(
        "routed %d leads (%s); %d to queues",
        sum(outcome.per_rep.values()),
        ", ".join(f"{r}: {n}" for r, n in sorted(outcome.per_rep.items())) or "none",
        sum(outcome.queued.values()),
    )
    return outcome

"""Route hot leads to reps: account owner first, rules, fair round robin; SLA clocks start."""

from __future__ import annotations

from datetime import datetime, timedelta

from prefect import task
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from leadflow.clock import as_utc
from leadflow.config.routing import RoutingPolicy
from leadflow.db import session_scope
from leadflow.decisions import record
from leadflow.domain.route import RouteDecision, route_lead, segment_of, territory_of
from leadflow.domain.summary import RouteOutcome
from leadflow.models import Account, Assignment, Enrollment, Lead, Rep, RoutingLedger
from leadflow.settings import get_settings
from tasks._common import BATCH_TASK, current_flow_run_id, log, routing_policy

ROUTABLE_STATUSES = ("new", "nurturing", "pool")




def sync_reps(session: Session, policy: RoutingPolicy) -> None:
    """Mirror YAML reps into the database; a rep gone from the YAML stays, inactive."""
    configured = {rep.key: (team.key, rep) for team in policy.teams for rep in team.reps}
    for row in session.scalars(select(Rep)):
        if row.key not in configured:
            row.active = False
    for key, (team, rep) in configured.items():
        session.merge(Rep(key=key, name=rep.name, email=rep.email, team=team,
                          weight=rep.weight, active=rep.active))
    session.flush()


def _ledgers(session: Session) -> dict[str, dict[str, int]]:
    ledgers: dict[str, dict[str, int]] = {}
    for row in session.scalars(select(RoutingLedger)):
        ledgers.setdefault(row.team, {})[row.rep] = row.assigned
    return ledgers


def _credit(session: Session, ledgers: dict[str, dict[str, int]], team: str, rep: str, delta: int) -> None:
    row = session.get(RoutingLedger, (team, rep))
    if row is None:
        row = RoutingLedger(team=team, rep=rep, assigned=0)
        session.add(row)
    row.assigned += delta
    ledgers.setdefault(team, {})[rep] = row.assigned


def _previous_reps(session: Session, lead_id: int) -> set[str]:
    """Reps who rejected this lead as a wrong match never get it again."""
    return set(session.scalars(select(Assignment.rep).where(
        Assignment.lead_id == lead_id, Assignment.status == "rejected",
        Assignment.reason == "wrong_match")))


def _apply(session: Session, lead: Lead, decision: RouteDecision, at: datetime,
           ledgers: dict[str, dict[str, int]], outcome: RouteOutcome, policy: RoutingPolicy) -> None:
    if decision.rep is None:
        lead.status, lead.owner_rep = "unassigned", None
        outcome.queued[decision.queue or "unassigned"] += 1
        return
    sla = timedelta(hours=get_settings().rep_sla_hours)
    assignment = Assignment(lead_id=lead.id, rep=decision.rep, team=decision.team,
                            rule_id=decision.rule_id, assigned_at=at, sla_due_at=at + sla)
    session.add(assignment)
    session.flush()
    outcome.assignment_ids.append(assignment.id)
    outcome.per_rep[decision.rep] += 1
    lead.status, lead.owner_rep, lead.updated_at = "routed", decision.rep, at
    if decision.team and decision.rule_id != "account-owner":
        _credit(session, ledgers, decision.team, decision.rep, 1)
    if lead.account_id:
        account = session.get(Account, lead.account_id)
        if account and not policy.active_rep(account.owner_rep):
            # One owner per customer from now on; a departed owner's accounts are handed on.
            account.owner_rep = decision.rep
    session.execute(update(Enrollment).where(Enrollment.lead_id == lead.id, Enrollment.status == "active")
                    .values(status="exited", exit_reason="routed to sales"))


@task(name="route-leads", **BATCH_TASK)
def route_leads(lead_ids: list[int], now: datetime | None = None) -> RouteOutcome:
    """Route every hot, unsuppressed, unowned lead among ``lead_ids``."""
    at, run_id, policy = as_utc(now), current_flow_run_id(), routing_policy()
    outcome = RouteOutcome()
    with session_scope() as session:
        sync_reps(session, policy)
        ledgers = _ledgers(session)
        leads = session.scalars(select(Lead).where(
            Lead.id.in_(lead_ids), Lead.temperature == "hot", Lead.suppressed.is_(False),
            Lead.status.in_(ROUTABLE_STATUSES)).order_by(Lead.id))
        for lead in leads:
            account = session.get(Account, lead.account_id) if lead.account_id else None
            facts = {"territory": territory_of(lead.country, lead.state, policy),
                     "segment": segment_of(lead.employees, policy),
                     "product_line": lead.product_line, "temperature": lead.temperature,
                     "country": lead.country, "state": lead.state, "employees": lead.employees}
            decision = route_lead(facts, policy, ledgers, account.owner_rep if account else None,
                                  _previous_reps(session, lead.id))
            _apply(session, lead, decision, at, ledgers, outcome, policy)
            record(session, lead_id=lead.id, kind="route", rule_id=decision.rule_id,
                   outcome=f"to {decision.rep or 'queue ' + str(decision.queue)}", reason=decision.reason,
                   inputs=decision.inputs, at=at, config_version=policy.config_version, flow_run_id=run_id)
    log().info("routed %d leads (%s); %d to queues", sum(outcome.per_rep.values()),
               ", ".join(f"{r}: {n}" for r, n in sorted(outcome.per_rep.items())) or "none",
               sum(outcome.queued.values()))
    return outcome

"""After routing: reject, accept, activity, the per-team SLA sweep and rep hand-off, on a simulated clock."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from leadflow.core.db import session_scope
from leadflow.routing.handoff import deactivate
from leadflow.core.errors import HandoffError
from leadflow.core.models import Account, Assignment, Decision, Lead, Rep
from leadflow.routing.policy import routing_policy
from leadflow.routing.ownership import accept_lead, lead_activity, reject_lead
from tasks.routing import route_leads
from tasks.sla import pool_unrouted, sweep_sla

pytestmark = pytest.mark.db
T0 = datetime(
    2026, 11, 9, 15, 0, tzinfo=timezone.utc
)  # Berlin 16:00, New York 10:00: both teams at work


def hot_lead(
    email: str = "anna@firma.example.de", country: str = "DE", employees: int = 500
) -> int:
    with session_scope() as session:
        lead = Lead(
            email=email,
            domain=email.split("@")[1],
            country=country,
            employees=employees,
            industry="Software",
            temperature="hot",
            score=85,
            status="new",
            created_at=T0,
            updated_at=T0,
        )
        session.add(lead)
        session.flush()
        return lead.id


def assignments(lead_id: int) -> list[Assignment]:
    with session_scope() as session:
        return list(
            session.scalars(
                select(Assignment).where(Assignment.lead_id == lead_id).order_by(Assignment.id)
            )
        )


def lead(lead_id: int) -> Lead:
    with session_scope() as session:
        return session.get(Lead, lead_id)


def kinds(lead_id: int) -> list[str]:
    with session_scope() as session:
        return list(
            session.scalars(
                select(Decision.kind).where(Decision.lead_id == lead_id).order_by(Decision.id)
            )
        )


def sweep(at: datetime) -> tuple[list[int], list[int]]:
    """What the reclaim flow does, step by step: (leads rerouted to a new rep, leads pooled)."""
    swept = sweep_sla.fn(at)
    routed = route_leads.fn(swept.reassign, at)
    pooled = swept.pooled + pool_unrouted.fn(swept.reassign, at)
    with session_scope() as session:
        moved = sorted(
            session.scalars(
                select(Assignment.lead_id).where(Assignment.id.in_(routed.assignment_ids))
            )
        )
    return moved, pooled


def test_a_wrong_match_goes_to_another_rep_by_another_rule_and_flags_the_rule(leadflow_env):
    lead_id = hot_lead()
    route_leads.fn([lead_id], T0)
    assert reject_lead(lead_id, "wrong_match", "not my region", T0) == "reroute"
    route_leads.fn([lead_id], T0)
    first, second = assignments(lead_id)
    assert (first.rule_id, first.status) == ("emea", "rejected")
    # The emea rule placed it wrongly, so the next rule in line (the fallback team) takes it.
    assert (
        second.status == "offered"
        and second.rule_id == "fallback"
        and second.team == "inside-sales"
    )
    with session_scope() as session:
        review = session.scalar(select(Decision).where(Decision.kind == "rule_review"))
        assert review.rule_id == "emea" and "not my region" in review.reason


def test_not_ready_goes_back_to_the_pool_as_recycled(leadflow_env):
    lead_id = hot_lead()
    route_leads.fn([lead_id], T0)
    assert reject_lead(lead_id, "not_ready", "", T0) == "pool"
    got = lead(lead_id)
    assert (got.status, got.owner_rep, got.lifecycle_stage) == ("pool", None, "recycled")


def test_a_missed_sla_goes_to_the_next_rep_then_after_the_team_limit_to_the_pool(leadflow_env):
    lead_id = hot_lead()  # EMEA: no sla block, so LEADFLOW_REP_SLA_HOURS and one reassignment
    route_leads.fn([lead_id], T0)
    sla = timedelta(hours=leadflow_env.rep_sla_hours)
    assert sweep(T0 + sla - timedelta(minutes=1)) == ([], [])
    assert sweep(T0 + sla + timedelta(minutes=1)) == ([lead_id], [])
    first, second = assignments(lead_id)
    assert first.status == "expired" and second.status == "offered"
    assert second.team == first.team == "emea" and second.rep != first.rep
    assert sweep(T0 + 2 * sla + timedelta(minutes=2)) == ([], [lead_id])
    assert [a.status for a in assignments(lead_id)] == ["expired", "reclaimed"]
    got = lead(lead_id)
    assert (got.status, got.owner_rep, got.lifecycle_stage) == ("pool", None, "recycled")
    assert kinds(lead_id)[-3:] == ["sla", "stage", "pool"]


def test_team_sla_hours_come_from_the_routing_rules(leadflow_env):
    lead_id = hot_lead("bo@bigcorp.example.com", country="US", employees=5000)
    route_leads.fn([lead_id], T0)
    (offer,) = assignments(lead_id)
    assert offer.team == "na-enterprise"
    assert offer.sla_due_at - offer.assigned_at == timedelta(
        hours=routing_policy().sla_of("na-enterprise").accept_within_hours
    )


def test_an_accepted_lead_nobody_works_returns_to_the_pool_and_activity_keeps_it(leadflow_env):
    lead_id = hot_lead("bo@bigcorp.example.com", country="US", employees=5000)
    route_leads.fn([lead_id], T0)
    accept_lead(str(lead_id), T0 + timedelta(hours=1))
    days = routing_policy().sla_of("na-enterprise").activity_within_days
    assert sweep(T0 + timedelta(days=days - 1)) == ([], [])
    lead_activity(str(lead_id), "call", T0 + timedelta(days=days - 1))
    assert sweep(T0 + timedelta(days=days + 2)) == ([], [])  # the call restarted the clock
    assert sweep(T0 + timedelta(days=2 * days)) == ([], [lead_id])
    (offer,) = assignments(lead_id)
    assert offer.status == "reclaimed" and "no activity" in offer.reason
    assert lead(lead_id).status == "pool"


def test_an_accepted_lead_of_a_team_without_an_activity_limit_stays(leadflow_env):
    lead_id = hot_lead()
    route_leads.fn([lead_id], T0)
    accept_lead(str(lead_id), T0 + timedelta(hours=1))
    assert sweep(T0 + timedelta(days=60)) == ([], [])
    assert lead(lead_id).lifecycle_stage == "sql"


def test_deactivating_a_rep_hands_every_open_lead_and_account_to_the_team_and_routing_skips_them(
    leadflow_env,
):
    ids = [hot_lead(f"p{i}@firma{i}.example.de") for i in range(6)]
    route_leads.fn(ids, T0)
    with session_scope() as session:
        leaving = session.scalar(select(Assignment.rep).where(Assignment.team == "emea"))
        session.add(Account(domain="owned.example.de", owner_rep=leaving))
    held = [a.lead_id for i in ids for a in assignments(i) if a.rep == leaving]
    accept_lead(str(held[0]), T0 + timedelta(minutes=30))
    result = deactivate(leaving, "emea", T0 + timedelta(minutes=60))
    other = next(r.key for r in routing_policy().team("emea").reps if r.key != leaving)
    assert result.leads == {other: len(held)} and result.accounts == {other: 1}
    with session_scope() as session:
        assert (
            session.scalar(select(Account.owner_rep).where(Account.domain == "owned.example.de"))
            == other
        )
        assert not session.scalars(select(Lead).where(Lead.owner_rep == leaving)).all()
        assert not session.scalars(
            select(Assignment).where(
                Assignment.rep == leaving, Assignment.status.in_(("offered", "accepted"))
            )
        ).all()
        assert session.get(Rep, leaving).active is False
    moved = [a for a in assignments(held[0]) if a.rep == other]
    assert moved[0].status == "accepted"  # a sales-accepted lead stays accepted with its new rep
    newcomer = hot_lead("new@firma9.example.de")
    route_leads.fn([newcomer], T0 + timedelta(minutes=90))  # Berlin 17:30: EMEA still at work
    assert assignments(newcomer)[0].rep == other
    with pytest.raises(HandoffError):
        deactivate(other, leaving, T0 + timedelta(hours=2))

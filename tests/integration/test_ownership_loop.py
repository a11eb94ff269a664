"""After routing: reject (wrong match / not ready), accept, and reclaim under a simulated clock."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from leadflow.db import session_scope
from leadflow.models import Assignment, Decision, Lead
from tasks.ownership import accept_lead, reclaim_overdue, reject_lead
from tasks.routing import route_leads

pytestmark = pytest.mark.db
T0 = datetime(2026, 11, 9, 15, 0, tzinfo=timezone.utc)  # Berlin 16:00: the EMEA team is at work


def hot_lead(email: str = "anna@firma.example.de") -> int:
    with session_scope() as session:
        lead = Lead(email=email, domain=email.split("@")[1], country="DE", employees=500, industry="Software",
                    temperature="hot", score=85, status="new", created_at=T0, updated_at=T0)
        session.add(lead)
        session.flush()
        return lead.id


def open_assignment(lead_id: int) -> Assignment:
    with session_scope() as session:
        return session.scalar(select(Assignment).where(Assignment.lead_id == lead_id, Assignment.status == "offered"))


def test_a_wrong_match_is_routed_again_but_never_to_the_same_rep(leadflow_env):
    lead_id = hot_lead()
    route_leads.fn([lead_id], T0)
    first = open_assignment(lead_id)
    assert reject_lead(lead_id, "wrong_match", "not my region", T0) == "reroute"
    route_leads.fn([lead_id], T0)
    second = open_assignment(lead_id)
    assert second is not None and second.rep != first.rep


def test_not_ready_goes_back_to_the_pool_as_recycled(leadflow_env):
    lead_id = hot_lead()
    route_leads.fn([lead_id], T0)
    assert reject_lead(lead_id, "not_ready", "", T0) == "pool"
    with session_scope() as session:
        lead = session.get(Lead, lead_id)
        assert (lead.status, lead.owner_rep, lead.lifecycle_stage) == ("pool", None, "recycled")


def test_a_lead_nobody_followed_up_returns_to_the_pool_after_the_sla(leadflow_env):
    lead_id = hot_lead()
    route_leads.fn([lead_id], T0)
    sla = timedelta(hours=leadflow_env.rep_sla_hours)
    assert reclaim_overdue.fn(T0 + sla - timedelta(minutes=1)) == []
    assert reclaim_overdue.fn(T0 + sla + timedelta(minutes=1)) == [lead_id]
    with session_scope() as session:
        assert session.get(Lead, lead_id).status == "pool"
        kinds = list(session.scalars(select(Decision.kind).where(Decision.lead_id == lead_id).order_by(Decision.id)))
        assert kinds[-2:] == ["stage", "pool"]


def test_an_accepted_lead_is_not_reclaimed(leadflow_env):
    lead_id = hot_lead()
    route_leads.fn([lead_id], T0)
    accept_lead(str(lead_id), T0 + timedelta(hours=1))
    assert reclaim_overdue.fn(T0 + timedelta(days=30)) == []
    with session_scope() as session:
        assert session.get(Lead, lead_id).lifecycle_stage == "sql"

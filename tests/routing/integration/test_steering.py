"""Queues with deadlines, the shared pool and people's hands, on a simulated clock."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select, text

from leadflow.core.db import get_engine, session_scope
from leadflow.core.models import Account, Assignment, Campaign, Decision, Lead, QueueItem
from leadflow.core.errors import ClaimRefused, NotAllowed
from leadflow.routing.people import sync_people
from leadflow.routing.queue_policy import PoolConfig
from leadflow.routing.states import LeadState, state_counts
from leadflow.routing.steering import assign_lead, claim_lead, release_lead, set_account_owner
from leadflow.routing.policy import routing_policy
from leadflow.routing.ownership import accept_lead, reject_lead
from tasks.routing import route_leads
from tasks.sla import pool_unrouted, sweep_sla

pytestmark = pytest.mark.db
T0 = datetime(2026, 11, 9, 15, 0, tzinfo=timezone.utc)  # Berlin 16:00, New York 10:00


def hot_lead(
    email: str, country: str = "DE", employees: int = 500, campaign: str | None = None
) -> int:
    with session_scope() as session:
        campaign_id = None
        if campaign:
            row = Campaign(name=campaign, channel="partner")
            session.add(row)
            session.flush()
            campaign_id = row.id
        lead = Lead(
            email=email,
            domain=email.split("@")[1],
            country=country,
            employees=employees,
            temperature="hot",
            score=88,
            status="new",
            first_campaign_id=campaign_id,
            created_at=T0,
            updated_at=T0,
        )
        session.add(lead)
        session.flush()
        return lead.id


def status(lead_id: int) -> tuple[str, str | None]:
    with session_scope() as session:
        lead = session.get(Lead, lead_id)
        return lead.status, lead.owner_rep


def decisions(kind: str) -> list[Decision]:
    with session_scope() as session:
        return list(
            session.scalars(select(Decision).where(Decision.kind == kind).order_by(Decision.id))
        )


def reclaim(at: datetime) -> None:
    swept = sweep_sla.fn(at)
    route_leads.fn(swept.reassign, at)
    pool_unrouted.fn(swept.reassign, at)


def counts() -> dict[str, int]:
    with session_scope() as session:
        return {k: v for k, v in state_counts(session).items() if v}


def test_sla_sweeps_until_no_rep_is_left_end_in_the_pool_not_in_unassigned(leadflow_env, smtp_sink):
    """The stuck-queue scenario: inside sales never accepts; after the last reassignment no
    rep is left for the lead, and it goes to the pool (it used to stay `unassigned`)."""
    ids = [hot_lead(f"buyer{i}@nowhere{i}.example.br", country="BR") for i in range(4)]
    route_leads.fn(ids, T0)
    assert counts() == {LeadState.OWNED.value: 4}
    at = T0
    for _ in range(4):  # inside-sales: 8h SLA, two reassignments, two reps
        at += timedelta(hours=9)
        reclaim(at)
    assert {status(i)[0] for i in ids} == {"pool"}
    assert counts() == {LeadState.POOL.value: 4}


def test_a_partner_lead_waits_with_a_deadline_its_manager_is_emailed_then_it_is_pooled(
    leadflow_env, smtp_sink
):
    lead_id = hot_lead("pat@partnerco.example", country="US", employees=40, campaign="partner-q4")
    route_leads.fn([lead_id], T0)
    assert status(lead_id) == ("queued", None)
    with session_scope() as session:
        item = session.scalar(select(QueueItem).where(QueueItem.lead_id == lead_id))
        assert (item.queue, item.team, item.due_at) == (
            "partner-desk",
            "na-commercial",
            T0 + timedelta(hours=24),
        )
    reclaim(T0 + timedelta(hours=23))
    assert not list(smtp_sink.glob("*.eml"))
    reclaim(T0 + timedelta(hours=25))
    (mail,) = list(smtp_sink.glob("*.eml"))
    body = mail.read_text(encoding="utf-8")
    assert "olivia.brooks@leadflow.example" in body and f"lead {lead_id}" in body
    assert status(lead_id) == ("queued", None)  # a manager still has a day to assign it
    reclaim(T0 + timedelta(hours=49))
    assert status(lead_id) == ("pool", None)
    assert [d.outcome for d in decisions("escalate")] == [
        "overdue in partner-desk: manager emailed"
    ]


def test_a_manager_assigns_a_queued_lead_and_a_rep_of_another_team_is_refused(leadflow_env):
    lead_id = hot_lead("pat@partnerco.example", country="US", employees=40, campaign="partner-q4")
    route_leads.fn([lead_id], T0)
    with pytest.raises(NotAllowed, match="does not manage team na-commercial"):
        assign_lead(lead_id, "carla.diaz", "emma.schulz", "mine", T0)
    assert status(lead_id) == ("queued", None)
    done = assign_lead(lead_id, "carla.diaz", "olivia.brooks", "partner asked for Carla", T0)
    assert status(lead_id) == ("routed", "carla.diaz")
    refused, given = decisions("assign")
    assert (refused.actor, given.actor) == ("emma.schulz", "olivia.brooks")
    assert "refused" in refused.outcome and given.inputs["assignment_id"] == done.assignment_id


def test_a_wrongly_matched_lead_can_be_steered_by_its_manager_instead_of_rerouted(leadflow_env):
    lead_id = hot_lead("anna@firma.example.de")
    route_leads.fn([lead_id], T0)
    assert reject_lead(lead_id, "wrong_match", "not my region", T0) == "reroute"
    assign_lead(lead_id, "felix.martin", "hans.weber", "人工干涉: Felix covers this account", T0)
    assert status(lead_id) == ("routed", "felix.martin")


def pooled_leads(n: int) -> list[int]:
    ids = [hot_lead(f"p{i}@firma{i}.example.de") for i in range(n)]
    route_leads.fn(ids, T0)
    for lead_id in ids:
        reject_lead(lead_id, "not_ready", "", T0)
    return ids


def test_claims_follow_the_pool_limits_and_each_refusal_is_recorded(leadflow_env, monkeypatch):
    ids = pooled_leads(4)
    base = routing_policy()
    assert base.pool.claim.cool_off_days > 0
    policy = base.model_copy(
        update={"pool": PoolConfig(claim=base.pool.claim.model_copy(update={"max_per_day": 2}))}
    )
    monkeypatch.setattr("leadflow.routing.steering._policy", lambda: policy)
    with session_scope() as session:
        rejected_by = {a.lead_id: a.rep for a in session.scalars(select(Assignment))}
    other = {"emma.schulz": "felix.martin", "felix.martin": "emma.schulz"}
    with pytest.raises(ClaimRefused, match="cool-off"):
        claim_lead(ids[0], rejected_by[ids[0]], "try again", T0 + timedelta(days=1))
    claim_lead(ids[0], other[rejected_by[ids[0]]], "knows the buyer", T0 + timedelta(days=1))
    claimer = "ivy.nguyen"
    claim_lead(ids[1], claimer, "call today", T0 + timedelta(days=1))
    claim_lead(ids[2], claimer, "call today", T0 + timedelta(days=1))
    with pytest.raises(ClaimRefused, match="max_per_day"):
        claim_lead(ids[3], claimer, "one more", T0 + timedelta(days=1))
    with pytest.raises(ClaimRefused, match="claimed by"):
        claim_lead(ids[1], "jack.wilson", "mine too", T0 + timedelta(days=1))
    with pytest.raises(ClaimRefused, match="needs a reason"):
        claim_lead(ids[3], "jack.wilson", " ", T0 + timedelta(days=1))
    assert status(ids[1]) == ("accepted", claimer)
    refusals = [d for d in decisions("claim") if "refused" in d.outcome]
    assert len(refusals) == 3 and all(d.actor for d in refusals)


def test_a_released_lead_returns_to_the_pool_and_its_rep_waits_out_the_cool_off(leadflow_env):
    (lead_id,) = pooled_leads(1)
    claim_lead(lead_id, "ivy.nguyen", "call today", T0 + timedelta(days=30))
    with pytest.raises(NotAllowed, match="not jack.wilson's to release"):
        release_lead(lead_id, "jack.wilson", "", T0 + timedelta(days=31))
    release_lead(lead_id, "ivy.nguyen", "wrong contact", T0 + timedelta(days=31))
    assert status(lead_id) == ("pool", None)
    with pytest.raises(ClaimRefused, match="cool-off"):
        claim_lead(lead_id, "ivy.nguyen", "second thoughts", T0 + timedelta(days=32))
    claim_lead(lead_id, "ivy.nguyen", "they called back", T0 + timedelta(days=46))
    assert status(lead_id) == ("accepted", "ivy.nguyen")


def test_a_forbidden_owner_change_is_refused_recorded_and_changes_nothing(leadflow_env):
    with session_scope() as session:
        session.add(Account(domain="bigcorp.example.com", name="BigCorp", owner_rep="alice.morgan"))
    with pytest.raises(NotAllowed, match="only a manager of team na-enterprise"):
        set_account_owner("bigcorp.example.com", "ben.carter", "hans.weber", "", T0)
    with pytest.raises(NotAllowed):
        set_account_owner("bigcorp.example.com", "ben.carter", "ben.carter", "", T0)
    with session_scope() as session:
        assert session.scalar(select(Account.owner_rep)) == "alice.morgan"
    set_account_owner(
        "bigcorp.example.com", "ben.carter", "olivia.brooks", "Alice moves to EMEA deals", T0
    )
    with session_scope() as session:
        assert session.scalar(select(Account.owner_rep)) == "ben.carter"
    first, second, allowed = decisions("owner")
    assert (first.actor, second.actor, allowed.actor) == (
        "hans.weber",
        "ben.carter",
        "olivia.brooks",
    )
    assert "refused" in first.outcome and allowed.outcome.endswith(
        "from alice.morgan to ben.carter"
    )


def _waiting_for_lock(backend_pid: int) -> bool:
    with get_engine().connect() as conn:
        return (
            conn.execute(
                text("SELECT wait_event_type = 'Lock' FROM pg_stat_activity WHERE pid = :p"),
                {"p": backend_pid},
            ).scalar()
            is True
        )


def test_two_reps_claiming_one_lead_at_once_one_wins_the_other_is_told(leadflow_env):
    if get_engine().dialect.name != "postgresql":
        pytest.skip(
            "row locks between two open transactions: PostgreSQL (SQLite serialises writers)"
        )
    from leadflow.routing.pool import claim as claim_in_session

    (lead_id,) = pooled_leads(1)
    policy = routing_policy()
    outcome: dict[str, object] = {}
    with session_scope() as first:
        sync_people(first, policy)
    with session_scope() as first:
        won = claim_in_session(
            first, policy, lead_id, "ivy.nguyen", "first", T0 + timedelta(days=30)
        )
        assert not isinstance(won, str)  # ivy's UPDATE holds the row lock, not yet committed
        pids: list[int] = []

        def second() -> None:
            with session_scope() as session:
                pids.append(session.execute(text("SELECT pg_backend_pid()")).scalar())
                outcome["jack"] = claim_in_session(
                    session, policy, lead_id, "jack.wilson", "second", T0 + timedelta(days=30)
                )

        thread = threading.Thread(target=second)
        thread.start()
        while not (pids and _waiting_for_lock(pids[0])):  # jack's UPDATE is blocked on ivy's row
            thread.join(0.01)
    thread.join()
    assert outcome["jack"] == f"lead {lead_id} was claimed by ivy.nguyen first (it is accepted)"
    assert status(lead_id) == ("accepted", "ivy.nguyen")


def test_targets_count_leads_accepted_and_effective_per_team_rep_and_territory(leadflow_env):
    from leadflow.routing.targets import target_rows

    ids = [hot_lead(f"t{i}@firma{i}.example.de") for i in range(3)]
    route_leads.fn(ids, T0)
    accept_lead(str(ids[0]), T0 + timedelta(hours=1))
    accept_lead(str(ids[1]), T0 + timedelta(hours=1))
    assert reject_lead(ids[2], "not_ready", "", T0 + timedelta(hours=2)) == "pool"
    rows = {r["key"]: r for r in target_rows(T0 - timedelta(days=15), T0 + timedelta(days=15))}
    emea = rows["emea"]
    assert (emea["leads"], emea["accepted"], emea["effective"]) == (3, 2, 2)
    assert (emea["leads_target"], emea["effective_target"]) == (60, 30)  # a 30-day window
    assert rows["north_america"]["leads"] == 0 and rows["li.ming"]["accepted_target"] is None

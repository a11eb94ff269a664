"""Steering over real HTTP: two reps claim one pooled lead at once, a manager of another team
cannot assign, a rep cannot move an account's owner (403, nothing changes, refusal recorded)."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import select

from leadflow.core.db import session_scope
from leadflow.core.models import Account, Assignment, Decision, Lead
from tests.web.conftest import add_lead
from tests.web.integration.test_signin_http import csrf_of, signed_in

pytestmark = pytest.mark.db


def test_two_reps_claim_one_lead_at_once_and_one_wins(web, recorder):
    lead_id = add_lead("pooled@buyer.example", status="pool")
    reps = {key: signed_in(web, recorder, key) for key in ("emma.schulz", "felix.martin")}
    tokens = {key: csrf_of(http, f"{web}/pool") for key, http in reps.items()}
    answers: dict[str, int] = {}
    start = threading.Barrier(2)

    def claim(key: str) -> None:
        start.wait()
        answer = reps[key].post(
            f"{web}/pool/{lead_id}",
            data={"csrf": tokens[key], "reason": "call today"},
            timeout=30,
            allow_redirects=False,
        )
        answers[key] = answer.status_code

    threads = [threading.Thread(target=claim, args=(key,)) for key in reps]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(answers.values()) == [303, 409]
    winner = next(key for key, code in answers.items() if code == 303)
    with session_scope() as session:
        assert session.get(Lead, lead_id).owner_rep == winner
        held = session.scalars(select(Assignment).where(Assignment.lead_id == lead_id)).all()
        assert [a.rep for a in held] == [winner]
        outcomes = sorted(
            d.outcome for d in session.scalars(select(Decision).where(Decision.kind == "claim"))
        )
    loser = next(key for key in reps if key != winner)
    assert outcomes == [f"claim by {loser} refused", f"claimed by {winner}"]


def test_a_manager_of_another_team_cannot_assign_from_a_queue(web, recorder):
    with session_scope() as session:
        lead = session.get(Lead, add_lead("queued@buyer.example", status="queued"))
        from leadflow.routing.policy_cache import current_routing_policy
        from leadflow.routing.queues import enqueue
        from tests.web.conftest import T0

        enqueue(session, lead, "partner-desk", current_routing_policy(), T0, "test: a partner lead")
        lead_id = lead.id
    hans = signed_in(web, recorder, "hans.weber")  # manages emea, not na-commercial
    answer = hans.post(
        f"{web}/queues/assign",
        data={"csrf": csrf_of(hans, f"{web}/queues"), "lead": lead_id, "rep": "carla.diaz"},
        timeout=30,
    )
    assert answer.status_code == 403 and "does not manage team na-commercial" in answer.text
    with session_scope() as session:
        assert session.get(Lead, lead_id).status == "queued"
        assert session.scalars(select(Assignment)).all() == []


def test_a_rep_cannot_change_an_accounts_owner(web, recorder):
    with session_scope() as session:
        session.add(
            Account(domain="firma.example.de", name="Firma", owner_rep="felix.martin", country="DE")
        )
    emma = signed_in(web, recorder, "emma.schulz")
    answer = emma.post(
        f"{web}/accounts/owner",
        data={
            "csrf": csrf_of(emma, f"{web}/pool"),
            "account": "firma.example.de",
            "rep": "emma.schulz",
        },
        timeout=30,
    )
    assert answer.status_code == 403 and "Nothing was changed" in answer.text
    with session_scope() as session:
        assert (
            session.scalar(select(Account.owner_rep).where(Account.domain == "firma.example.de"))
            == "felix.martin"
        )
        (refusal,) = session.scalars(select(Decision).where(Decision.kind == "owner")).all()
        assert (
            refusal.actor == "emma.schulz"
            and refusal.outcome == "owner change to emma.schulz refused"
        )

"""Steering in a real browser: a rep claims from the pool, a manager assigns from a queue, a rep
trying to move someone else's account gets 403 and nothing changes."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from leadflow.core.db import session_scope
from leadflow.core.models import Account, Assignment, Campaign, Decision, Lead
from tests.web.browser.test_workspace_browser import PHONE, sign_in
from tests.web.conftest import add_lead, route

pytestmark = pytest.mark.db


def test_a_rep_claims_from_the_pool(browser, web, recorder, shots):
    add_lead("old@buyer.example", company="Buyer Ltd", status="pool", score=70)
    add_lead("older@other.example", company="Other GmbH", status="pool", score=55)
    context = browser.new_context(viewport={"width": 1100, "height": 800})
    page = context.new_page()
    sign_in(page, web, recorder, "emma.schulz", "/pool")
    assert "You may claim 10 more today" in page.get_by_role("status").inner_text()
    page.screenshot(path=str(shots / "pool.png"), full_page=True)
    card = page.locator("li.card", has_text="Buyer Ltd")
    card.get_by_label("What you will do with it").fill("call this afternoon")
    card.get_by_role("button", name="Claim Buyer Ltd").click()
    assert page.get_by_role("status").inner_text() == "Claimed from the pool: the lead is yours."
    assert "Buyer Ltd" in page.locator("li.card").first.inner_text()
    page.goto(f"{web}/pool")
    assert "9 more today" in page.get_by_role("status").inner_text()
    assert page.locator("li.card", has_text="Buyer Ltd").count() == 0
    context.close()


def test_a_manager_assigns_from_a_queue(browser, web, recorder, shots):
    with session_scope() as session:
        partners = Campaign(name="Partner referrals", channel="partner")
        session.add(partners)
        session.flush()
        campaign_id = partners.id
    lead_id = add_lead(
        "referred@partner.example",
        company="Referred Inc",
        country="US",
        first_campaign_id=campaign_id,
    )
    route_result = route_queue(lead_id)
    assert route_result == "queued"
    context = browser.new_context(**PHONE)
    page = context.new_page()
    sign_in(page, web, recorder, "olivia.brooks", "/queues")
    page.screenshot(path=str(shots / "manager-queues-phone.png"), full_page=True)
    card = page.locator("li.card", has_text="Referred Inc")
    card.get_by_label("Give to").select_option(label="Dan Okafor")
    card.get_by_role("button", name="Assign Referred Inc").click()
    assert page.get_by_role("status").inner_text().startswith("Assigned")
    with session_scope() as session:
        (offer,) = session.scalars(select(Assignment).where(Assignment.lead_id == lead_id)).all()
        assert (offer.rep, offer.status) == ("dan.okafor", "offered")
        (assign,) = session.scalars(select(Decision).where(Decision.kind == "assign")).all()
        assert assign.actor == "olivia.brooks"
    context.close()


def route_queue(lead_id: int) -> str:
    from tasks.routing import route_leads

    from tests.web.conftest import T0

    route_leads.fn([lead_id], T0)
    with session_scope() as session:
        return session.get(Lead, lead_id).status


def test_a_rep_changing_someone_elses_account_gets_403(browser, web, recorder):
    with session_scope() as session:
        account = Account(
            domain="firma.example.de", name="Firma", owner_rep="felix.martin", country="DE"
        )
        session.add(account)
        session.flush()
        account_id = account.id
    offer = route(
        add_lead("anna@firma.example.de", full_name="Anna Schmidt", account_id=account_id)
    )
    assert offer.rep == "felix.martin"  # the account's owner gets its lead
    context = browser.new_context()
    page = context.new_page()
    sign_in(page, web, recorder, "felix.martin", f"/leads/{offer.lead_id}")
    page.get_by_label("New owner (rep key)").fill("emma.schulz")
    with page.expect_response(f"{web}/accounts/owner") as answer:
        page.get_by_role("button", name="Change owner").click()
    assert answer.value.status == 403
    assert page.get_by_role("heading", level=1).inner_text() == "Not yours"
    with session_scope() as session:
        assert session.scalar(select(Account.owner_rep)) == "felix.martin"
    context.close()

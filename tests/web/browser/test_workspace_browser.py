"""The workspace in a real browser (Debian's chromium via Playwright): sign in by link, accept
from the inbox, read a lead's timeline, and the same pages on a phone-sized screen."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from leadflow.core.db import session_scope
from leadflow.core.models import Assignment, Decision, EngagementEvent
from leadflow.pipeline.notify import notify_reps
from leadflow.scoring.rescore import score_leads
from tests.web.conftest import T0, add_lead, due_in, rep_email, route, sign_in_link, wait_for

pytestmark = pytest.mark.db
PHONE = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
}
HOSTILE_NAME = '<script>alert("x")</script> Anna'
HOSTILE_COMPANY = "<img src=x onerror=alert(1)> Firma & Söhne"


def clicked(offer: Assignment, at: datetime, url: str) -> None:
    with session_scope() as session:
        session.add(
            EngagementEvent(
                provider="tracking",
                provider_event_id=f"click-{offer.id}",
                type="click",
                lead_id=offer.lead_id,
                url=url,
                occurred_at=at,
            )
        )


def sign_in(page, web: str, recorder, key: str, start: str = "/inbox") -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{web}{start}")
    assert page.url.startswith(f"{web}/signin")  # signed out: sent to sign in, keeping where to go
    page.get_by_label("Work email").fill(rep_email(key))
    page.get_by_role("button", name="Email me a sign-in link").click()
    page.get_by_role("status").wait_for()
    link = wait_for(lambda: sign_in_link(recorder, rep_email(key)))
    page.goto(link)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{web}{start}")


def test_sign_in_by_link_lands_where_the_rep_was_going(browser, web, recorder, shots):
    context = browser.new_context()
    page = context.new_page()
    sign_in(page, web, recorder, "mia.marketing", "/marketing")
    assert page.get_by_role("heading", level=1).inner_text().startswith("Campaigns")
    page.screenshot(path=str(shots / "marketing.png"), full_page=True)
    page.get_by_role("link", name="Pool").click()
    assert page.get_by_role("heading", level=1).inner_text() == "The shared pool"
    page.get_by_role("button", name="Sign out Mia Park").click()
    page.goto(f"{web}/inbox")
    assert "/signin" in page.url
    context.close()


def test_a_rep_accepts_from_the_inbox(browser, web, recorder, shots):
    offer = route(add_lead("anna@firma.example.de", full_name="Anna Schmidt", company="Firma GmbH"))
    late = route(add_lead("ben@werk.example.de", full_name="Ben Late", company="Werk AG"))
    due_in(offer, 5.5)
    due_in(late, -30, rep=offer.rep)  # an older offer to the same rep, a day and more late
    context = browser.new_context(viewport={"width": 1100, "height": 800})
    page = context.new_page()
    sign_in(page, web, recorder, offer.rep)
    card = page.locator("li.card", has_text="Anna Schmidt")
    assert "score 85" in card.inner_text() and "grade A" in card.inner_text()
    why = card.locator(".why").inner_text()
    assert why.startswith("Why you:") and "go to" in why  # the rule in words, not its id alone
    clock = card.locator(".clock").inner_text()
    assert clock.startswith("due in 5 h 2") and clock.endswith("CET"), (
        clock
    )  # the rep's zone: Berlin
    first = page.locator("li.card").first  # the late one is marked and comes first
    assert first.get_attribute("class") == "card overdue" and "Ben Late" in first.inner_text()
    assert first.locator(".clock").inner_text().startswith("overdue by 30 h")
    page.screenshot(path=str(shots / "inbox.png"), full_page=True)
    card.get_by_role("button", name="Accept Anna Schmidt").click()
    assert page.get_by_role("status").inner_text() == "Accepted: the lead is yours."
    with session_scope() as session:
        assert session.get(Assignment, offer.id).status == "accepted"
        (accept,) = session.scalars(select(Decision).where(Decision.kind == "accept")).all()
        assert accept.inputs["via"] == "web"
    page.get_by_label("Log a follow-up (call, meeting, reply)").fill("first call, demo booked")
    page.get_by_role("button", name="Log it").click()
    assert page.get_by_role("status").inner_text() == "Follow-up logged."
    context.close()


def test_the_lead_timeline_in_words_with_raw_json_and_every_field_escaped(
    browser, web, recorder, shots
):
    offer = route(
        add_lead("anna@firma.example.de", full_name=HOSTILE_NAME, company=HOSTILE_COMPANY)
    )
    score_leads([offer.lead_id], T0 + timedelta(minutes=1))
    notify_reps([offer.id], T0 + timedelta(minutes=2))
    clicked(offer, T0 + timedelta(hours=1), "https://leadflow.example/pricing?<b>")
    context = browser.new_context(viewport={"width": 1100, "height": 900})
    page = context.new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    sign_in(page, web, recorder, offer.rep)
    page.locator("li.card h2 a").first.click()
    page.wait_for_url(f"{web}/leads/{offer.lead_id}")
    assert page.get_by_role("heading", level=1).inner_text() == HOSTILE_NAME
    assert HOSTILE_COMPANY in page.locator(".company").inner_text()
    titles = page.locator("li.entry .what").all_inner_texts()
    assert titles[0].startswith("Routed to ") and titles[1].startswith("Scored: score ")
    assert any(t.startswith("Email sent rep notification to ") for t in titles)
    assert titles[-1] == "Clicked https://leadflow.example/pricing?<b>"
    assert "points:" in page.locator("li.entry.kind-score .details").inner_text()
    route_entry = page.locator("li.entry.kind-route")
    assert route_entry.locator(".what").inner_text().startswith("Routed to ")
    details = route_entry.locator(".details").inner_text()
    assert "taken: rule" in details and "not taken: rule" in details
    raw = route_entry.locator("details.raw pre")
    assert not raw.is_visible()
    route_entry.get_by_text("Raw JSON").click()
    assert raw.is_visible() and '"config_version"' in raw.inner_text()
    page.screenshot(path=str(shots / "lead-timeline.png"), full_page=True)
    assert dialogs == [] and page.locator("img[src=x]").count() == 0
    context.close()


def test_phone_sized_inbox_fits_and_works_by_keyboard(browser, web, recorder, shots):
    offer = route(add_lead("anna@firma.example.de", full_name="Anna Schmidt", company="Firma GmbH"))
    context = browser.new_context(**PHONE)
    page = context.new_page()
    sign_in(page, web, recorder, offer.rep)
    page.screenshot(path=str(shots / "inbox-phone.png"), full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    accept = page.get_by_role("button", name="Accept Anna Schmidt")
    box = accept.bounding_box()
    assert (
        box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390 and box["height"] >= 44
    )
    page.keyboard.press("Tab")  # the first stop skips to the content
    assert page.evaluate("document.activeElement.textContent") == "Skip to content"
    accept.focus()
    page.keyboard.press("Enter")
    assert page.get_by_role("status").inner_text() == "Accepted: the lead is yours."
    page.locator("li.card h2 a").first.click()
    # The click returns before the lead's page has loaded: measured before it, the document
    # may have no root element yet (a CI run failed on that).
    page.wait_for_url(f"{web}/leads/{offer.lead_id}")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.screenshot(path=str(shots / "lead-phone.png"), full_page=True)
    context.close()

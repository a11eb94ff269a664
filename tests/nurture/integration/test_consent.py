"""Consent before nurture: per-country defaults, recorded grants with evidence, withdrawal,
no tracking without consent to it, and the preference centre over real HTTP."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from urllib.parse import urlparse

import pytest
import requests
from sqlalchemy import func, select

from leadflow.core.db import session_scope
from leadflow.engagement.tokens import make_token
from leadflow.app.local_services import WebServer
from leadflow.core.models import (
    Campaign,
    ConsentRecord,
    Enrollment,
    SourceRecord,
    Subscription,
    TrackedLink,
)
from leadflow.nurture.consent import LawfulBasis, Purpose
from leadflow.nurture.consent_store import record_consent
from tests.nurture.integration.nurture_support import (
    add_lead,
    decisions,
    enroll,
    enrollment,
    outbox,
    tick,
)
from tests.nurture.integration.test_nurture_send import text_and_html

pytestmark = pytest.mark.db
TUESDAY_10_SHANGHAI = datetime(2026, 11, 10, 2, tzinfo=UTC)
TUESDAY_10_NY = datetime(2026, 11, 10, 15, tzinfo=UTC)
GUIDE = "https://leadflow.example/guides/routing?utm_source=nurture&utm_content=step1"


def grant(
    lead_id: int, purpose: Purpose, granted: bool = True, at: datetime = TUESDAY_10_SHANGHAI
) -> None:
    with session_scope() as session:
        record_consent(
            session,
            lead_id=lead_id,
            purpose=purpose,
            granted=granted,
            basis=LawfulBasis.CONSENT,
            source="form:contact-us",
            evidence={"form": "contact-us", "ip": "198.51.100.7"},
            at=at,
        )


def count(model: type) -> int:
    with session_scope() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def test_a_chinese_lead_is_nurtured_only_after_consent_and_never_tracked_without_it(
    recorder, leadflow_env
):
    lead = add_lead("li.ping@example.cn", TUESDAY_10_SHANGHAI, "CN", "SH", full_name="李平")
    assert enroll([lead], TUESDAY_10_SHANGHAI) == 0
    assert enroll([lead], TUESDAY_10_SHANGHAI) == 0  # the same input twice: one decision, not two
    held = decisions("not-enrolled", lead)
    assert len(held) == 1 and held[0].outcome == "not enrolled in nurture-core: no_consent"
    assert held[0].reason == "china default opt_in"

    grant(lead, Purpose.MARKETING_EMAIL)
    assert enroll([lead], TUESDAY_10_SHANGHAI) == 1
    assert tick(recorder, TUESDAY_10_SHANGHAI).sent == 1
    text, html = text_and_html(recorder.to("li.ping@example.cn")[0].message)
    # Consent to email is not consent to tracking (China: opt-in): no pixel, links as written.
    assert "/o/" not in html and "display:none" not in html and GUIDE.replace("&", "&amp;") in html
    assert GUIDE in text and "/c/" not in text and count(TrackedLink) == 0
    record = decisions("consent", lead)[0]
    assert record.inputs["evidence"] == {"form": "contact-us", "ip": "198.51.100.7"}


def test_a_us_lead_is_nurtured_and_tracked_by_default_and_a_tracking_grant_turns_it_on(
    recorder, leadflow_env
):
    us = add_lead("ada@example.org", TUESDAY_10_NY, "US", "NY")
    de = add_lead("anna@example.de", TUESDAY_10_NY, "DE", None)
    grant(de, Purpose.MARKETING_EMAIL)
    grant(de, Purpose.TRACKING)
    assert enroll([us, de], TUESDAY_10_NY) == 2
    assert tick(recorder, TUESDAY_10_NY).sent == 2
    for address in ("ada@example.org", "anna@example.de"):
        html = text_and_html(recorder.to(address)[0].message)[1]
        assert "/o/" in html and GUIDE.replace("&", "&amp;") not in html
    assert count(TrackedLink) == 2


def test_a_withdrawal_after_enrollment_stops_the_next_step_with_a_decision(recorder, leadflow_env):
    lead = add_lead("ada@example.org", TUESDAY_10_NY, "US", "NY")
    enroll([lead], TUESDAY_10_NY)
    assert tick(recorder, TUESDAY_10_NY).sent == 1
    grant(lead, Purpose.MARKETING_EMAIL, granted=False, at=TUESDAY_10_NY + timedelta(days=1))
    assert tick(recorder, TUESDAY_10_NY + timedelta(days=7)).sent == 0
    assert enrollment(lead).exit_reason == "consent_withdrawn"
    assert [d.rule_id for d in decisions("exit", lead)] == ["exit:consent_withdrawn"]
    assert len(recorder.messages) == 1


def test_a_campaign_that_asked_for_consent_records_each_leads_row_as_evidence(
    recorder, leadflow_env
):
    lead = add_lead("guo@example.cn", TUESDAY_10_SHANGHAI, "CN", "GD", full_name="郭秀英")
    with session_scope() as session:
        campaign = Campaign(
            name="tradeshow-shanghai-2026-11", channel="trade_show", created_at=TUESDAY_10_SHANGHAI
        )
        session.add(campaign)
        session.flush()
        session.add(
            SourceRecord(
                campaign_id=campaign.id,
                source_name="tradeshow_shanghai_2026-11.csv",
                source_hash="h",
                line_no=3,
                payload={"邮箱": "guo@example.cn"},
                payload_hash="p",
                status="created",
                lead_id=lead,
            )
        )
    assert enroll([lead], TUESDAY_10_SHANGHAI) == 1
    assert enroll([lead], TUESDAY_10_SHANGHAI) == 0  # already enrolled; no second record either
    with session_scope() as session:
        records = session.scalars(select(ConsentRecord)).all()
        assert len(records) == 1 and records[0].source == "campaign:tradeshow-shanghai-2026-11"
        assert (
            records[0].evidence["file"] == "tradeshow_shanghai_2026-11.csv"
            and records[0].evidence["line"] == 3
        )
        assert records[0].purpose == "marketing_email" and records[0].lawful_basis == "consent"


@pytest.fixture
def web(leadflow_env):  # type: ignore[no-untyped-def]
    base = urlparse(leadflow_env.public_base_url)
    with WebServer(base.hostname, base.port):
        yield leadflow_env.public_base_url


def test_the_preference_centre_shows_topics_and_a_post_turns_one_off(recorder, web, leadflow_env):
    lead = add_lead("ada@example.org", TUESDAY_10_NY, "US", "NY")
    enroll([lead], TUESDAY_10_NY)
    tick(recorder, TUESDAY_10_NY)
    url = (
        f"{web}/u/{make_token(leadflow_env.secret_key.get_secret_value(), 'u', outbox(lead)[0].id)}"
    )
    page = requests.get(url, timeout=10)
    assert page.status_code == 200 and "Email preferences" in page.text
    assert re.search(r'value="nurture-core" checked> Core nurture', page.text)
    assert (
        'value="not-ready-recycle" checked>' in page.text and count(Subscription) == 0
    )  # GET changes nothing

    answer = requests.post(
        url, data={"preferences": "1", "topic": ["not-ready-recycle"]}, timeout=10
    )
    assert answer.status_code == 200 and "Saved." in answer.text
    assert 'value="nurture-core">' in answer.text  # unticked now
    with session_scope() as session:
        assert {(s.topic, s.subscribed) for s in session.scalars(select(Subscription))} == {
            ("nurture-core", False)
        }
        assert session.scalar(select(Enrollment.exit_reason)) == "topic_unsubscribed"
    assert [d.outcome for d in decisions("preferences", lead)] == ["nurture-core off"]
    requests.post(url, data={"preferences": "1", "topic": ["not-ready-recycle"]}, timeout=10)
    assert len(decisions("preferences", lead)) == 1  # the same choice again records nothing
    assert tick(recorder, TUESDAY_10_NY + timedelta(days=7)).sent == 0

    # One-click (RFC 8058) still unsubscribes from everything.
    assert requests.post(url, data={"List-Unsubscribe": "One-Click"}, timeout=10).status_code == 200
    assert len(decisions("suppress", lead)) == 1
    with session_scope() as session:  # and it is on record as a withdrawal, with its evidence
        withdrawal = session.scalars(select(ConsentRecord)).one()
        assert (withdrawal.granted, withdrawal.source) == (False, "list-unsubscribe")
        assert withdrawal.evidence == {"outbox_id": outbox(lead)[0].id}

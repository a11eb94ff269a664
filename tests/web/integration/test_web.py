"""Tracking endpoints over real HTTP (uvicorn): click, open pixel, one-click unsubscribe."""

from __future__ import annotations

from datetime import datetime, timezone
from urllib.parse import urlparse

import pytest
import requests
from sqlalchemy import func, select

from leadflow.core.db import session_scope
from leadflow.engagement.tokens import make_token
from leadflow.app.local_services import WebServer
from leadflow.core.models import (
    EngagementEvent,
    Enrollment,
    Lead,
    OutboundEmail,
    Suppression,
    TrackedLink,
)
from leadflow.web.event_writer import wait_until_written
from leadflow.nurture.outbox import queue_email

pytestmark = pytest.mark.db
NOW = datetime(2026, 11, 9, 10, 0, tzinfo=timezone.utc)
TARGET = "https://leadflow.example/pricing?utm_source=nurture"


@pytest.fixture
def web(leadflow_env):  # type: ignore[no-untyped-def]
    base = urlparse(leadflow_env.public_base_url)
    with WebServer(base.hostname, base.port):
        yield leadflow_env.public_base_url


@pytest.fixture
def sent_email(leadflow_env) -> int:  # type: ignore[no-untyped-def]
    with session_scope() as session:
        lead = Lead(
            email="ada@example.org",
            domain="example.org",
            status="nurturing",
            created_at=NOW,
            updated_at=NOW,
        )
        session.add(lead)
        session.flush()
        enrollment = Enrollment(
            lead_id=lead.id, sequence="nurture-core", next_step=1, next_due_at=NOW, enrolled_at=NOW
        )
        session.add(enrollment)
        session.flush()
        outbox_id = queue_email(
            session,
            dedupe_key="nurture:x:0",
            kind="nurture",
            lead_id=lead.id,
            to_addr=lead.email,
            at=NOW,
            enrollment_id=enrollment.id,
            step=0,
        )
        session.add(TrackedLink(outbound_email_id=outbox_id, position=0, url=TARGET))
    return outbox_id  # type: ignore[return-value]


def events() -> int:
    with session_scope() as session:
        return session.scalar(select(func.count()).select_from(EngagementEvent)) or 0


def token(settings, kind: str, outbox_id: int, position: int = 0) -> str:  # type: ignore[no-untyped-def]
    return make_token(settings.secret_key.get_secret_value(), kind, outbox_id, position)


def test_a_click_redirects_to_the_stored_url_and_is_recorded(web, sent_email, leadflow_env):
    answer = requests.get(
        f"{web}/c/{token(leadflow_env, 'c', sent_email)}", allow_redirects=False, timeout=10
    )
    assert answer.status_code == 302 and answer.headers["location"] == TARGET
    with session_scope() as session:
        event = session.scalar(select(EngagementEvent))
        assert (event.type, event.url, event.is_machine) == ("click", TARGET, False)


@pytest.mark.parametrize(
    "forge",
    [
        lambda t: t[:-2] + ("AA" if not t.endswith("AA") else "BB"),  # tampered signature
        lambda t: t.replace("c.", "c.9", 1),  # another email's id
        lambda t: "c.1.0",  # no signature at all
        lambda t: t.replace("c.", "o.", 1),  # another kind of token
    ],
)
def test_a_forged_click_token_gets_404_and_writes_nothing(web, sent_email, leadflow_env, forge):
    forged = forge(token(leadflow_env, "c", sent_email))
    answer = requests.get(f"{web}/c/{forged}", allow_redirects=False, timeout=10)
    assert answer.status_code == 404 and "location" not in answer.headers
    assert events() == 0


def test_a_link_position_never_stored_is_not_redirected(web, sent_email, leadflow_env):
    answer = requests.get(
        f"{web}/c/{token(leadflow_env, 'c', sent_email, position=5)}",
        allow_redirects=False,
        timeout=10,
    )
    assert answer.status_code == 404 and events() == 0


def test_the_open_pixel_is_an_uncached_gif(web, sent_email, leadflow_env):
    answer = requests.get(f"{web}/o/{token(leadflow_env, 'o', sent_email)}.gif", timeout=10)
    assert answer.status_code == 200 and answer.headers["content-type"] == "image/gif"
    assert answer.headers["cache-control"] == "no-store" and answer.content.startswith(b"GIF89a")
    wait_until_written()  # the pixel is answered before its row is committed
    assert events() == 1


def test_get_on_unsubscribe_changes_nothing_and_one_click_post_unsubscribes(
    web, sent_email, leadflow_env
):
    url = f"{web}/u/{token(leadflow_env, 'u', sent_email)}"
    page = requests.get(url, timeout=10)
    assert page.status_code == 200 and "<form" in page.text
    with session_scope() as session:
        assert not session.scalar(select(Lead)).suppressed
    answer = requests.post(url, data={"List-Unsubscribe": "One-Click"}, timeout=10)
    assert answer.status_code == 200
    with session_scope() as session:
        lead = session.scalar(select(Lead))
        assert lead.suppressed and lead.suppression_reason == "unsubscribed"
        assert session.scalar(select(Enrollment.status)) == "exited"
        assert session.get(Suppression, "ada@example.org").reason == "unsubscribed"
        assert session.scalar(select(OutboundEmail.status)) == "pending"


def test_a_forged_unsubscribe_token_gets_404(web, sent_email, leadflow_env):
    forged = token(leadflow_env, "u", sent_email)[:-3] + "xyz"
    assert (
        requests.post(
            f"{web}/u/{forged}", data={"List-Unsubscribe": "One-Click"}, timeout=10
        ).status_code
        == 404
    )
    assert requests.get(f"{web}/u/{forged}", timeout=10).status_code == 404


def test_the_cli_click_path_records_once_per_event_id(sent_email, leadflow_env):
    from leadflow.engagement.record import record_click, record_open

    click = token(leadflow_env, "c", sent_email)
    assert record_click(click, NOW, event_id="cli-1") == (
        TARGET,
        record_click(click, NOW, event_id="cli-1")[1],
    )
    assert record_click(click[:-1] + "x", NOW) is None
    assert record_open(token(leadflow_env, "o", sent_email) + ".gif", NOW)
    with session_scope() as session:
        assert sorted(session.scalars(select(EngagementEvent.type))) == ["click", "open"]


def test_a_genuine_open_token_for_an_email_we_do_not_hold_stores_nothing(
    web, sent_email, leadflow_env
):
    answer = requests.get(f"{web}/o/{token(leadflow_env, 'o', sent_email + 1)}.gif", timeout=10)
    assert answer.status_code == 200 and answer.content.startswith(b"GIF89a")
    wait_until_written()
    assert events() == 0

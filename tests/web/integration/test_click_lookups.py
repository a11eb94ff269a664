"""Clicks on many distinct emails at once, over real HTTP: each read with the misses of its
moment (leadflow.web.target_loader), each redirected to its own link; and ``lookup_many``
answers what ``lookup`` answers, key by key, on both databases."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone
from urllib.parse import urlparse

import pytest
import requests
from sqlalchemy import func, insert, select, update

from leadflow.app.local_services import WebServer
from leadflow.core.db import session_scope
from leadflow.core.models import EngagementEvent, Lead, OutboundEmail, TrackedLink
from leadflow.engagement import record
from leadflow.engagement.tokens import HONEYPOT_POSITION, make_token

pytestmark = pytest.mark.db
NOW = datetime(2026, 12, 6, 9, 0, tzinfo=timezone.utc)
EMAILS = 60


def _seed(sent: bool = True) -> list[int]:
    """EMAILS emails to EMAILS leads, each with its own link at position 0."""
    with session_scope() as session:
        session.execute(
            insert(Lead),
            [
                {"email": f"p{i}@acme.example", "created_at": NOW, "updated_at": NOW}
                for i in range(EMAILS)
            ],
        )
        leads = session.scalars(select(Lead.id).order_by(Lead.id)).all()
        session.execute(
            insert(OutboundEmail),
            [
                {
                    "dedupe_key": f"bench:{lead}",
                    "kind": "nurture",
                    "lead_id": lead,
                    "to_addr": f"p{i}@acme.example",
                    "status": "sent" if sent else "pending",
                    "sent_at": NOW if sent else None,
                    "created_at": NOW,
                }
                for i, lead in enumerate(leads)
            ],
        )
        emails = session.scalars(select(OutboundEmail.id).order_by(OutboundEmail.id)).all()
        session.execute(
            insert(TrackedLink),
            [
                {"outbound_email_id": e, "position": 0, "url": f"https://acme.example/{e}"}
                for e in emails
            ],
        )
    return list(emails)


@pytest.fixture
def web(leadflow_env):  # type: ignore[no-untyped-def]
    record.forget_cached()
    base = urlparse(leadflow_env.public_base_url)
    with WebServer(base.hostname, base.port):
        yield leadflow_env.public_base_url


def test_concurrent_clicks_on_distinct_emails_each_reach_their_own_link(web, leadflow_env):
    emails = _seed()
    secret = leadflow_env.secret_key.get_secret_value()

    def click(outbox_id: int) -> tuple[int, str]:
        answer = requests.get(
            f"{web}/c/{make_token(secret, 'c', outbox_id, 0)}", allow_redirects=False, timeout=20
        )
        return answer.status_code, answer.headers.get("location", "")

    with ThreadPoolExecutor(16) as pool:
        answers = list(pool.map(click, emails))
    assert answers == [(302, f"https://acme.example/{e}") for e in emails]
    with session_scope() as session:
        stored = session.execute(
            select(EngagementEvent.outbound_email_id, EngagementEvent.lead_id, EngagementEvent.url)
        ).all()
        owners = dict(
            session.execute(select(OutboundEmail.id, OutboundEmail.lead_id)).tuples().all()
        )
    assert sorted(stored) == sorted((e, owners[e], f"https://acme.example/{e}") for e in emails)


def test_lookup_many_answers_what_lookup_answers(leadflow_env):
    emails = _seed()
    with session_scope() as session:  # one email not sent yet: found, but never cached
        session.execute(
            update(OutboundEmail)
            .where(OutboundEmail.id == emails[1])
            .values(sent_at=None, status="pending")
        )
    missing = max(emails) + 1000
    keys: list[tuple[int, int | None]] = [
        (emails[0], 0),
        (emails[0], None),
        (emails[0], 5),  # a link never stored
        (emails[0], HONEYPOT_POSITION),
        (emails[1], 0),
        (missing, 0),
        (missing, None),
    ]
    record.forget_cached()
    one_by_one = {key: record.lookup(*key) for key in keys}
    record.forget_cached()
    together = record.lookup_many(keys)
    assert together == one_by_one
    assert together[(emails[0], 0)].url == f"https://acme.example/{emails[0]}"
    assert together[(emails[0], 5)] is None and together[(missing, None)] is None
    assert together[(emails[0], HONEYPOT_POSITION)].url is None
    assert record.cached(emails[0], 0) is not None  # sent: remembered
    assert record.cached(emails[1], 0) is None  # not sent: read again next time
    with session_scope() as session:
        assert session.scalar(select(func.count()).select_from(EngagementEvent)) == 0

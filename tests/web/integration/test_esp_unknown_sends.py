"""ESP events settle sends of unknown fate, over real HTTP on each database (the fixtures
and signatures of tests.support.esp_webhooks)."""

from __future__ import annotations

import json
import time

import pytest
import requests
from sqlalchemy import select, update

from leadflow.core.db import session_scope
from leadflow.core.models import Decision, OutboundEmail
from tests.support.esp_webhooks import esp_web, leads, sendgrid_headers

pytestmark = pytest.mark.db
__all__ = ["esp_web", "leads"]  # fixtures, used by name


def test_an_esp_event_naming_a_send_of_unknown_fate_settles_it_as_sent(esp_web, leads):  # type: ignore[no-untyped-def]
    """Its sender died waiting for the answer to DATA; the ESP's event is the evidence. An
    event that only names the address proves nothing about which message went."""
    with session_scope() as session:
        session.execute(
            update(OutboundEmail)
            .where(OutboundEmail.id.in_(list(leads.values())))
            .values(status="unknown", sent_at=None)
        )
    base = {"timestamp": int(time.time()), "event": "delivered"}
    body = json.dumps(
        [
            {
                **base,
                "email": "ada@example.org",
                "sg_event_id": "d1",
                "smtp-id": "<m0@leadflow.example>",
            },
            {
                **base,
                "email": "ada@example.org",
                "sg_event_id": "d2",
                "smtp-id": "<m0@leadflow.example>",
            },
            {**base, "email": "grace@example.com", "sg_event_id": "d3"},
        ]
    ).encode()
    answer = requests.post(
        f"{esp_web}/esp/sendgrid", data=body, headers=sendgrid_headers(body), timeout=10
    )
    assert answer.status_code == 200
    with session_scope() as session:
        status = dict(session.execute(select(OutboundEmail.to_addr, OutboundEmail.status)).all())
        settled = session.scalars(select(Decision).where(Decision.kind == "send-recovered")).all()
    assert status == {"ada@example.org": "sent", "grace@example.com": "unknown"}
    assert [(d.rule_id, d.outcome, d.inputs["event_id"]) for d in settled] == [
        ("outbox:esp-sendgrid", "sent", "d1")
    ]

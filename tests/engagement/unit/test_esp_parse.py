"""SendGrid and Mailgun payloads map onto one vocabulary; what suppresses and what does not."""

from __future__ import annotations

import json
from typing import Any

import pytest

from leadflow.engagement.esp.events import suppression_reason
from leadflow.core.errors import UnreadablePayload
from leadflow.engagement.esp.parse import mailgun_body, mailgun_event, sendgrid_events


def sendgrid(**event: Any) -> bytes:
    return json.dumps(
        [
            {
                "email": "ada@example.org",
                "timestamp": 1790000000,
                "sg_event_id": "ev-1",
                "smtp-id": "<abc@leadflow.example>",
                **event,
            }
        ]
    ).encode()


@pytest.mark.parametrize(
    ("raw", "word", "stored"),
    [
        ({"event": "processed"}, "queued", "queued"),
        (
            {"event": "deferred", "response": "450 try later", "attempt": "2"},
            "deferred",
            "deferred",
        ),
        ({"event": "delivered", "response": "250 OK"}, "delivered", "delivered"),
        ({"event": "open", "useragent": "Mozilla/5.0", "ip": "17.1.2.3"}, "opened", "open"),
        ({"event": "click", "url": "https://leadflow.example/pricing"}, "clicked", "click"),
        ({"event": "spamreport"}, "complained", "complaint"),
        ({"event": "unsubscribe"}, "unsubscribed", "unsubscribe"),
        ({"event": "group_unsubscribe", "asm_group_id": 7}, "unsubscribed", "unsubscribe"),
        ({"event": "group_resubscribe", "asm_group_id": 7}, "subscribed", "subscribed"),
        ({"event": "something_new"}, "unknown", "unknown"),
    ],
)
def test_sendgrid_events_map_onto_the_vocabulary(
    raw: dict[str, Any], word: str, stored: str
) -> None:
    [event] = sendgrid_events(sendgrid(**raw))
    assert (event.event, event.stored_type, event.detail["esp_event"]) == (
        word,
        stored,
        raw["event"],
    )
    assert (event.recipient, event.message_id, event.event_id) == (
        "ada@example.org",
        "abc@leadflow.example",
        "ev-1",
    )


@pytest.mark.parametrize(
    ("raw", "bounce", "suppress"),
    [
        ({"type": "bounce", "status": "5.1.1", "reason": "no such user"}, "hard", "hard_bounce"),
        ({"type": "blocked", "status": "5.7.1", "reason": "blocked by policy"}, "soft", None),
        ({"type": "bounce", "status": "4.2.2", "reason": "mailbox full"}, "soft", None),
    ],
)
def test_sendgrid_bounces_split_soft_and_hard(
    raw: dict[str, Any], bounce: str, suppress: str | None
) -> None:
    [event] = sendgrid_events(sendgrid(event="bounce", **raw))
    assert (event.event, event.detail["bounce"], suppression_reason(event)) == (
        "bounced",
        bounce,
        suppress,
    )


@pytest.mark.parametrize(
    ("reason", "suppress"),
    [
        ("Bounced Address", "hard_bounce"),
        ("Spam Reporting Address", "complained"),
        ("Unsubscribed Address", "unsubscribed"),
        ("Invalid", None),
    ],
)
def test_a_sendgrid_drop_suppresses_only_for_an_address_on_its_lists(
    reason: str, suppress: str | None
) -> None:
    [event] = sendgrid_events(sendgrid(event="dropped", reason=reason))
    assert (event.event, suppression_reason(event)) == ("rejected", suppress)


def test_sendgrid_custom_args_category_and_machine_open() -> None:
    [event] = sendgrid_events(
        sendgrid(event="open", send_id="42", category=["nurture", "step-1"], sg_machine_open=True)
    )
    assert (event.send_id, event.detail["category"], event.esp_says_machine) == (
        42,
        ["nurture", "step-1"],
        True,
    )
    [single] = sendgrid_events(sendgrid(event="open", category="nurture", send_id="not-a-number"))
    assert (single.send_id, single.detail["category"], single.esp_says_machine) == (
        None,
        "nurture",
        False,
    )


def test_a_sendgrid_event_without_an_id_gets_a_stable_one() -> None:
    body = json.dumps(
        [{"email": "a@b.example", "timestamp": 1790000000, "event": "delivered"}]
    ).encode()
    assert sendgrid_events(body)[0].event_id == sendgrid_events(body)[0].event_id


@pytest.mark.parametrize(
    "body",
    [
        b"{}",
        b"[1]",
        b'[{"event": "open"}]',
        b'[{"timestamp": "soon"}]',
        b"not json",
        b"\xff\xfe",
        b"[" * 100_000,
    ],
)
def test_unreadable_sendgrid_bodies_raise(body: bytes) -> None:
    with pytest.raises(UnreadablePayload):
        sendgrid_events(body)


def mailgun(**data: Any) -> dict[str, Any]:
    return {
        "id": "mg-1",
        "timestamp": 1790000000.25,
        "recipient": "ada@example.org",
        "user-variables": {"send_id": "42"},
        "message": {"headers": {"message-id": "abc@leadflow.example"}},
        **data,
    }


@pytest.mark.parametrize(
    ("raw", "word", "suppress"),
    [
        ({"event": "accepted"}, "queued", None),
        ({"event": "delivered"}, "delivered", None),
        ({"event": "opened", "client-info": {"user-agent": "Mozilla/5.0"}}, "opened", None),
        ({"event": "clicked", "url": "https://leadflow.example/"}, "clicked", None),
        ({"event": "complained"}, "complained", "complained"),
        ({"event": "unsubscribed"}, "unsubscribed", "unsubscribed"),
        (
            {
                "event": "failed",
                "severity": "permanent",
                "reason": "bounce",
                "delivery-status": {"code": 550, "message": "no such user"},
            },
            "bounced",
            "hard_bounce",
        ),
        ({"event": "failed", "severity": "temporary", "reason": "greylisted"}, "deferred", None),
    ],
)
def test_mailgun_events_map_onto_the_vocabulary(
    raw: dict[str, Any], word: str, suppress: str | None
) -> None:
    event = mailgun_event(mailgun(**raw))
    assert (event.event, suppression_reason(event)) == (word, suppress)
    assert (event.send_id, event.message_id, event.event_id) == (42, "abc@leadflow.example", "mg-1")


def test_mailgun_client_info_and_tags_are_kept() -> None:
    event = mailgun_event(
        mailgun(
            event="opened",
            ip="66.249.84.1",
            tags=["nurture"],
            **{"client-info": {"user-agent": "GoogleImageProxy"}},
        )
    )
    assert (event.user_agent, event.ip, event.detail["tags"]) == (
        "GoogleImageProxy",
        "66.249.84.1",
        ["nurture"],
    )


@pytest.mark.parametrize(
    "body", [b"[]", b"{}", b'{"signature": {}}', b'{"signature": {}, "event-data": 3}']
)
def test_unreadable_mailgun_bodies_raise(body: bytes) -> None:
    with pytest.raises(UnreadablePayload):
        mailgun_body(body)

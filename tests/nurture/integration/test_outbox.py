"""The outbox over a real SMTP server: each email at most once; 4xx waits, 5xx bounces."""

from __future__ import annotations

from datetime import datetime, timezone
from email import message_from_bytes, policy

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from leadflow.core.db import session_scope
from leadflow.core.models import Enrollment, Lead, OutboundEmail
from leadflow.nurture.outbox import queue_email
from tasks.outbox import send_outbox

pytestmark = pytest.mark.db
NOW = datetime(2026, 11, 9, 10, 0, tzinfo=timezone.utc)


class PickyHandler:
    """Refuses 'bounce*' recipients for good (550) and 'later*' for now (451)."""

    def __init__(self) -> None:
        self.messages: list = []  # type: ignore[type-arg]

    async def handle_RCPT(self, server, session, envelope, address, options):  # type: ignore[no-untyped-def]
        if address.startswith("bounce"):
            return "550 5.1.1 no such user"
        if address.startswith("later"):
            return "451 4.7.1 try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 Message accepted"


@pytest.fixture
def picky_smtp(leadflow_env):  # type: ignore[no-untyped-def]
    handler = PickyHandler()
    controller = Controller(handler, hostname="127.0.0.1", port=leadflow_env.smtp_port)
    controller.start()
    yield handler
    controller.stop()


def nurture_email(email: str) -> int:
    with session_scope() as session:
        lead = Lead(
            email=email,
            domain=email.split("@")[1],
            first_name="Ada",
            temperature="warm",
            status="nurturing",
            created_at=NOW,
            updated_at=NOW,
        )
        session.add(lead)
        session.flush()
        enrollment = Enrollment(
            lead_id=lead.id, sequence="nurture-core", next_step=1, enrolled_at=NOW
        )
        session.add(enrollment)
        session.flush()
        return queue_email(
            session,
            dedupe_key=f"nurture:{enrollment.id}:0",
            kind="nurture",
            lead_id=lead.id,
            to_addr=email,
            at=NOW,
            enrollment_id=enrollment.id,
            step=0,
        )  # type: ignore[return-value]


def status_of(outbox_id: int) -> str:
    with session_scope() as session:
        return session.get(OutboundEmail, outbox_id).status  # type: ignore[union-attr]


def test_an_email_is_sent_once_however_often_the_outbox_runs(picky_smtp):
    outbox_id = nurture_email("ada@example.org")
    first = send_outbox.fn([outbox_id], NOW)
    second = send_outbox.fn([outbox_id], NOW)
    assert (first.sent, second.sent) == (1, 0)
    assert len(picky_smtp.messages) == 1
    with session_scope() as session:
        assert (
            queue_email(
                session,
                dedupe_key="nurture:1:0",
                kind="nurture",
                lead_id=1,
                to_addr="ada@example.org",
                at=NOW,
            )
            is None
        )


def test_a_nurture_email_carries_one_click_unsubscribe_and_a_postal_address(
    picky_smtp, leadflow_env
):
    send_outbox.fn([nurture_email("ada@example.org")], NOW)
    message = picky_smtp.messages[0]
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    https_part, mailto_part = [p.strip(" <>") for p in message["List-Unsubscribe"].split(",")]
    assert https_part.startswith(f"{leadflow_env.public_base_url}/u/") and mailto_part.startswith(
        "mailto:"
    )
    text = message.get_body(preferencelist=("plain",)).get_content()
    assert https_part in text and leadflow_env.postal_address in text
    assert "Hi Ada," in text
    assert message["Message-ID"]


def test_a_5xx_answer_is_a_bounce_and_suppresses_the_lead(picky_smtp):
    outbox_id = nurture_email("bounce@example.org")
    summary = send_outbox.fn([outbox_id], NOW)
    assert summary.bounced == 1 and status_of(outbox_id) == "bounced"
    with session_scope() as session:
        lead = session.scalar(select(Lead).where(Lead.email == "bounce@example.org"))
        assert lead.suppressed and lead.suppression_reason == "hard bounce"


def test_a_4xx_answer_leaves_the_email_pending_for_the_next_run(picky_smtp):
    outbox_id = nurture_email("later@example.org")
    summary = send_outbox.fn([outbox_id], NOW)
    assert summary.deferred == 1 and status_of(outbox_id) == "pending"
    assert picky_smtp.messages == []


def test_a_claimed_email_is_never_sent_again_even_after_a_crash(picky_smtp):
    outbox_id = nurture_email("ada@example.org")
    with session_scope() as session:
        # What a crash between claim and SMTP leaves behind.
        session.get(OutboundEmail, outbox_id).status = "sending"  # type: ignore[union-attr]
    assert send_outbox.fn([outbox_id], NOW).sent == 0
    assert picky_smtp.messages == []


def test_no_smtp_server_defers_instead_of_losing_the_email(leadflow_env):
    outbox_id = nurture_email("ada@example.org")
    assert send_outbox.fn([outbox_id], NOW).deferred == 1
    assert status_of(outbox_id) == "pending"

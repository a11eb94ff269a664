"""What a nurture email looks like on arrival at a real SMTP server, and the preview that matches it."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from leadflow.cli.nurture import nurture_app
from leadflow.core.db import session_scope
from leadflow.engagement.tokens import read_token
from leadflow.core.models import Decision, OutboundEmail, TrackedLink
from tasks.nurture import queue_due_steps
from tasks.outbox import send_outbox
from tests.nurture.integration.nurture_support import (
    add_lead,
    decisions,
    enroll,
    outbox,
    tick,
)

pytestmark = pytest.mark.db
TUESDAY_10_NY = datetime(2026, 11, 10, 15, tzinfo=UTC)
GUIDE = "https://leadflow.example/guides/routing?utm_source=nurture&utm_content=step1"


def text_and_html(message) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    return tuple(
        message.get_body(preferencelist=(p,)).get_content().replace("\r\n", "\n")  # type: ignore[return-value]
        for p in ("plain", "html")
    )


def test_a_sent_step_has_every_header_both_parts_the_footer_and_signed_links(
    recorder, leadflow_env
):
    lead = add_lead("ada@example.org", TUESDAY_10_NY, "US", "NY", company="Analytical Engines")
    other = add_lead("bob@example.org", TUESDAY_10_NY, "US", "NY")
    assert enroll([lead, other], TUESDAY_10_NY) == 2
    assert tick(recorder, TUESDAY_10_NY).sent == 2
    message = recorder.to("ada@example.org")[0].message
    row = outbox(lead)[0]
    secret, base = leadflow_env.secret_key.get_secret_value(), leadflow_env.public_base_url

    assert message["Message-ID"] == row.message_id
    assert message["Message-ID"] != recorder.to("bob@example.org")[0].message["Message-ID"]
    assert message["Subject"] == "Ada, the 10-minute guide to routing leads right"
    https, mailto = [part.strip(" <>") for part in message["List-Unsubscribe"].split(",")]
    assert https.startswith(f"{base}/u/") and read_token(secret, https.rsplit("/", 1)[1], "u") == (
        row.id,
        0,
    )
    assert mailto.startswith("mailto:unsubscribe@leadflow.example")
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"

    text, html = text_and_html(message)
    assert "Hi Ada," in text and "Hi Ada," in html and "from Analytical Engines" in text
    for part in (text, html):
        assert (
            leadflow_env.postal_address in part
            and "you joined Webinar 2026" in part
            and https in part
        )
    click = re.search(rf"{re.escape(base)}/c/([\w.\-]+)", text).group(1)  # type: ignore[union-attr]
    assert read_token(secret, click, "c") == (row.id, 0) and f"{base}/c/{click}" in html
    assert (
        GUIDE not in text and "leadflow.example/guides" not in html
    )  # only the tracked link goes out
    pixel = re.search(rf'src="{re.escape(base)}/o/([\w.\-]+)\.gif"', html).group(1)  # type: ignore[union-attr]
    assert read_token(secret, pixel, "o") == (row.id, 0)
    with session_scope() as session:
        assert (
            session.scalar(select(TrackedLink.url).where(TrackedLink.outbound_email_id == row.id))
            == GUIDE
        )

    sent = [d for d in decisions("send", lead)]
    assert len(sent) == 1 and sent[0].inputs["zone"] == "America/New_York"
    assert sent[0].inputs["message_id"] == row.message_id and "sequences@v" in (
        sent[0].config_version or ""
    )
    assert "Tue 10:00 America/New_York" in sent[0].reason


def test_preview_shows_exactly_what_the_send_delivers_and_writes_nothing(recorder, leadflow_env):
    lead = add_lead("ada@example.org", TUESDAY_10_NY, "US", "NY")
    enroll([lead], TUESDAY_10_NY)
    queued = queue_due_steps.fn(TUESDAY_10_NY)

    def counts() -> tuple[int, ...]:
        with session_scope() as session:
            return tuple(
                session.scalar(select(func.count()).select_from(t))
                for t in (TrackedLink, Decision, OutboundEmail)
            )

    before = counts()
    shown = CliRunner().invoke(
        nurture_app,
        [
            "preview",
            "nurture-core",
            "1",
            "--lead",
            str(lead),
            "--raw",
            "--at",
            "2026-11-10T15:00:00",
        ],
    )
    assert shown.exit_code == 0, shown.output
    assert counts() == before and outbox(lead)[0].status == "pending"
    send_outbox.fn(queued, TUESDAY_10_NY)
    preview = __import__("email").message_from_string(
        shown.output, policy=__import__("email").policy.default
    )
    delivered = recorder.to("ada@example.org")[0].message
    assert text_and_html(preview) == text_and_html(delivered)
    for header in (
        "Subject",
        "Message-ID",
        "List-Unsubscribe",
        "List-Unsubscribe-Post",
        "To",
        "From",
    ):
        assert preview[header] == delivered[header], header

    readable = CliRunner().invoke(
        nurture_app,
        [
            "preview",
            "nurture-core",
            "2",
            "--lead",
            "ada@example.org",
            "--at",
            "2026-11-14T15:00:00",
        ],
    )
    assert readable.exit_code == 0, readable.output
    assert "How a 40-rep team" in readable.output and "plain part" in readable.output
    assert "deferred (window)" in readable.output and "Mon 2026-11-16 09:00" in readable.output


def test_preview_says_why_nothing_would_be_sent(leadflow_env):
    lead = add_lead(
        "gone@example.org", TUESDAY_10_NY, suppressed=True, suppression_reason="unsubscribed"
    )
    shown = CliRunner().invoke(nurture_app, ["preview", "nurture-core", "1", "--lead", str(lead)])
    assert shown.exit_code == 1 and "suppressed: unsubscribed" in shown.output
    assert (
        CliRunner()
        .invoke(nurture_app, ["preview", "nurture-core", "9", "--lead", str(lead)])
        .exit_code
        == 2
    )
    assert (
        CliRunner().invoke(nurture_app, ["preview", "nope", "1", "--lead", str(lead)]).exit_code
        == 2
    )

"""The MIME writer and the SMTP failure rules, against a real aiosmtpd server (no database)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from email import message_from_bytes, policy
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from leadflow.nurture.render_steps import Links, Renderer, render_nurture
from leadflow.nurture.render import RenderedEmail, render
from leadflow.core.errors import PermanentDeliveryError, TransientDeliveryError
from leadflow.nurture.mailer import SmtpMailer, build_raw, new_message_id
from leadflow.core.errors import RecipientRejected, UncertainDeliveryError
from leadflow.core.settings import Settings
from tests.conftest import free_port
from tests.factories import TEMPLATES_DIR, make_lead_context
from tests.nurture.unit.test_render import STEPS, render_step

SETTINGS = Settings(mail_from="Équipe Leadflow <marketing@leadflow.example>", secret_key="s")


def parse(data: bytes) -> Any:
    return message_from_bytes(data, policy=policy.default)


def body(message: Any, part: str) -> str:
    return message.get_body(preferencelist=(part,)).get_content().replace("\r\n", "\n")


def test_both_parts_and_every_header_survive_a_round_trip() -> None:
    text = (
        "Hi 张伟,\n.a line starting with a dot\nFrom the start\n"
        + "long " * 300
        + "\ntrailing space \n"
    )
    html = "<p>Hi 张伟 &amp; co</p>\n" + "<b>x</b>" * 400
    email = RenderedEmail("张伟, the 10-minute guide to routing leads right — über", html, text)
    message_id = new_message_id(SETTINGS)
    raw = build_raw(
        SETTINGS, "ada@example.org", email, message_id, {"List-Unsubscribe": "<https://x/u/t>"}
    )
    assert all(len(line) <= 998 for line in raw.data.split(b"\r\n")) and raw.data.isascii()
    assert b"\n" not in raw.data.replace(b"\r\n", b"")
    parsed = parse(raw.data)
    assert (parsed["Subject"], parsed["To"], parsed["Message-ID"]) == (
        email.subject,
        "ada@example.org",
        message_id,
    )
    assert parsed["From"].addresses[0].display_name == "Équipe Leadflow"
    assert parsed["List-Unsubscribe"] == "<https://x/u/t>"
    assert parsed.get_content_type() == "multipart/alternative"
    assert body(parsed, "plain") == text and body(parsed, "html") == html


def test_a_line_break_in_a_name_cannot_add_a_header() -> None:
    email = RenderedEmail("Hi Eve\r\nBcc: everyone@example.org", "<p>x</p>", "x")
    parsed = parse(build_raw(SETTINGS, "ada@example.org", email, new_message_id(SETTINGS)).data)
    assert parsed["Bcc"] is None and "Bcc: everyone" in parsed["Subject"]


def test_every_message_id_is_unique() -> None:
    assert len({new_message_id(SETTINGS) for _ in range(2000)}) == 2000


@pytest.mark.parametrize("step", STEPS, ids=[s.template for s in STEPS])
def test_the_cached_renderer_renders_exactly_what_render_does(step: Any) -> None:
    expected, _ = render_step(step)
    got, _ = Renderer(TEMPLATES_DIR).render(
        step.template,
        step.subject,
        {
            "lead": make_lead_context(),
            "unsubscribe_url": "https://t.leadflow.test/u/unsub-token",
            "open_pixel_url": "https://t.leadflow.test/o/pixel.gif",
            "honeypot_url": "https://t.leadflow.test/c/honeypot",
            "campaign_name": "Webinar",
            "postal_address": "1 Main St, Springfield",
        },
        tracked_url=lambda i, u: f"https://t.leadflow.test/c/tok{i}",
        keep_prefix="https://t.leadflow.test",
    )
    assert got == expected


def test_nurture_links_are_signed_per_row_and_stored_once_per_position() -> None:
    links = Links("secret", "https://t.example/", 42)
    email = render_nurture(
        Renderer(TEMPLATES_DIR),
        STEPS[0].template,
        STEPS[0].subject,
        make_lead_context(),
        links,
        "Webinar",
        "1 Main St",
    )
    assert links.clicks == {
        0: "https://leadflow.example/guides/routing?utm_source=nurture&utm_content=step1"
    }
    assert (
        links.unsubscribe.startswith("https://t.example/u/u.42.0.")
        and links.unsubscribe in email.text
    )
    assert links.open_pixel in email.html and "1 Main St" in email.text
    # The hidden honeypot is in the HTML only, and is not a content link to store.
    assert links.honeypot in email.html and links.honeypot not in email.text
    expected, _ = render(
        TEMPLATES_DIR,
        STEPS[0].template,
        STEPS[0].subject,
        {
            "lead": make_lead_context(),
            "unsubscribe_url": links.unsubscribe,
            "open_pixel_url": links.open_pixel,
            "honeypot_url": links.honeypot,
            "campaign_name": "Webinar",
            "postal_address": "1 Main St",
        },
        tracked_url=links.click,
        keep_prefix=links.base,
    )
    assert email == expected


class Answering:
    """Answers by recipient: 451 / 550 at RCPT, 554 or a dropped connection at DATA."""

    def __init__(self) -> None:
        self.received: list[bytes] = []

    async def handle_RCPT(self, server, session, envelope, address, options):  # type: ignore[no-untyped-def]
        if address.startswith("later"):
            return "451 4.7.1 greylisted, try again later"
        if address.startswith("nobody"):
            return "550 5.1.1 no such user"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]
        if envelope.rcpt_tos[0].startswith("spam"):
            return "554 5.7.1 content rejected"
        self.received.append(envelope.content)
        if envelope.rcpt_tos[0].startswith("cut"):
            server.transport.close()  # the message arrived, the answer never leaves
            await asyncio.sleep(0.2)
        return "250 OK"


@pytest.fixture
def mailer() -> Iterator[tuple[SmtpMailer, Answering]]:
    handler, port = Answering(), free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    with SmtpMailer(SETTINGS.model_copy(update={"smtp_port": port, "smtp_timeout_s": 5})) as m:
        yield m, handler
    controller.stop()


def message_to(address: str) -> Any:
    return build_raw(
        SETTINGS, address, RenderedEmail("s", "<p>h</p>", "t"), new_message_id(SETTINGS)
    )


@pytest.mark.parametrize(
    ("address", "error", "delivered"),
    [
        ("later@example.org", TransientDeliveryError, 0),
        ("nobody@example.org", RecipientRejected, 0),
        ("spam@example.org", PermanentDeliveryError, 0),
        ("cut@example.org", UncertainDeliveryError, 1),
    ],
)
def test_each_failure_is_classified_by_when_it_happened(
    mailer: Any, address: str, error: type, delivered: int
) -> None:
    smtp, handler = mailer
    with pytest.raises(error) as caught:
        smtp.send_raw(message_to(address))
    assert len(handler.received) == delivered
    if error is PermanentDeliveryError:
        assert not isinstance(
            caught.value, RecipientRejected
        )  # a content refusal is no hard bounce
    smtp.send_raw(
        message_to("ada@example.org")
    )  # the connection is usable (or redialled) afterwards
    assert len(handler.received) == delivered + 1


def test_one_connection_carries_many_messages(mailer: Any) -> None:
    smtp, handler = mailer
    for i in range(20):
        smtp.send_raw(message_to(f"ada{i}@example.org"))
    first = smtp.connect()
    smtp.send_raw(message_to("bob@example.org"))
    assert smtp.connect() is first and len(handler.received) == 21


def test_no_server_is_transient_and_marks_the_mailer_down() -> None:
    with SmtpMailer(SETTINGS.model_copy(update={"smtp_port": free_port()})) as smtp:
        with pytest.raises(TransientDeliveryError):
            smtp.send_raw(message_to("ada@example.org"))
        assert smtp.down

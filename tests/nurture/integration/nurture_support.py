"""Shared pieces for the nurture tests (no tests here): a recording SMTP server, a policy
folder of one's own, leads, and a tick on a simulated clock."""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from leadflow.core.db import session_scope
from leadflow.core.models import Campaign, Decision, Enrollment, Lead, OutboundEmail
from leadflow.core.settings import reset_settings
from tasks.nurture import enroll_leads, queue_due_steps
from tasks.outbox import send_outbox
from tests.factories import TEMPLATES_DIR

MONDAY = datetime(2026, 11, 9, 10, tzinfo=UTC)  # a working day in every send window
# One sequence, one step sent at once: the send tests' policy when timing is not the point.
IMMEDIATE = """\
version: 2
sequences:
  - key: s
    name: S
    enter: {temperatures: [warm]}
    steps:
      - {template: nurture_1_welcome, subject: one, timing: immediate}
"""
WINDOW_ONLY = """\
version: 2
send_policy:
  default_zone: UTC
  window: {days: [mon, tue, wed, thu, fri], start: "09:00", end: "17:00"}
  holidays_file: holidays.yaml
sequences:
  - key: s
    name: S
    enter: {temperatures: [warm, cold]}
    steps:
      - {template: nurture_1_welcome, subject: "{{ greeting_name }}, one", delay_days: 0}
      - {template: nurture_2_case_study, subject: "two", delay_days: 7}
"""
NO_HOLIDAYS = "version: 1\nholidays: {}\n"


@dataclass
class Received:
    message: Any
    to: str
    at: datetime  # the simulated moment of the tick that sent it
    raw: bytes = b""  # the bytes as received (signature checks need them unparsed)


@dataclass
class Recorder:
    """Keeps every message with the simulated time it arrived; refuses some recipients."""

    clock: datetime | None = None
    messages: list[Received] = field(default_factory=list)
    greylist: dict[str, int] = field(default_factory=dict)  # address -> 451 answers still to give

    async def handle_RCPT(self, server, session, envelope, address, options):  # type: ignore[no-untyped-def]
        if address.startswith("nobody"):
            return "550 5.1.1 no such user"
        if self.greylist.get(address, 0) > 0:
            self.greylist[address] -= 1
            return "451 4.7.1 greylisted, try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]
        message = message_from_bytes(envelope.content, policy=policy.default)
        raw = envelope.original_content or envelope.content
        at = self.clock
        self.messages.append(Received(message, envelope.rcpt_tos[0], at, raw))  # type: ignore[arg-type]
        return "250 OK"

    def to(self, address: str) -> list[Received]:
        return [m for m in self.messages if m.to == address]


def start_recorder(port: int) -> tuple[Recorder, Controller]:
    """A real SMTP server (aiosmtpd) that records what it receives; the `recorder` fixture."""
    handler = Recorder()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    return handler, controller


def use_policy(
    folder: Path, monkeypatch: pytest.MonkeyPatch, sequences: str, holidays: str = NO_HOLIDAYS
) -> Path:
    """Templates as shipped, sequences and holidays as the test says."""
    folder.mkdir(parents=True, exist_ok=True)
    for template in TEMPLATES_DIR.glob("*.j2"):
        shutil.copy(template, folder / template.name)
    (folder / "sequences.yaml").write_text(sequences, encoding="utf-8")
    (folder / "holidays.yaml").write_text(holidays, encoding="utf-8")
    monkeypatch.setenv("LEADFLOW_TEMPLATES_DIR", str(folder))
    reset_settings()
    return folder


def add_lead(
    email: str, at: datetime, country: str | None = None, state: str | None = None, **fields: Any
) -> int:
    with session_scope() as session:
        campaign = session.scalar(select(Campaign).where(Campaign.name == "Webinar 2026"))
        if campaign is None:
            campaign = Campaign(name="Webinar 2026", channel="webinar", created_at=at)
            session.add(campaign)
            session.flush()
        values = {
            "first_name": "Ada",
            "temperature": "warm",
            "status": "nurturing",
            "score": 50,
        } | fields
        lead = Lead(
            email=email,
            domain=email.split("@")[1],
            country=country,
            state=state,
            first_campaign_id=campaign.id,
            created_at=at,
            updated_at=at,
            **values,
        )
        session.add(lead)
        session.flush()
        return lead.id


def enroll(lead_ids: list[int], at: datetime) -> int:
    return enroll_leads.fn(lead_ids, at)


def tick(recorder: Recorder | None, at: datetime) -> Any:
    """One nurture tick at a simulated moment: the two tasks the flow runs."""
    if recorder is not None:
        recorder.clock = at
    return send_outbox.fn(queue_due_steps.fn(at), at)


def run_ticks(recorder: Recorder | None, start: datetime, end: datetime, every: timedelta) -> None:
    at = start
    while at <= end:
        tick(recorder, at)
        at += every


def decisions(kind: str, lead_id: int | None = None) -> list[Decision]:
    with session_scope() as session:
        query = select(Decision).where(Decision.kind == kind).order_by(Decision.id)
        if lead_id is not None:
            query = query.where(Decision.lead_id == lead_id)
        return list(session.scalars(query))


def outbox(lead_id: int | None = None) -> list[OutboundEmail]:
    with session_scope() as session:
        query = select(OutboundEmail).order_by(OutboundEmail.id)
        if lead_id is not None:
            query = query.where(OutboundEmail.lead_id == lead_id)
        return list(session.scalars(query))


def enrollment(lead_id: int, sequence: str | None = None) -> Enrollment:
    with session_scope() as session:
        query = select(Enrollment).where(Enrollment.lead_id == lead_id)
        if sequence:
            query = query.where(Enrollment.sequence == sequence)
        return session.scalars(query).one()

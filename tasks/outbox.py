"""The outbox: queue emails as rows, then send each at most once.

A row is claimed (pending -> sending) and committed before SMTP is spoken; a crash
after the claim leaves it 'sending' for a person to check, never to be sent twice.
"""

from __future__ import annotations

from datetime import datetime
from email.message import EmailMessage
from typing import Any

from prefect import task
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from leadflow.clock import as_utc
from leadflow.config.nurture import NurturePolicy
from leadflow.db import session_scope
from leadflow.decisions import record
from leadflow.domain.render import render
from leadflow.domain.summary import SendSummary
from leadflow.domain.tracking import make_token
from leadflow.errors import PermanentDeliveryError, TransientDeliveryError
from leadflow.mailer import SmtpMailer, build_message
from leadflow.models import Assignment, Campaign, Enrollment, Lead, OutboundEmail, Rep, TrackedLink
from leadflow.settings import Settings, get_settings
from tasks._common import BATCH_TASK, current_flow_run_id, log, nurture_policy

LEAD_FIELDS = ("id", "email", "first_name", "last_name", "full_name", "company", "title",
               "country", "state", "domain", "score", "temperature")


def lead_context(lead: Lead) -> dict[str, Any]:
    return {name: getattr(lead, name) for name in LEAD_FIELDS}


def queue_email(session: Session, *, dedupe_key: str, kind: str, lead_id: int, to_addr: str,
                at: datetime, **links: int | None) -> int | None:
    """Insert an outbox row unless one with the same key exists; returns its id."""
    existing = session.scalar(select(OutboundEmail.id).where(OutboundEmail.dedupe_key == dedupe_key))
    if existing is not None:
        return None
    row = OutboundEmail(dedupe_key=dedupe_key, kind=kind, lead_id=lead_id, to_addr=to_addr,
                        created_at=at, **links)
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:
        return None  # a concurrent run queued it first
    return row.id


@task(name="queue-rep-notifications", **BATCH_TASK)
def queue_rep_notifications(assignment_ids: list[int], now: datetime | None = None) -> list[int]:
    at, queued = as_utc(now), []
    with session_scope() as session:
        for assignment in session.scalars(select(Assignment).where(Assignment.id.in_(assignment_ids))):
            rep = session.get(Rep, assignment.rep)
            if rep is None:
                continue
            outbox_id = queue_email(session, dedupe_key=f"rep:{assignment.id}", kind="rep_notification",
                                    lead_id=assignment.lead_id, to_addr=rep.email, at=at,
                                    assignment_id=assignment.id)
            if outbox_id:
                queued.append(outbox_id)
    return queued


def _tracked(session: Session, settings: Settings, outbox_id: int):  # type: ignore[no-untyped-def]
    secret, base = settings.secret_key.get_secret_value(), settings.public_base_url.rstrip("/")

    def tracked_url(position: int, url: str) -> str:
        if session.scalar(select(TrackedLink.id).where(TrackedLink.outbound_email_id == outbox_id,
                                                       TrackedLink.position == position)) is None:
            session.add(TrackedLink(outbound_email_id=outbox_id, position=position, url=url))
        return f"{base}/c/{make_token(secret, 'c', outbox_id, position)}"

    return tracked_url


def _compose(session: Session, settings: Settings, policy: NurturePolicy,
             row: OutboundEmail) -> EmailMessage | str:
    """The message for an outbox row, or the reason it must not go out."""
    lead = session.get(Lead, row.lead_id)
    if lead is None:
        return "lead gone"
    if row.kind == "rep_notification":
        assignment = session.get(Assignment, row.assignment_id)
        rep = session.get(Rep, assignment.rep) if assignment else None
        if assignment is None or rep is None or assignment.status != "offered":
            return "assignment no longer open"
        context = {"lead": lead_context(lead), "rep": {"name": rep.name}, "reason": assignment.rule_id,
                   "sla_hours": settings.rep_sla_hours, "sla_due": assignment.sla_due_at.strftime("%Y-%m-%d %H:%M UTC")}
        subject = "New lead for you: {{ lead.full_name or lead.email }} ({{ lead.company or lead.domain }})"
        email, _ = render(settings.templates_dir, policy.rep_notification_template, subject, context)
        return build_message(settings, row.to_addr, email)
    if lead.suppressed:
        return f"suppressed: {lead.suppression_reason}"
    enrollment = session.get(Enrollment, row.enrollment_id)
    if enrollment is None or enrollment.status == "exited":
        return "enrollment exited"
    step = policy.sequence(enrollment.sequence).steps[row.step or 0]
    secret, base = settings.secret_key.get_secret_value(), settings.public_base_url.rstrip("/")
    unsubscribe = f"{base}/u/{make_token(secret, 'u', row.id)}"
    campaign = session.get(Campaign, lead.first_campaign_id) if lead.first_campaign_id else None
    context = {"lead": lead_context(lead), "unsubscribe_url": unsubscribe,
               "open_pixel_url": f"{base}/o/{make_token(secret, 'o', row.id)}.gif",
               "campaign_name": campaign.name if campaign else "one of our events",
               "postal_address": settings.postal_address}
    email, _ = render(settings.templates_dir, step.template, step.subject, context,
                      tracked_url=_tracked(session, settings, row.id), keep_prefix=base)
    unsubscribe_mailto = f"mailto:unsubscribe@{settings.mail_from.rsplit('@', 1)[-1].rstrip('>')}?subject={row.id}"
    return build_message(settings, row.to_addr, email, {
        "List-Unsubscribe": f"<{unsubscribe}>, <{unsubscribe_mailto}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    })


def _claim(session: Session, row_id: int, message_id: str, subject: str) -> bool:
    claimed = session.execute(
        update(OutboundEmail).where(OutboundEmail.id == row_id, OutboundEmail.status == "pending")
        .values(status="sending", attempts=OutboundEmail.attempts + 1, message_id=message_id, subject=subject))
    session.commit()
    return claimed.rowcount == 1  # 0: another run claimed it first


def _send_one(session: Session, mailer: SmtpMailer, settings: Settings, policy: NurturePolicy,
              row: OutboundEmail, at: datetime) -> str:
    composed = _compose(session, settings, policy, row)
    if isinstance(composed, str):
        row.status, row.error = "skipped", composed
        session.commit()
        return "skipped"
    if not _claim(session, row.id, composed["Message-ID"], composed["Subject"]):
        return "skipped"
    session.refresh(row)
    try:
        mailer.send(composed)
    except TransientDeliveryError as exc:
        # The server did not take it: safe to offer again on the next run.
        row.status, row.error = "pending", str(exc)
        session.commit()
        return "deferred"
    except PermanentDeliveryError as exc:
        row.status, row.error = "bounced", str(exc)
        lead = session.get(Lead, row.lead_id)
        if lead is not None and row.kind == "nurture":
            lead.suppressed, lead.suppression_reason = True, "hard bounce"
        session.commit()
        return "bounced"
    row.status, row.sent_at = "sent", at
    record(session, lead_id=row.lead_id, kind="send", rule_id=row.dedupe_key,
           outcome=f"sent {row.kind} to {row.to_addr}", reason=row.subject or "",
           inputs={"message_id": row.message_id, "outbox_id": row.id, "step": row.step}, at=at,
           config_version=policy.config_version, flow_run_id=current_flow_run_id())
    session.commit()
    return "sent"


@task(name="send-outbox", **BATCH_TASK)
def send_outbox(outbox_ids: list[int], now: datetime | None = None) -> SendSummary:
    """Send queued emails over one SMTP connection; each row at most once."""
    at, settings = as_utc(now), get_settings()
    policy = nurture_policy()  # once per batch: every email of the batch follows one version
    counts = {"sent": 0, "bounced": 0, "deferred": 0, "skipped": 0}
    if not outbox_ids:
        return SendSummary()
    with session_scope() as session, SmtpMailer(settings) as mailer:
        rows = session.scalars(select(OutboundEmail).where(
            OutboundEmail.id.in_(outbox_ids), OutboundEmail.status == "pending").order_by(OutboundEmail.id)).all()
        for row in rows:
            counts[_send_one(session, mailer, settings, policy, row, at)] += 1
    log().info("outbox: %d sent, %d deferred, %d bounced, %d skipped", counts["sent"],
               counts["deferred"], counts["bounced"], counts["skipped"])
    return SendSummary(**counts)

"""The email a queue's manager gets when leads wait past their queue's deadline.

In the pipeline layer: routing decides who is told (the sweep), nurture's mailer sends.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from email.message import EmailMessage

from leadflow.core.clock import as_utc
from leadflow.core.db import session_scope
from leadflow.core.decisions import record
from leadflow.core.errors import DeliveryError
from leadflow.nurture.mailer import SmtpMailer
from leadflow.routing.queues import Escalation
from leadflow.routing.sla import SweepResult, sweep_sla
from leadflow.core.settings import get_settings


def escalation_message(mail: Escalation, sender: str) -> EmailMessage:
    message = EmailMessage()
    message["From"], message["To"] = sender, mail.to
    message["Subject"] = f"{len(mail.items)} lead(s) overdue in your queues"
    lines = [
        f"Hello {mail.name},",
        "",
        "These leads waited past their queue's deadline. Assign them",
        "(leadflow queue assign LEAD REP --as YOU) before the new deadline, or they go to the",
        "shared pool for any rep to claim:",
        "",
    ]
    lines += [
        f"  lead {lead_id}  queue {queue}  to the pool after {due:%Y-%m-%d %H:%M} UTC"
        for lead_id, queue, due in mail.items
    ]
    message.set_content("\n".join(lines) + "\n")
    return message


def sweep_and_escalate(now: datetime | None = None) -> SweepResult:
    """The SLA sweep, then each manager's digest of overdue queue items (after it committed)."""
    result = sweep_sla(now)
    send_escalations(result.emails, as_utc(now))
    return result


def send_escalations(emails: Iterable[Escalation], at: datetime) -> int:
    """Send each manager their digest (after the sweep committed); a failure is recorded."""
    settings, sent = get_settings(), 0
    pending = list(emails)
    if not pending:
        return 0
    with SmtpMailer(settings) as mailer:
        for mail in pending:
            try:
                mailer.send(escalation_message(mail, settings.mail_from))
                sent += 1
            except DeliveryError as exc:
                with session_scope() as session:
                    for lead_id, queue, _ in mail.items:
                        record(
                            session,
                            lead_id=lead_id,
                            kind="escalate",
                            rule_id=f"queue:{queue}",
                            outcome=f"escalation email to {mail.to} failed",
                            reason=str(exc),
                            at=at,
                        )
    return sent

"""What the SMTP server said, written back: sends confirmed in groups, failures per row.

Each message's fate is already in the send journal the moment the server answers (see
leadflow.nurture.send_journal); these group commits only make the database catch up.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import update
from sqlalchemy.orm import Session

from leadflow.core.statuses import EnrollmentStatus, OutboxStatus
from leadflow.core.decisions import decision_row, record, write_decisions
from leadflow.core.errors import TransientDeliveryError
from leadflow.core.models import Enrollment, Lead
from leadflow.nurture.compose import Composer
from leadflow.nurture.mailer import BackgroundSender, RecipientRejected, UncertainDeliveryError
from leadflow.nurture.outbox_store import OUTBOX, mark_rows, suppress
from leadflow.nurture.outbox_timing import next_attempt

CONFIRM_EVERY = 100  # a commit costs milliseconds: confirm sends in groups, not one by one
SUMMARY_KEYS = ("sent", "bounced", "deferred", "skipped")  # unknown and failed count as skipped


@dataclass
class SendBatch:
    composer: Composer
    at: datetime
    run_id: str | None = None
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(SUMMARY_KEYS, 0))
    decisions: list[dict[str, Any]] = field(default_factory=list)
    sent: list[Any] = field(default_factory=list)  # delivered, not yet confirmed in the database
    started: float = field(default_factory=time.monotonic)

    def now(self) -> datetime:
        # The tick's moment plus the time this send has run: a long send's late claims are not stale.
        return self.at + timedelta(seconds=time.monotonic() - self.started)


def settle(
    session: Session, b: SendBatch, row: Any, exc: Exception, marks: list[dict[str, Any]]
) -> None:
    """A send that did not succeed: retry later, bounce, or leave for a person (unknown)."""
    error, retry_at, status = str(exc)[:2000], None, OutboxStatus.BOUNCED
    if isinstance(exc, UncertainDeliveryError):
        status = OutboxStatus.UNKNOWN
        b.decisions.append(
            decision_row(
                lead_id=row["lead_id"],
                kind="send-unknown",
                rule_id="outbox:uncertain",
                outcome="delivery unknown",
                reason=error,
                at=b.at,
                flow_run_id=b.run_id,
                inputs={"outbox_id": row["id"], "message_id": row["message_id"]},
            )
        )
    elif isinstance(exc, TransientDeliveryError):
        retry_at = next_attempt(row["attempts"] + 1, b.at)
        status = OutboxStatus.PENDING if retry_at else OutboxStatus.FAILED
        b.decisions.append(
            decision_row(
                lead_id=row["lead_id"],
                kind="send-retry" if retry_at else "send-failed",
                rule_id="outbox:backoff",
                outcome=f"retry at {retry_at:%Y-%m-%d %H:%M} UTC"
                if retry_at
                else "gave up after repeated 4xx",
                reason=error,
                at=b.at,
                flow_run_id=b.run_id,
                inputs={
                    "outbox_id": row["id"],
                    "attempt": row["attempts"] + 1,
                    "next_attempt_at": retry_at,
                },
            )
        )
    elif isinstance(exc, RecipientRejected) and row["kind"] == "nurture":
        _hard_bounce(session, b, row, error)
    b.counts[
        {OutboxStatus.PENDING: "deferred", OutboxStatus.BOUNCED: "bounced"}.get(status, "skipped")
    ] += 1
    marks.append(
        {"row_id": row["id"], "new_status": status, "new_error": error, "retry_at": retry_at}
    )


def _hard_bounce(session: Session, b: SendBatch, row: Any, error: str) -> None:
    suppress(session, row["to_addr"], "hard_bounce", error[:500], b.at)
    session.execute(
        update(Lead)
        .where(Lead.id == row["lead_id"])
        .values(suppressed=True, suppression_reason="hard bounce")
    )
    session.execute(
        update(Enrollment)
        .where(Enrollment.lead_id == row["lead_id"], Enrollment.status == EnrollmentStatus.ACTIVE)
        .values(status=EnrollmentStatus.EXITED, exit_reason="bounced", ended_at=b.at)
    )
    record(
        session,
        lead_id=row["lead_id"],
        kind="suppress",
        rule_id="hard-bounce",
        outcome="suppressed: hard bounce",
        reason=error,
        inputs={"outbox_id": row["id"], "email": row["to_addr"]},
        at=b.at,
        flow_run_id=b.run_id,
    )


def confirm(session: Session, b: SendBatch, failed: list[dict[str, Any]]) -> None:
    """Write what SMTP said: the sends in one statement, failures per row, every decision; commit."""
    mark_rows(session, failed)
    if b.sent:
        session.execute(
            update(OUTBOX)
            .where(OUTBOX.c.id.in_([r["id"] for r in b.sent]))
            .values(status=OutboxStatus.SENT, sent_at=b.at, error=None, next_attempt_at=None)
        )
        for r in b.sent:
            decision = b.composer.send_decision(r, b.at, b.run_id)
            decision["inputs"]["smtp_reply"] = r["smtp_reply"]  # the server's own word on it
            b.decisions.append(decision)
    write_decisions(session, b.decisions)
    session.commit()
    b.sent, b.decisions = [], []


def collect(session: Session, b: SendBatch, sender: BackgroundSender, wait: bool) -> None:
    """Record what the sender finished; sends are confirmed in groups of CONFIRM_EVERY."""
    failed: list[dict[str, Any]] = []
    for result in sender.results(wait):
        row, message = result.key
        if result.error is None:
            b.sent.append({**row, "message_id": message.message_id, "smtp_reply": result.reply})
            b.counts["sent"] += 1
        else:
            settle(session, b, row, result.error, failed)
        if len(b.sent) >= CONFIRM_EVERY:
            confirm(session, b, failed)
            failed = []
    if wait or failed or b.decisions:
        confirm(session, b, failed)

"""A person settles outbox rows of unknown fate: some by id, or all of them at once.

What is left 'unknown' after a dead send's journal was read and ESP events were matched is
a message whose DATA went out with no answer back: only the mail server's log can say. The
person's word for each row is recorded as a decision (who: the command line; what: the
Message-ID they checked).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from leadflow.core.statuses import OutboxStatus
from leadflow.core.decisions import decision_row
from leadflow.core.errors import LeadflowError
from leadflow.core.models import Decision
from leadflow.nurture.outbox_store import OUTBOX, insert_rows


class Resolution(StrEnum):
    SENT = "sent"  # the mail server log shows it was delivered
    RESEND = "resend"  # it was not: queue it again (same Message-ID)
    DROP = "drop"  # leave it unsent


NEW_STATUS = {Resolution.SENT: "sent", Resolution.RESEND: "pending", Resolution.DROP: "failed"}


class UnknownRows(LeadflowError):
    """Some named rows are not of unknown fate (never existed, or already settled)."""


def resolve_unknown(
    session: Session,
    ids: list[int] | None,
    outcome: str,
    note: str,
    at: datetime,
    actor: str | None = None,
) -> list[int]:
    """Settle the named rows (all unknown ones for None); every one must be 'unknown'.
    Each row is updated only while it is still unknown, so two people racing settle it once."""
    resolution = Resolution(outcome)
    query = select(OUTBOX.c.id, OUTBOX.c.lead_id, OUTBOX.c.message_id, OUTBOX.c.status)
    query = (
        query.where(OUTBOX.c.status == OutboxStatus.UNKNOWN)
        if ids is None
        else query.where(OUTBOX.c.id.in_(ids))
    )
    rows = {row.id: row for row in session.execute(query.order_by(OUTBOX.c.id))}
    wrong = [
        f"{i} ({rows[i].status})" if i in rows else f"{i} (no such row)"
        for i in ids or ()
        if i not in rows or rows[i].status != OutboxStatus.UNKNOWN
    ]
    if wrong:
        raise UnknownRows(f"not of unknown fate: {', '.join(wrong)}")
    done, decisions = [], []
    for row in rows.values():
        changed = session.execute(
            update(OUTBOX)
            .where(OUTBOX.c.id == row.id, OUTBOX.c.status == OutboxStatus.UNKNOWN)
            .values(
                status=NEW_STATUS[resolution],
                sent_at=at if resolution is Resolution.SENT else None,
                claimed_at=None,
                next_attempt_at=None,
                error=f"resolved by a person: {outcome}" + (f" ({note})" if note else ""),
            )
        )
        if changed.rowcount:  # type: ignore[attr-defined]
            done.append(row.id)
            decisions.append(
                decision_row(
                    lead_id=row.lead_id,
                    kind="resolve",
                    rule_id="outbox:unknown",
                    outcome=outcome,
                    reason=note or "checked by a person",
                    inputs={"outbox_id": row.id, "message_id": row.message_id},
                    at=at,
                    actor=actor,
                )
            )
    insert_rows(session, Decision.__table__, decisions)
    return done

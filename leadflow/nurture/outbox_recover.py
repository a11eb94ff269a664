"""Settle the rows of sends that died, from their journals, before anything new is claimed.

For each row a dead send claimed, its journal says (leadflow.nurture.send_journal):
- the server answered 250: it was delivered; the row becomes 'sent' (its reply is recorded);
- refused, or DATA never began: nothing was handed over; the row goes back to 'pending' and
  is sent now (same Message-ID);
- never claimed (the send died before it got that far): still 'pending', sent now;
- DATA began and no answer came: the server may hold it. The row becomes 'unknown' at once
  (no stale-claim wait: its sender is known dead); an ESP event naming its Message-ID, or a
  person (``leadflow nurture resolve``), settles it.

A row is only touched while it still carries that send's claim (status 'sending', or
'unknown' after the stale-claim sweep, and the same claimed_at): a row a person has settled
since, or a later send has claimed, is left alone, so reading a journal twice changes nothing.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import select, text, update
from sqlalchemy.orm import Session

from leadflow.core.clock import as_utc
from leadflow.core.db import session_scope
from leadflow.core.decisions import decision_row
from leadflow.core.models import Decision
from leadflow.core.runtime import log
from leadflow.core.settings import get_settings
from leadflow.core.statuses import OutboxStatus
from leadflow.nurture.outbox_store import OUTBOX, insert_rows
from leadflow.nurture.send_journal import Outcome, dead_journals, journal_dir

SAME_CLAIM = timedelta(milliseconds=1)  # claimed_at as stored may lose sub-millisecond digits
# How long recovery waits for row locks (PostgreSQL) before it gives up: a live send can hold
# them through an SMTP batch. Past it, DatabaseBusy (transient): the journal is left for the
# next send, which is retried.
LOCK_WAIT = "15s"


class Recovered(StrEnum):
    SENT = "sent"
    RESEND = "resend"
    UNKNOWN = "unknown"


# What each finding does to a row: (statuses it may be in, new status, error text).
RULES: dict[Recovered, tuple[tuple[str, ...], str, str | None]] = {
    Recovered.SENT: (("sending", "unknown"), "sent", None),
    Recovered.RESEND: (
        ("sending", "unknown"),
        "pending",
        "its send died before handing it over: sent again",
    ),
    Recovered.UNKNOWN: (
        ("sending",),
        "unknown",
        "its send died waiting for the answer to DATA: the server may hold it",
    ),
}


def _findings(outcome: Outcome) -> dict[int, Recovered]:
    found = dict.fromkeys(outcome.never_reached_server(), Recovered.RESEND)
    found |= dict.fromkeys(outcome.uncertain(), Recovered.UNKNOWN)
    return found | dict.fromkeys(outcome.accepted, Recovered.SENT)


def _decision(row: Any, finding: Recovered, outcome: Outcome, at: datetime, run_id: str | None):  # type: ignore[no-untyped-def]
    reply = outcome.accepted.get(row.id)
    return decision_row(
        lead_id=row.lead_id,
        kind="send-recovered",
        rule_id="outbox:journal",
        outcome={"sent": "sent", "resend": "sent again", "unknown": "delivery unknown"}[finding],
        reason={
            "sent": f"the server had answered: {reply}",
            "resend": "its send died before handing it over",
            "unknown": "its send died waiting for the server's answer to DATA",
        }[finding],
        inputs={
            "outbox_id": row.id,
            "message_id": row.message_id,
            "claimed_at": row.claimed_at,
            "smtp_reply": reply,
        },
        at=at,
        flow_run_id=run_id,
    )


def settle_outcome(
    session: Session, outcome: Outcome, at: datetime, run_id: str | None
) -> dict[int, Recovered]:
    """Apply one dead journal; returns what changed, by row id."""
    findings = _findings(outcome)
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text(f"SET LOCAL lock_timeout = '{LOCK_WAIT}'"))
    # FOR UPDATE: a send killed just after it sent COMMIT may still be committing its claim on
    # PostgreSQL; its row locks make this wait for the claim, which a plain read would miss
    # (the rows would look pending, be skipped here, and then sit in 'sending').
    rows = session.execute(
        select(OUTBOX.c.id, OUTBOX.c.lead_id, OUTBOX.c.message_id, OUTBOX.c.status)
        .add_columns(OUTBOX.c.claimed_at)
        .where(OUTBOX.c.id.in_(list(findings)))
        .order_by(OUTBOX.c.id)
        .with_for_update()
    ).all()
    changed, decisions = {}, []
    for row in rows:
        finding = findings[row.id]
        allowed, status, error = RULES[finding]
        claimed = outcome.claimed_at[row.id]
        if row.status not in allowed or row.claimed_at is None:
            continue
        if abs(as_utc(row.claimed_at) - as_utc(claimed)) > SAME_CLAIM:
            continue  # claimed again since, by a later send: not this journal's to settle
        values: dict[str, Any] = {"status": status, "error": error, "next_attempt_at": None}
        if finding is Recovered.SENT:
            values["sent_at"] = row.claimed_at  # sent within seconds of its claim
        elif finding is Recovered.RESEND:
            values["next_attempt_at"] = at
        done = session.execute(
            update(OUTBOX)
            .where(OUTBOX.c.id == row.id, OUTBOX.c.status == row.status)
            .values(**values)
        )
        if done.rowcount:  # type: ignore[attr-defined]
            changed[row.id] = finding
            decisions.append(_decision(row, finding, outcome, at, run_id))
    insert_rows(session, Decision.__table__, decisions)
    return changed


def still_pending(session: Session, planned: set[int]) -> list[int]:
    """The rows a dead send was given that are pending now: settled for a resend, never
    claimed, or claimed in its journal with the claim's commit cut off by the kill (those are
    in no later queueing: the steps that queued them have moved on)."""
    if not planned:
        return []
    return list(
        session.scalars(
            select(OUTBOX.c.id).where(
                OUTBOX.c.id.in_(sorted(planned)), OUTBOX.c.status == OutboxStatus.PENDING
            )
        )
    )


def recover_dead_sends(now: datetime | None = None, run_id: str | None = None) -> list[int]:
    """Settle every dead send's rows; returns the ids to send again now."""
    at, resend = as_utc(now), []
    for journal in dead_journals(journal_dir(get_settings())):
        try:
            with session_scope() as session:
                changed = settle_outcome(session, journal.outcome, at, run_id)
                waiting = still_pending(session, journal.outcome.planned)
        except BaseException:
            journal.release()  # left for the next send to read again
            raise
        journal.done()  # only once its findings are committed
        resend += waiting
        if changed:
            log().warning(
                "outbox: a dead send's journal settled %d row(s): %s",
                len(changed),
                ", ".join(f"{n} {f}" for f in Recovered if (n := list(changed.values()).count(f))),
            )
    return sorted(set(resend))  # the claim skips any that are no longer pending

"""The outbox: queue emails as rows, then send each at most once.

Rows go in chunks: compose every row, claim them all (pending -> sending, one statement,
committed before any SMTP), then hand the chunk to a sender thread that speaks SMTP over
one reused connection while the next chunk is composed. The claim is atomic: one UPDATE
... WHERE status = 'pending' RETURNING id, so of two sends racing for a row (PostgreSQL row
locks, SQLite's single writer) only one gets it back.

Each message's fate is written to the send journal as the server answers; the database is
told in groups (leadflow.nurture.outbox_results). A send that dies is settled from its
journal by the next one (leadflow.nurture.outbox_recover): delivered rows become 'sent',
rows never handed over are sent again, and only a message whose DATA went out with no
answer back is left 'unknown'. Without a journal (another machine's), the stale-claim rule
in leadflow.nurture.outbox_timing applies.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from jinja2 import TemplateError
from sqlalchemy import case, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from leadflow.core.statuses import OutboxStatus
from leadflow.core.clock import as_utc
from leadflow.core.db import session_scope
from leadflow.core.models import Assignment, OutboundEmail, Rep, TrackedLink
from leadflow.core.runtime import current_flow_run_id, log
from leadflow.core.settings import get_settings
from leadflow.core.summary import SendSummary
from leadflow.nurture.compose import Composer
from leadflow.nurture.consent_store import consent_facts
from leadflow.nurture.mailer import BackgroundSender, OutgoingEmail, SmtpMailer, new_message_id
from leadflow.nurture.outbox_recover import recover_dead_sends
from leadflow.nurture.outbox_results import SendBatch, collect
from leadflow.nurture.outbox_store import (
    OUTBOX,
    insert_rows,
    mark_rows,
    outbox_rows,
    suppress,
    suppressions,
)
from leadflow.nurture.outbox_timing import next_attempt
from leadflow.nurture.policy import NurturePolicy, nurture_policy
from leadflow.nurture.render_steps import Renderer
from leadflow.nurture.rep_notice import RepDirectory, rep_directory
from leadflow.nurture.send_journal import SendJournal, journal_dir
from leadflow.routing.policy import routing_policy
from leadflow.core.value_lists import among

__all__ = [
    "OUTBOX",
    "insert_rows",
    "outbox_rows",
    "queue_email",
    "queue_emails",
    "queue_rep_notifications",
    "send_outbox",
    "suppress",
    "suppressions",
]
CHUNK = 500
# Test hooks: after_claim gets the claimed ids once the claim is committed, before any SMTP;
# after_accept gets an id once the server's 250 for it is in the journal (sender thread).
after_claim: Callable[[list[int]], None] | None = None
after_accept: Callable[[int], None] | None = None


def queue_email(
    session: Session,
    *,
    dedupe_key: str,
    kind: str,
    lead_id: int,
    to_addr: str,
    at: datetime,
    **links: int | None,
) -> int | None:
    """Insert an outbox row unless one with the same key exists; returns its id."""
    existing = session.scalar(
        select(OutboundEmail.id).where(OutboundEmail.dedupe_key == dedupe_key)
    )
    if existing is not None:
        return None
    row = OutboundEmail(
        dedupe_key=dedupe_key,
        kind=kind,
        lead_id=lead_id,
        to_addr=to_addr,
        created_at=at,
        message_id=new_message_id(get_settings()),
        **links,
    )
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:
        return None  # a concurrent run queued it first
    return row.id


def queue_emails(session: Session, rows: list[dict[str, Any]], at: datetime) -> list[int]:
    """Many outbox rows at once; the ids of those now pending (a key queued before and still
    pending, from a run that died before sending it, is included: pending was never claimed).
    The Message-ID is fixed here: a retry after a 4xx is the same message, and a row whose
    fate is unknown can be looked up in the mail server's log.
    """
    settings = get_settings()
    insert_rows(
        session,
        OUTBOX,
        [
            {
                **row,
                "created_at": at,
                "status": OutboxStatus.PENDING,
                "attempts": 0,
                "message_id": new_message_id(settings),
            }
            for row in rows
        ],
        ["dedupe_key"],
    )
    keys = [row["dedupe_key"] for row in rows]
    # By the unique key alone: with a status test too, PostgreSQL may walk every pending row.
    found = (
        session.execute(
            select(OUTBOX.c.id, OUTBOX.c.status).where(among(OUTBOX.c.dedupe_key, keys))
        )
        if keys
        else []
    )
    return [row_id for row_id, status in found if status == OutboxStatus.PENDING]


def queue_rep_notifications(assignment_ids: list[int], now: datetime | None = None) -> list[int]:
    """One notification email per assignment to its rep, queued for the batch at once (keyed
    ``rep:<assignment>``, so a rerun queues nothing twice); the ids of those pending."""
    at = as_utc(now)
    with session_scope() as session:
        rows = [
            {
                "dedupe_key": f"rep:{assignment_id}",
                "kind": "rep_notification",
                "lead_id": lead_id,
                "to_addr": email,
                "assignment_id": assignment_id,
            }
            for assignment_id, lead_id, email in session.execute(
                select(Assignment.id, Assignment.lead_id, Rep.email)
                .join(Rep, Rep.key == Assignment.rep)  # a rep no longer mirrored: nobody to tell
                .where(among(Assignment.id, assignment_ids))
                .order_by(Assignment.id)
            ).tuples()
        ]
        return queue_emails(session, rows, at) if rows else []


def rep_readers(policy: NurturePolicy) -> RepDirectory:
    """Each rep's zone and language and the routing rules' words, for rep notifications."""

    routing = routing_policy()
    return rep_directory(routing.teams, routing.rules, policy.locales)


def _compose(session: Session, b: SendBatch, ids: list[int]) -> tuple[list[Any], list[Any]]:
    """The chunk's rows that are still due, composed: (ready (row, message) pairs, clicks).
    A row that must not go (suppressed, no consent, a template error) is marked skipped."""
    rows = outbox_rows(
        session,
        among(OUTBOX.c.id, ids),
        OUTBOX.c.status == OutboxStatus.PENDING,
        or_(OUTBOX.c.next_attempt_at.is_(None), OUTBOX.c.next_attempt_at <= b.at),
    )
    clicks: list[dict[str, Any]] = []
    ready, marks = [], []
    blocked = suppressions(session, [r["to_addr"] for r in rows if r["kind"] == "nurture"])
    nurtured = [r["lead_id"] for r in rows if r["kind"] == "nurture"]
    b.composer.consent = consent_facts(session, nurtured)  # consent to send, and to track
    for row in rows:
        try:
            composed = b.composer.compose(row, blocked, clicks)
        except TemplateError as exc:  # one lead's odd data must not stop the batch
            composed = f"render failed: {exc}"
        if isinstance(composed, str):
            b.counts["skipped"] += 1
            marks.append(
                {
                    "row_id": row["id"],
                    "new_status": OutboxStatus.SKIPPED,
                    "new_error": composed,
                    "retry_at": None,
                }
            )
        else:
            ready.append((row, composed))
    mark_rows(session, marks)
    return ready, clicks


def _defer(session: Session, b: SendBatch, ready: list[Any]) -> None:
    """SMTP is down: nothing claimed, nothing spoken; all wait for the next tick."""
    retry_at = next_attempt(1, b.at)
    mark_rows(
        session,
        [
            {
                "row_id": r["id"],
                "new_status": OutboxStatus.PENDING,
                "new_error": "SMTP unreachable",
                "retry_at": retry_at,
            }
            for r, _ in ready
        ],
    )
    b.counts["deferred"] += len(ready)


def _claim(session: Session, b: SendBatch, journal: SendJournal, ready: list[Any]) -> set[int]:
    """pending -> sending for the whole chunk in one statement, committed; the ids we got."""
    subjects = {r["id"]: m.subject[:500] for r, m in ready}
    missing_ids = {r["id"]: m.message_id for r, m in ready if r["message_id"] is None}
    claimed_at = b.now()
    claim = {
        "status": OutboxStatus.SENDING,
        "claimed_at": claimed_at,
        "attempts": OUTBOX.c.attempts + 1,
        "subject": case(subjects, value=OUTBOX.c.id),
    }
    if missing_ids:  # rows queued long ago, before Message-IDs were fixed at queueing
        claim["message_id"] = case(missing_ids, value=OUTBOX.c.id, else_=OUTBOX.c.message_id)
    journal.claim(claimed_at, list(subjects))  # before the commit: a kill after it is covered
    claimed = set(
        session.scalars(
            update(OUTBOX)
            .where(OUTBOX.c.id.in_(list(subjects)), OUTBOX.c.status == OutboxStatus.PENDING)
            .values(**claim)
            .returning(OUTBOX.c.id)
        )
    )
    session.commit()  # the claim is durable before the first byte of SMTP
    return claimed


def _prepare(
    session: Session, mailer: SmtpMailer, sender: BackgroundSender, b: SendBatch, ids: list[int]
) -> list[tuple[Any, OutgoingEmail]]:
    """Compose a chunk and claim it (committed); what comes back may be handed to SMTP."""
    ready, clicks = _compose(session, b, ids)
    if ready and mailer.down:
        _defer(session, b, ready)
        ready = []
    if not ready:
        session.commit()
        return []
    insert_rows(session, TrackedLink.__table__, clicks, ["outbound_email_id", "position"])
    sender.reserve()  # composing overlapped the sending; claiming waits until a batch is done
    assert sender.journal is not None
    claimed = _claim(session, b, sender.journal, ready)
    b.counts["skipped"] += len(ready) - len(claimed)  # another send claimed those first
    if after_claim is not None:
        after_claim(sorted(claimed))
    if not claimed:
        sender.room.release()
    return [(r, m) for r, m in ready if r["id"] in claimed]


def _send_chunks(
    mailer: SmtpMailer, sender: BackgroundSender, b: SendBatch, ids: list[int]
) -> None:
    for start in range(0, len(ids), CHUNK):
        with session_scope() as session:
            batch = _prepare(session, mailer, sender, b, ids[start : start + CHUNK])
            if batch:
                sender.submit([(row["id"], (row, message), message) for row, message in batch])
            collect(session, b, sender, wait=False)


def send_outbox(outbox_ids: list[int], now: datetime | None = None) -> SendSummary:
    """Send queued emails over one SMTP connection; each row at most once. Rows of sends that
    died are settled first, and those never handed over go out with this one."""
    settings, at, run_id = get_settings(), as_utc(now), current_flow_run_id()
    ids = sorted(set(outbox_ids) | set(recover_dead_sends(at, run_id)))
    if not ids:
        return SendSummary()
    # Once per batch: every email of the batch follows one policy version and one template set.
    policy = nurture_policy()
    composer = Composer(settings, policy, Renderer(settings.templates_dir), rep_readers(policy))
    b = SendBatch(composer, at, run_id)
    journal = SendJournal(journal_dir(settings), settings.outbox_journal_fsync)
    journal.plan(ids)
    clean = False  # every claimed row confirmed: the journal has nothing left to say
    with SmtpMailer(settings) as mailer:
        sender = BackgroundSender(mailer, journal, after_accept)
        try:
            _send_chunks(mailer, sender, b, ids)
            clean = True
        finally:
            sender.close()
            try:
                with session_scope() as session:
                    collect(session, b, sender, wait=True)
            except BaseException:
                clean = False
                raise
            finally:  # otherwise the journal stays, for the next send to settle from
                journal.close(remove=clean)
    log().info("outbox: %s", ", ".join(f"{n} {k}" for k, n in b.counts.items()))
    return SendSummary(**b.counts)

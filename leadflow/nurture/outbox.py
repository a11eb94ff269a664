"""The outbox: queue emails as rows, then send each at most once.

Rows go in chunks: compose every row, claim them all (pending -> sending, one statement,
committed before any SMTP), then hand the chunk to a sender thread that speaks SMTP over
one reused connection while the next chunk is composed. Sends are confirmed in groups.
A crash leaves at most two chunks 'sending'; none is ever sent twice. What then happens
to a 'sending' row is the policy in leadflow.nurture.outbox_timing.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from jinja2 import TemplateError
from sqlalchemy import bindparam, case, insert, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from leadflow.core.clock import as_utc
from leadflow.core.db import session_scope
from leadflow.core.decisions import decision_row, record
from leadflow.nurture.compose import LEAD_COLUMNS, Composer
from leadflow.nurture.outbox_timing import next_attempt
from leadflow.nurture.render_steps import Renderer
from leadflow.core.summary import SendSummary
from leadflow.core.erasure_keys import erasure_key
from leadflow.core.errors import TransientDeliveryError
from leadflow.nurture.mailer import (
    BackgroundSender,
    OutgoingEmail,
    RecipientRejected,
    SmtpMailer,
    UncertainDeliveryError,
    new_message_id,
)
from leadflow.core.models import (
    Assignment,
    Campaign,
    Decision,
    Enrollment,
    Lead,
    OutboundEmail,
    Rep,
    Suppression,
    TrackedLink,
)
from leadflow.core.settings import get_settings
from leadflow.core.runtime import current_flow_run_id, log
from leadflow.nurture.consent_store import consent_facts
from leadflow.nurture.policy import NurturePolicy, nurture_policy
from leadflow.nurture.rep_notice import RepDirectory, rep_directory
from leadflow.routing.policy import routing_policy

CHUNK = 500
CONFIRM_EVERY = 100  # a commit costs milliseconds: confirm sends in groups, not one by one
OUTBOX = OutboundEmail.__table__
SUMMARY_KEYS = ("sent", "bounced", "deferred", "skipped")  # unknown and failed count as skipped
# Test hook: called with the claimed ids after the claim commit and before any SMTP.
after_claim: Callable[[list[int]], None] | None = None


def insert_rows(
    session: Session, table: Any, rows: list[dict[str, Any]], conflict_keys: list[str] | None = None
) -> None:
    """One executemany for many rows (pipelined by psycopg: measured fastest on PostgreSQL,
    ahead of multi-row VALUES and of RETURNING). With conflict_keys, rows already there are skipped."""
    if not rows:
        return
    statement: Any = insert(table)
    if conflict_keys:  # ON CONFLICT DO NOTHING is spelt by each dialect's own insert()
        dialect_insert = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}[
            session.get_bind().dialect.name
        ]
        statement = dialect_insert(table).on_conflict_do_nothing(index_elements=conflict_keys)
    session.execute(statement, rows)


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
                "status": "pending",
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
        session.execute(select(OUTBOX.c.id, OUTBOX.c.status).where(OUTBOX.c.dedupe_key.in_(keys)))
        if keys
        else []
    )
    return [row_id for row_id, status in found if status == "pending"]


def queue_rep_notifications(assignment_ids: list[int], now: datetime | None = None) -> list[int]:
    at, queued = as_utc(now), []
    with session_scope() as session:
        for assignment in session.scalars(
            select(Assignment).where(Assignment.id.in_(assignment_ids))
        ):
            rep = session.get(Rep, assignment.rep)
            if rep is None:
                continue
            outbox_id = queue_email(
                session,
                dedupe_key=f"rep:{assignment.id}",
                kind="rep_notification",
                lead_id=assignment.lead_id,
                to_addr=rep.email,
                at=at,
                assignment_id=assignment.id,
            )
            if outbox_id:
                queued.append(outbox_id)
    return queued


def rep_readers(policy: NurturePolicy) -> RepDirectory:
    """Each rep's zone and language and the routing rules' words, for rep notifications."""

    routing = routing_policy()
    return rep_directory(routing.teams, routing.rules, policy.locales)


def suppressions(session: Session, emails: Iterable[str]) -> dict[str, str]:
    """Lower-cased address -> reason, for those on the global suppression list, by address or
    by the salted hash an erased person's address left there."""
    wanted = sorted({e.lower() for e in emails})
    if not wanted:
        return {}
    secret = get_settings().secret_key.get_secret_value()
    keys = {erasure_key(secret, address): address for address in wanted}
    listed = select(Suppression.email, Suppression.reason).where(
        Suppression.email.in_([*wanted, *keys])
    )
    return {keys.get(found, found): reason for found, reason in session.execute(listed)}


def suppress(session: Session, email: str, reason: str, note: str | None, at: datetime) -> bool:
    """Put an address on the list (first reason wins); True if it was not on it."""
    address = email.strip().lower()
    known = session.get(Suppression, address) is not None
    insert_rows(
        session,
        Suppression.__table__,
        [{"email": address, "reason": reason, "note": note, "suppressed_at": at}],
        ["email"],
    )
    return not known


@dataclass
class _Batch:
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


def outbox_rows(session: Session, *where: Any) -> list[Any]:
    """Outbox rows in the shape Composer.compose reads, in one joined query."""
    lead = [getattr(Lead, name).label(f"l_{name}") for name in LEAD_COLUMNS]
    return list(
        session.execute(
            select(
                OUTBOX,
                Enrollment.sequence,
                Enrollment.status.label("enrollment_status"),
                *lead,
                Campaign.name.label("campaign_name"),
                Assignment.status.label("assignment_status"),
                Assignment.rule_id,
                Assignment.sla_due_at,
                Assignment.assigned_at,
                Rep.name.label("rep_name"),
                Assignment.rep.label("rep_key"),
            )
            .select_from(OUTBOX)
            .outerjoin(Lead, Lead.id == OUTBOX.c.lead_id)
            .outerjoin(Enrollment, Enrollment.id == OUTBOX.c.enrollment_id)
            .outerjoin(Campaign, Campaign.id == Lead.first_campaign_id)
            .outerjoin(Assignment, Assignment.id == OUTBOX.c.assignment_id)
            .outerjoin(Rep, Rep.key == Assignment.rep)
            .where(*where)
            .order_by(OUTBOX.c.id)
        ).mappings()
    )


def _mark(session: Session, rows: list[dict[str, Any]]) -> None:
    """Per-row status updates in one executemany."""
    if rows:
        session.execute(
            update(OUTBOX)
            .where(OUTBOX.c.id == bindparam("row_id"))
            .values(
                status=bindparam("new_status"),
                error=bindparam("new_error"),
                next_attempt_at=bindparam("retry_at"),
            ),
            rows,
        )


def _settle(
    session: Session, b: _Batch, row: Any, exc: Exception, marks: list[dict[str, Any]]
) -> None:
    """A send that did not succeed: retry later, bounce, or leave for a person (unknown)."""
    error, retry_at, status = str(exc)[:2000], None, "bounced"
    if isinstance(exc, UncertainDeliveryError):
        status = "unknown"
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
        status = "pending" if retry_at else "failed"
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
    b.counts[{"pending": "deferred", "bounced": "bounced"}.get(status, "skipped")] += 1
    marks.append(
        {"row_id": row["id"], "new_status": status, "new_error": error, "retry_at": retry_at}
    )


def _hard_bounce(session: Session, b: _Batch, row: Any, error: str) -> None:
    suppress(session, row["to_addr"], "hard_bounce", error[:500], b.at)
    session.execute(
        update(Lead)
        .where(Lead.id == row["lead_id"])
        .values(suppressed=True, suppression_reason="hard bounce")
    )
    session.execute(
        update(Enrollment)
        .where(Enrollment.lead_id == row["lead_id"], Enrollment.status == "active")
        .values(status="exited", exit_reason="bounced", ended_at=b.at)
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


def _confirm(session: Session, b: _Batch, failed: list[dict[str, Any]]) -> None:
    """Write what SMTP said: the sends in one statement, failures per row, every decision; commit."""
    _mark(session, failed)
    if b.sent:
        session.execute(
            update(OUTBOX)
            .where(OUTBOX.c.id.in_([r["id"] for r in b.sent]))
            .values(status="sent", sent_at=b.at, error=None, next_attempt_at=None)
        )
        b.decisions += [b.composer.send_decision(r, b.at, b.run_id) for r in b.sent]
    insert_rows(session, Decision.__table__, b.decisions)
    session.commit()
    b.sent, b.decisions = [], []


def _prepare(
    session: Session, mailer: SmtpMailer, sender: BackgroundSender, b: _Batch, ids: list[int]
) -> list[tuple[Any, OutgoingEmail]]:
    """Compose a chunk and claim it (committed); what comes back may be handed to SMTP."""
    rows = outbox_rows(
        session,
        OUTBOX.c.id.in_(ids),
        OUTBOX.c.status == "pending",
        or_(OUTBOX.c.next_attempt_at.is_(None), OUTBOX.c.next_attempt_at <= b.at),
    )
    clicks, ready, marks = [], [], []
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
                    "new_status": "skipped",
                    "new_error": composed,
                    "retry_at": None,
                }
            )
        else:
            ready.append((row, composed))
    _mark(session, marks)
    if ready and mailer.down:  # nothing claimed, nothing spoken: all wait for the next tick
        _mark(
            session,
            [
                {
                    "row_id": r["id"],
                    "new_status": "pending",
                    "new_error": "SMTP unreachable",
                    "retry_at": next_attempt(1, b.at),
                }
                for r, _ in ready
            ],
        )
        b.counts["deferred"] += len(ready)
        ready = []
    if not ready:
        session.commit()
        return []
    insert_rows(session, TrackedLink.__table__, clicks, ["outbound_email_id", "position"])
    subjects = {r["id"]: m.subject[:500] for r, m in ready}
    missing_ids = {
        r["id"]: m.message_id for r, m in ready if r["message_id"] is None
    }  # rows queued long ago
    claim = {
        "status": "sending",
        "claimed_at": b.now(),
        "attempts": OUTBOX.c.attempts + 1,
        "subject": case(subjects, value=OUTBOX.c.id),
    }
    if missing_ids:
        claim["message_id"] = case(missing_ids, value=OUTBOX.c.id, else_=OUTBOX.c.message_id)
    sender.reserve()  # composing overlapped the sending; claiming waits until a batch is done
    # One statement claims the whole chunk; RETURNING says which rows no other run took first.
    claimed = set(
        session.scalars(
            update(OUTBOX)
            .where(OUTBOX.c.id.in_(list(subjects)), OUTBOX.c.status == "pending")
            .values(**claim)
            .returning(OUTBOX.c.id)
        )
    )
    session.commit()  # the claim is durable before the first byte of SMTP
    b.counts["skipped"] += len(ready) - len(claimed)  # another run claimed those first
    if after_claim is not None:
        after_claim(sorted(claimed))
    if not claimed:
        sender.room.release()
    return [(r, m) for r, m in ready if r["id"] in claimed]


def _collect(session: Session, b: _Batch, sender: BackgroundSender, wait: bool) -> None:
    """Record what the sender finished; sends are confirmed in groups of CONFIRM_EVERY."""
    failed: list[dict[str, Any]] = []
    for result in sender.results(wait):
        row, message = result.key
        if result.error is None:
            b.sent.append({**row, "message_id": message.message_id})
            b.counts["sent"] += 1
        else:
            _settle(session, b, row, result.error, failed)
        if len(b.sent) >= CONFIRM_EVERY:
            _confirm(session, b, failed)
            failed = []
    if wait or failed or b.decisions:
        _confirm(session, b, failed)


def send_outbox(outbox_ids: list[int], now: datetime | None = None) -> SendSummary:
    """Send queued emails over one SMTP connection; each row at most once."""
    if not outbox_ids:
        return SendSummary()
    settings = get_settings()
    # Once per batch: every email of the batch follows one policy version and one template set.
    policy = nurture_policy()
    composer = Composer(settings, policy, Renderer(settings.templates_dir), rep_readers(policy))
    b = _Batch(composer, as_utc(now), current_flow_run_id())
    ids = sorted(set(outbox_ids))
    with SmtpMailer(settings) as mailer:
        sender = BackgroundSender(mailer)
        try:
            for start in range(0, len(ids), CHUNK):
                with session_scope() as session:
                    batch = _prepare(session, mailer, sender, b, ids[start : start + CHUNK])
                    if batch:
                        sender.submit([((row, message), message) for row, message in batch])
                    _collect(session, b, sender, wait=False)
        finally:
            sender.close()
            with session_scope() as session:
                _collect(session, b, sender, wait=True)
    log().info("outbox: %s", ", ".join(f"{n} {k}" for k, n in b.counts.items()))
    return SendSummary(**b.counts)

"""Outbox rows in and out of the database: bulk inserts, the suppression list, status marks."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from leadflow.core.erasure_keys import erasure_key
from leadflow.core.models import (
    Assignment,
    Campaign,
    Enrollment,
    Lead,
    OutboundEmail,
    Rep,
    Suppression,
)
from leadflow.core.settings import get_settings
from leadflow.core.value_lists import among
from leadflow.nurture.compose import LEAD_COLUMNS

OUTBOX = OutboundEmail.__table__


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


def suppressions(session: Session, emails: Iterable[str]) -> dict[str, str]:
    """Lower-cased address -> reason, for those on the global suppression list, by address or
    by the salted hash an erased person's address left there."""
    wanted = sorted({e.lower() for e in emails})
    if not wanted:
        return {}
    secret = get_settings().secret_key.get_secret_value()
    keys = {erasure_key(secret, address): address for address in wanted}
    listed = select(Suppression.email, Suppression.reason).where(
        among(Suppression.email, [*wanted, *keys])
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


def mark_rows(session: Session, rows: list[dict[str, Any]]) -> None:
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

"""Stored leads that may be the same person as a batch's new rows: one indexed query per key.

Keys (each robust to a different change): the mailbox (Gmail dots and plus tags), the E.164
phone, a company domain + the name key, the company key + the name key. A key value shared by
more than ``cap`` leads (a switchboard number, a common name at a large company) finds nothing:
such a key cannot tell people apart and comparing all of them would be slow.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.orm import Session

from leadflow.dedupe.exact import MERGEABLE_FIELDS
from leadflow.core.models import Lead, LeadAlias, LeadNameCount
from leadflow.core.value_lists import among

CHUNK = 500
ALL_LEADS = ""  # LeadNameCount's row counting every live lead
MERGED_AWAY = "merged"  # Lead.suppression_reason of a lead folded into another by review
LEAD_FIELDS = (
    "id",
    "email",
    "domain",
    "is_free_mail",
    "email_key",
    "domain_name_key",
    "company_name_key",
    *MERGEABLE_FIELDS,
)


@dataclass(frozen=True)
class RowKeys:
    """What a new row is looked up by (None: not looked up by that key)."""

    mailbox: str | None
    phone: str | None
    domain_name: str | None
    company_name: str | None


# What comparing a row with a candidate reads (scoring.FIELDS, the mailbox, the free-mail
# flag): a row meets up to ~20 candidates on a large base, and only its best match is merged,
# so the rest of a lead's fields are read for the matches alone (leads_by_id).
CANDIDATE_FIELDS = (
    "id",
    "email",
    "email_key",
    "domain",
    "is_free_mail",
    "full_name",
    "company",
    "phone_e164",
    "city",
    "country",
)


def _columns(names: Sequence[str] = LEAD_FIELDS) -> list[Any]:
    return [getattr(Lead, name) for name in names]


def _live() -> ColumnElement[bool]:
    return or_(Lead.suppression_reason.is_(None), Lead.suppression_reason != MERGED_AWAY)


def _chunks(values: Iterable[Any]) -> Iterable[list[Any]]:
    ordered = sorted(set(values))
    for i in range(0, len(ordered), CHUNK):
        yield ordered[i : i + CHUNK]


def _by_value(
    session: Session, column: Any, values: Iterable[str], cap: int, seen: dict[int, dict[str, Any]]
) -> dict[str, list[dict[str, Any]]]:
    """Per value held by at most ``cap`` live leads, those leads; a value held by more finds
    nothing (it cannot tell people apart) and none of its holders is sent: the database counts
    them. A lead already in ``seen`` (found by another key) is that same dict: built once,
    scored once."""
    counted = select(
        *_columns(CANDIDATE_FIELDS),
        column.label("key_value"),
        func.count().over(partition_by=column).label("holders"),
    )
    found: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for chunk in _chunks(values):
        inner = counted.where(among(column, chunk), _live()).subquery()
        query = select(*[inner.c[name] for name in CANDIDATE_FIELDS], inner.c.key_value).where(
            inner.c.holders <= cap
        )
        # Plain tuples zipped with the names: a Row's mapping costs several times as much.
        for *fields, value in session.execute(query).tuples():
            lead = seen.get(fields[0])
            if lead is None:
                lead = seen[fields[0]] = dict(zip(CANDIDATE_FIELDS, fields, strict=True))
            found[value].append(lead)
    return found


def find_candidates(
    session: Session, keys: Sequence[RowKeys], cap: int
) -> list[list[dict[str, Any]]]:
    """Per row, the distinct live stored leads sharing one of its keys (their
    ``CANDIDATE_FIELDS``)."""
    seen: dict[int, dict[str, Any]] = {}
    tables = [
        _by_value(session, column, [getattr(k, attr) for k in keys if getattr(k, attr)], cap, seen)
        for attr, column in (
            ("mailbox", Lead.email_key),
            ("phone", Lead.phone_e164),
            ("domain_name", Lead.domain_name_key),
            ("company_name", Lead.company_name_key),
        )
    ]
    out = []
    for k in keys:
        leads: dict[int, dict[str, Any]] = {}
        for table, value in zip(
            tables, (k.mailbox, k.phone, k.domain_name, k.company_name), strict=True
        ):
            hits = table.get(value, ()) if value is not None else ()
            leads.update((lead["id"], lead) for lead in hits if lead["id"] not in leads)
        out.append(list(leads.values()))
    return out


def alias_owners(session: Session, emails: Iterable[str]) -> dict[str, int]:
    """Addresses kept beside a lead ("keep both") -> that lead (the oldest alias wins)."""
    owners: dict[str, int] = {}
    for chunk in _chunks(emails):
        for value, lead_id in session.execute(
            select(LeadAlias.value, LeadAlias.lead_id)
            .where(LeadAlias.kind == "email", among(LeadAlias.value, chunk))
            .order_by(LeadAlias.id)
        ).tuples():
            owners.setdefault(value, lead_id)
    return owners


def alias_events(session: Session, emails: Iterable[str]) -> dict[str, int]:
    """Addresses kept beside a lead by a merge -> that merge's event (the oldest alias wins)."""
    events: dict[str, int] = {}
    for chunk in _chunks(emails):
        for value, event_id in session.execute(
            select(LeadAlias.value, LeadAlias.merge_event_id)
            .where(
                LeadAlias.kind == "email",
                among(LeadAlias.value, chunk),
                LeadAlias.merge_event_id.is_not(None),
            )
            .order_by(LeadAlias.id)
        ).tuples():
            events.setdefault(value, event_id)
    return events


def leads_by_id(session: Session, ids: Iterable[int]) -> dict[int, dict[str, Any]]:
    found: dict[int, dict[str, Any]] = {}
    ordered = sorted(set(ids))
    for i in range(0, len(ordered), CHUNK):
        for row in session.execute(
            select(*_columns()).where(among(Lead.id, ordered[i : i + CHUNK]))
        ):
            found[row.id] = dict(row._mapping)
    return found


def name_counts(session: Session, keys: Iterable[str]) -> tuple[dict[str, int], int]:
    """How many live leads hold each of these name keys, and how many live leads there are:
    primary-key reads of the counts the database keeps (LeadNameCount), flat as the base grows."""
    counts: dict[str, int] = {}
    for chunk in _chunks([*keys, ALL_LEADS]):
        counts.update(
            session.execute(
                select(LeadNameCount.name_key, LeadNameCount.n).where(
                    among(LeadNameCount.name_key, chunk), LeadNameCount.n > 0
                )
            )
            .tuples()
            .all()
        )
    return counts, counts.pop(ALL_LEADS, 0)

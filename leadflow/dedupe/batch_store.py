"""What a clean+dedupe batch reads and writes besides the matching: staged rows, the leads held
for its emails, quarantine and record updates, campaign memberships. Set-based: a few
statements per batch, chunked IN lists on indexed columns."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Row, Select, bindparam, delete, func, select, update
from sqlalchemy.orm import Session

from leadflow.core.bulk_writes import KeyedUpdate, insert_rows
from leadflow.core.plain_rows import fetch_plain
from leadflow.core.statuses import RowStatus
from leadflow.core.erasure_keys import erased_addresses
from leadflow.core.models import CampaignMember, Lead, QualificationAnswer, SourceRecord
from leadflow.core.models.leads import payload_digest
from leadflow.core.settings import get_settings
from leadflow.core.summary import BatchOutcome
from leadflow.core.types import CleanLead, Quarantined
from leadflow.dedupe.exact import MergePlan
from leadflow.dedupe.merging.candidates import LEAD_FIELDS, alias_events, alias_owners, leads_by_id
from leadflow.dedupe.merging.keys import LeadKeys
from leadflow.dedupe.merging.matches import row_keys
from leadflow.dedupe.merging.persist import attach_rows
from leadflow.dedupe.policy import MatchingPolicy
from leadflow.core.value_lists import among

CHUNK = 500
LINKED = frozenset((RowStatus.CREATED, RowStatus.MERGED))  # a row that made or joined a lead
# Tables a batch looks up by key: their planner statistics are refreshed as they grow.
# The tables a batch's cleaning looks up, with the columns its lookups filter by: the
# statistics analyze_grown keeps for their plans.
LOOKED_UP: dict[str, tuple[str, ...]] = {
    "lead": (
        "email",
        "email_key",
        "phone_e164",
        "domain_name_key",
        "company_name_key",
        "suppression_reason",
    ),
    "source_record": ("campaign_id", "status", "lead_id"),
    "lead_alias": ("kind", "value"),
    "campaign_member": ("campaign_id", "lead_id"),
    "lead_name_count": ("name_key", "n"),
}
# The tables the stages after cleaning look up by a batch's lead ids, which grow with every
# batch too. Their statistics are kept here, once per batch, with the cleaner's own: without
# them a server that never analyses (CI's, many bulk-load setups) plans `lead_id = ANY(500
# ids)` on enrollment as a walk of every active row (18 ms per statement at 16k rows).
LATER_LOOKED_UP: dict[str, tuple[str, ...]] = {
    "enrollment": ("lead_id", "status"),
    "assignment": ("lead_id", "status"),
    "decision": ("lead_id", "kind"),
}
ANALYZED = {**LOOKED_UP, **LATER_LOOKED_UP}
# Of those, the tables whose looked-up columns change after the insert: a source row's status
# and lead, set when it is cleaned. Their rewrites count towards a new ANALYZE too.
REWRITTEN = frozenset({"source_record"})
RECORD_OUTCOME = KeyedUpdate(
    SourceRecord.__table__,
    "id",
    {"status": "status", "reason_code": "reason_code", "reason": "reason", "lead_id": "lead_id"},
)


def _in_batch(campaign_id: int, first_id: int, last_id: int) -> ColumnElement[bool]:
    """The batch's rows, by primary key alone. Whether each is the campaign's and still staged
    is checked on the rows found, not in SQL: given either, PostgreSQL plans the lookup
    through the status or the campaign index whenever its statistics make those look rare
    (a new campaign, or a file staged after the base was cleaned and analysed, since the last
    ANALYZE), and then reads every such row for each batch: every staged row of every
    campaign, or every row of the new campaign."""
    return SourceRecord.id.between(first_id, last_id)


def _still_staged(campaign_id: int, row: Row) -> bool:
    return row.campaign_id == campaign_id and row.status == RowStatus.STAGED


def staged_rows(
    session: Session,
    campaign_id: int,
    first_id: int,
    last_id: int,
    only: Sequence[int] | None = None,
) -> list[Row]:
    """The batch's rows still staged (id, line_no, payload, payload_hash, source_name), in id
    order; with ``only``, just those of them."""
    query = select(
        SourceRecord.id,
        SourceRecord.line_no,
        SourceRecord.payload,
        SourceRecord.payload_hash,
        SourceRecord.source_name,
        SourceRecord.campaign_id,
        SourceRecord.status,
    ).where(_in_batch(campaign_id, first_id, last_id))
    if only is not None:
        query = query.where(among(SourceRecord.id, only))
    rows = fetch_plain(session, query.order_by(SourceRecord.id))
    return [row for row in rows if _still_staged(campaign_id, row)]


def staged_versions(
    session: Session, campaign_id: int, first_id: int, last_id: int
) -> list[tuple[int, str]]:
    """(id, payload_hash) of the batch's rows still staged, in id order: which rows changed
    since a read, without reading their payloads again."""
    query = (
        select(
            SourceRecord.id,
            SourceRecord.payload_hash,
            SourceRecord.campaign_id,
            SourceRecord.status,
        )
        .where(_in_batch(campaign_id, first_id, last_id))
        .order_by(SourceRecord.id)
    )
    return [
        (row.id, row.payload_hash)
        for row in session.connection().execute(query)
        if _still_staged(campaign_id, row)
    ]


def existing_leads(session: Session, emails: set[str], aliases: bool = True) -> dict[str, dict]:
    """Leads we hold for these emails: id plus the fields a merge may fill. An address kept
    beside a lead by a fuzzy merge ("keep both") finds that lead."""
    found: dict[str, dict] = {}
    ordered = sorted(emails)
    columns = [getattr(Lead, name) for name in LEAD_FIELDS]
    for i in range(0, len(ordered), CHUNK):
        for row in session.connection().execute(
            select(*columns).where(among(Lead.email, ordered[i : i + CHUNK]))
        ):
            found[row.email] = dict(row._mapping)
    owners = alias_owners(session, emails) if aliases else {}
    leads = leads_by_id(session, owners.values())
    found.update({email: leads[lead_id] for email, lead_id in owners.items() if lead_id in leads})
    return found


def insert_leads(session: Session, values: list[dict[str, Any]]) -> dict[str, int]:
    """Insert new leads; their ids by email. One COPY on PostgreSQL (``insert_rows``: the name
    counts' trigger fires once, not once per lead), then one lookup of ids: measured on
    PostgreSQL, INSERT ... RETURNING over the same rows took 2-10x longer than an executemany,
    and RETURNING over many rows is quadratic in SQLAlchemy's SQLite path."""
    insert_rows(session, Lead.__table__, values)
    ordered = sorted(value["email"] for value in values)
    found: dict[str, int] = {}
    for i in range(0, len(ordered), CHUNK):
        chunk = ordered[i : i + CHUNK]
        rows = session.connection().execute(
            select(Lead.email, Lead.id).where(among(Lead.email, chunk))
        )
        found.update({email: lead_id for email, lead_id in rows.tuples()})
    return found


def refuse_erased(
    session: Session, results: list[CleanLead | Quarantined]
) -> list[CleanLead | Quarantined]:
    """A row of a person who had their data erased creates nothing: it is quarantined and its
    content dropped at once (the hash of their address on the suppression list says who)."""
    emails = {r.email for r in results if isinstance(r, CleanLead)}
    erased = erased_addresses(session, get_settings().secret_key.get_secret_value(), emails)
    if not erased:
        return results
    refused = [r for r in results if isinstance(r, CleanLead) and r.email in erased]
    refused_ids = [r.source_record_id for r in refused]
    session.execute(
        update(SourceRecord)
        .where(among(SourceRecord.id, refused_ids))
        .values(payload={}, payload_hash=payload_digest({}))
    )
    return [
        Quarantined(r.source_record_id, r.line_no, "erased", "the person asked for erasure")
        if isinstance(r, CleanLead) and r.email in erased
        else r
        for r in results
    ]


def quarantine_updates(
    results: Sequence[CleanLead | Quarantined], outcome: BatchOutcome
) -> list[dict[str, Any]]:
    """Source-record updates for the rows quarantined, counted in ``outcome``."""
    updates = []
    for bad in (r for r in results if isinstance(r, Quarantined)):
        updates.append(record_update(bad.source_record_id, "quarantined", None, bad.kind))
        updates[-1]["reason"] = f"line {bad.line_no}: {bad.reason}"
        outcome.quarantine_reasons[bad.kind] += 1
    return updates


def record_update(
    record_id: int, status: str, lead_id: int | None, reason_code: str | None = None
) -> dict[str, Any]:
    return {
        "id": record_id,
        "status": status,
        "reason_code": reason_code,
        "reason": None,
        "lead_id": lead_id,
    }


def write_records(session: Session, updates: list[dict[str, Any]]) -> None:
    """Every row's outcome (status, reason, lead) in one statement per batch on PostgreSQL
    (``KeyedUpdate``: the batch as one JSON parameter) and one UPDATE ... FROM (VALUES ...)
    per chunk on SQLite (3.33+), where an executemany of single-row updates costs a statement
    per row. On SQLite the driver's own SQL: parsing thousands of named parameters in a text()
    construct costs more than the update."""
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        RECORD_OUTCOME.run(session, updates)
        return
    row = "(?, ?, ?, ?, ?)"
    for i in range(0, len(updates), CHUNK):
        chunk = updates[i : i + CHUNK]
        params = tuple(
            value
            for u in chunk
            for value in (u["id"], u["status"], u["reason_code"], u["reason"], u["lead_id"])
        )
        connection.exec_driver_sql(
            # VALUES columns are column1..column5 (SQLite takes no alias list)
            "UPDATE source_record SET status = v.column2, reason_code = v.column3,"
            " reason = v.column4, lead_id = CAST(v.column5 AS INTEGER)"
            f" FROM (VALUES {', '.join([row] * len(chunk))}) AS v"
            " WHERE source_record.id = CAST(v.column1 AS INTEGER)",
            params,
        )


def quarantine_refused(session: Session, record_id: int, code: str, message: str) -> None:
    line_no = session.scalar(select(SourceRecord.line_no).where(SourceRecord.id == record_id))
    session.execute(
        update(SourceRecord)
        .where(SourceRecord.id == record_id)
        .values(
            status=RowStatus.QUARANTINED,
            reason_code=code,
            reason=f"line {line_no}: {message}",
            lead_id=None,
        )
    )


def _rows_per_file_query(campaign_id: int, lead_ids: Sequence[int]) -> Select[Any]:
    """Rows per lead, source file and status in a campaign, found by (campaign, lead) only.

    The status is grouped by, not filtered on: a filter on it let PostgreSQL plan the lookup
    through the status index whenever its statistics were gathered while the campaign's rows
    were all staged (the first batch analyses the freshly staged file), and then each batch
    read every row the campaign had cleaned so far: 50 µs per row over the campaign's first
    100k rows, 320 over its fourth (docs/scaling.md, eighth session)."""
    return (
        select(SourceRecord.lead_id, SourceRecord.source_hash, SourceRecord.status, func.count())
        .where(SourceRecord.campaign_id == campaign_id, among(SourceRecord.lead_id, lead_ids))
        .group_by(SourceRecord.lead_id, SourceRecord.source_hash, SourceRecord.status)
    )


def _rows_per_file(session: Session, campaign_id: int, lead_ids: set[int]) -> dict[int, int]:
    """Per lead, its most rows in any one source file of this campaign (this batch included):
    the rows that created it and those merged into it, together."""
    per_file: dict[tuple[int, str], int] = defaultdict(int)
    ordered = sorted(lead_ids)
    for i in range(0, len(ordered), CHUNK):
        query = _rows_per_file_query(campaign_id, ordered[i : i + CHUNK])
        for lead_id, source_hash, status, n in session.execute(query).tuples():
            if status in LINKED:
                per_file[(lead_id, source_hash)] += n
    counts: dict[int, int] = {}
    for (lead_id, _), n in per_file.items():
        counts[lead_id] = max(counts.get(lead_id, 0), n)
    return counts


def _held_touches(session: Session, campaign_id: int, lead_ids: list[int]) -> dict[int, int]:
    held: dict[int, int] = {}
    for i in range(0, len(lead_ids), CHUNK):
        held.update(
            session.execute(
                select(CampaignMember.lead_id, CampaignMember.touches).where(
                    CampaignMember.campaign_id == campaign_id,
                    among(CampaignMember.lead_id, lead_ids[i : i + CHUNK]),
                )
            )
            .tuples()
            .all()
        )
    return held


def touch_memberships(
    session: Session, campaign_id: int, lead_ids: list[int], at: datetime
) -> None:
    """One membership per lead and campaign. Each row of a file is a touch (someone who
    registered twice touched twice), but a corrected re-upload of the same list is not a
    new touch: the count is the most rows any one file of the campaign holds for the lead."""
    if not lead_ids:
        return
    # In lead order: a grouped query's row order is the plan's, and so would the new ids be.
    touches = dict(sorted(_rows_per_file(session, campaign_id, set(lead_ids)).items()))
    members = _held_touches(session, campaign_id, list(touches))
    new = [
        {
            "lead_id": lead_id,
            "campaign_id": campaign_id,
            "touches": n,
            "first_touch_at": at,
            "last_touch_at": at,
        }
        for lead_id, n in touches.items()
        if lead_id not in members
    ]
    if new:
        insert_rows(session, CampaignMember.__table__, new)
    grown = [
        {"l_id": lead_id, "n": touches[lead_id]}
        for lead_id, held in members.items()
        if touches[lead_id] > held
    ]
    if grown:
        table = CampaignMember.__table__
        session.execute(
            update(table)
            .where(table.c.campaign_id == campaign_id, table.c.lead_id == bindparam("l_id"))
            .values(touches=bindparam("n"), last_touch_at=at),
            grown,
        )


LEAD_COLUMNS = tuple(
    f for f in CleanLead.__dataclass_fields__ if f not in ("source_record_id", "line_no", "answers")
)


def lead_values(
    row: CleanLead,
    product_line: str | None,
    campaign_id: int,
    policy: MatchingPolicy,
    at: datetime | None,
    keys: LeadKeys | None = None,
) -> dict:
    """The lead a row creates: its columns, the campaign's defaults and its match keys
    (``keys``, when the batch has them already)."""
    values = {
        **{name: getattr(row, name) for name in LEAD_COLUMNS},
        "product_line": row.product_line or product_line,
        "first_campaign_id": campaign_id,
        **(keys or row_keys(row, policy)).columns(),
    }
    return values if at is None else {**values, "created_at": at, "updated_at": at}


def attach_alias_rows(session: Session, plan: MergePlan, existing: dict[str, dict]) -> None:
    """Rows that found their lead by an address a merge kept become part of that merge."""
    via_alias = [
        (row, email)
        for row, email, kind in plan.merges
        if kind == "existing" and existing[email].get("email") != email
    ]
    if not via_alias:
        return
    events = alias_events(session, {email for _, email in via_alias})
    rows_by_event: dict[int, list[int]] = {}
    for row, email in via_alias:
        if email in events:
            rows_by_event.setdefault(events[email], []).append(row.source_record_id)
    attach_rows(session, rows_by_event)


def store_answers(
    session: Session,
    known: set[tuple[str, str]],
    rows: list[tuple[int, CleanLead, str]],
    at: datetime,
) -> None:
    """Qualification answers from "<model>.<question>" columns; the latest answer wins."""
    for lead_id, row, source in rows:
        for model, question, answer in row.answers:
            if (model, question) not in known:
                continue
            session.execute(
                delete(QualificationAnswer).where(
                    QualificationAnswer.lead_id == lead_id,
                    QualificationAnswer.model == model,
                    QualificationAnswer.question == question,
                )
            )
            session.add(
                QualificationAnswer(
                    lead_id=lead_id,
                    model=model,
                    question=question,
                    answer=answer,
                    source=f"file:{source}"[:50],
                    answered_at=at,
                )
            )

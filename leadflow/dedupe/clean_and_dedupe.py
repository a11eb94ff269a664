"""Register a campaign; clean and dedupe staged rows in batches."""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from datetime import datetime
from typing import Any


from sqlalchemy import bindparam, delete, func, insert, select, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from leadflow.core.clock import as_utc
from leadflow.core.db import db_error_message, pipeline_lock, session_scope
from leadflow.core.erasure_keys import erased_addresses
from leadflow.dedupe.policy import MatchingPolicy, load_matching, weights_path
from leadflow.dedupe.exact import MergePlan, plan_batch
from leadflow.ingest.normalize import map_columns, normalize_row
from leadflow.core.summary import BatchOutcome
from leadflow.core.types import CleanLead, Quarantined
from leadflow.ingest.field_limits import hold_to_limits
from leadflow.core.lead_stages import mark_cleaned
from leadflow.dedupe.merging.batch import decision_row, merge_rows
from leadflow.dedupe.merging.candidates import LEAD_FIELDS, alias_events, alias_owners, leads_by_id
from leadflow.dedupe.merging.keys import mailbox_key
from leadflow.dedupe.merging.matches import (
    BatchMatch,
    FuzzyMatch,
    match_new_rows,
    match_within_batch,
    name_shares,
    row_keys,
)
from leadflow.dedupe.merging.persist import attach_rows, queue_review
from leadflow.dedupe.merging.scoring import Weights, load_weights
from leadflow.core.models import (
    Campaign,
    CampaignMember,
    Decision,
    Lead,
    QualificationAnswer,
    SourceRecord,
)
from leadflow.core.settings import get_settings
from leadflow.core.runtime import current_flow_run_id, log
from leadflow.ingest.policy import ingest_policy
from leadflow.scoring.qualification_policy import qualification_policy

INSERT_CHUNK = 1000
DATABASE_REFUSED = "database_refused"  # a row the database would not store, with its message


def register_campaign(
    name: str, channel: str, product_line: str | None, cost: float | None, started: datetime | None
) -> int:
    with session_scope() as session:
        campaign = session.scalar(select(Campaign).where(Campaign.name == name))
        if campaign is None:
            campaign = Campaign(
                name=name, channel=channel, product_line=product_line, cost=cost, started_at=started
            )
            session.add(campaign)
            session.flush()
        return campaign.id


def _canonical_fields(rec: Any, aliases: dict[str, list[str]]) -> dict[str, str] | Quarantined:
    """A staged payload in canonical fields, or why it cannot be read.

    Payload shapes: {"headers", "values"} for a table row, {"record": {...}} for a JSON
    record or a captured form (keys mapped by alias here), {"error", "error_kind"} for a
    row the reader could not decode.
    """
    payload = rec.payload
    if "error" in payload:
        return Quarantined(
            rec.id, rec.line_no, payload.get("error_kind", "unreadable"), payload["error"]
        )
    if "record" in payload:
        record = {str(k): "" if v is None else str(v) for k, v in payload["record"].items()}
        mapping, _ = map_columns(record, aliases)
        return {field: record[key] for key, field in mapping.items()}
    headers, values = payload["headers"], payload["values"]
    if len(values) != len(headers):
        return Quarantined(
            rec.id,
            rec.line_no,
            "wrong_field_count",
            f"wrong field count: expected {len(headers)}, got {len(values)}",
        )
    columns = _columns_for(tuple(headers), tuple(sorted((k, tuple(v)) for k, v in aliases.items())))
    return {columns[h]: v for h, v in zip(headers, values, strict=True) if h in columns}


@lru_cache(maxsize=64)
def _columns_for(
    headers: tuple[str, ...], aliases: tuple[tuple[str, tuple[str, ...]], ...]
) -> dict[str, str]:
    return map_columns(headers, dict(aliases))[0]


def _clean(records: Sequence[Any]) -> list[CleanLead | Quarantined]:
    """Rows with id, line_no and payload (staged source records) to clean leads or quarantine."""
    policy = ingest_policy()
    truncate = frozenset(policy.truncate)
    results: list[CleanLead | Quarantined] = []
    for rec in records:
        fields = _canonical_fields(rec, policy.aliases)
        row = (
            fields
            if isinstance(fields, Quarantined)
            else normalize_row(fields, rec.id, rec.line_no, policy.required)
        )
        results.append(hold_to_limits(row, truncate) if isinstance(row, CleanLead) else row)
    return results


LEAD_COLUMNS = tuple(
    f for f in CleanLead.__dataclass_fields__ if f not in ("source_record_id", "line_no", "answers")
)


def _existing_leads(session: Session, emails: set[str], aliases: bool = True) -> dict[str, dict]:
    """Leads we hold for these emails: id plus the fields a merge may fill. An address kept
    beside a lead by a fuzzy merge ("keep both") finds that lead."""
    found: dict[str, dict] = {}
    ordered = sorted(emails)
    columns = [getattr(Lead, name) for name in LEAD_FIELDS]
    for i in range(0, len(ordered), 500):
        for row in session.execute(select(*columns).where(Lead.email.in_(ordered[i : i + 500]))):
            found[row.email] = dict(row._mapping)
    owners = alias_owners(session, emails) if aliases else {}
    leads = leads_by_id(session, owners.values())
    found.update({email: leads[lead_id] for email, lead_id in owners.items() if lead_id in leads})
    return found


def _rows_per_file(session: Session, campaign_id: int, lead_ids: set[int]) -> dict[int, int]:
    """Per lead, its most rows in any one source file of this campaign (this batch included)."""
    counts: dict[int, int] = {}
    ordered = sorted(lead_ids)
    for i in range(0, len(ordered), 500):
        for lead_id, n in session.execute(
            select(SourceRecord.lead_id, func.count())
            .where(
                SourceRecord.campaign_id == campaign_id,
                SourceRecord.lead_id.in_(ordered[i : i + 500]),
                SourceRecord.status.in_(("created", "merged")),
            )
            .group_by(SourceRecord.lead_id, SourceRecord.source_hash)
        ).tuples():
            counts[lead_id] = max(counts.get(lead_id, 0), n)
    return counts


def _touch_memberships(
    session: Session, campaign_id: int, lead_ids: list[int], at: datetime
) -> None:
    """One membership per lead and campaign. Each row of a file is a touch (someone who
    registered twice touched twice), but a corrected re-upload of the same list is not a
    new touch: the count is the most rows any one file of the campaign holds for the lead."""
    if not lead_ids:
        return
    touches = _rows_per_file(session, campaign_id, set(lead_ids))
    members = dict(
        session.execute(
            select(CampaignMember.lead_id, CampaignMember.touches).where(
                CampaignMember.campaign_id == campaign_id, CampaignMember.lead_id.in_(list(touches))
            )
        )
        .tuples()
        .all()
    )
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
        session.execute(insert(CampaignMember), new)
    grown = [
        {"l_id": lead_id, "n": touches[lead_id]}
        for lead_id, held in members.items()
        if touches[lead_id] > held
    ]
    if grown:
        members_table = CampaignMember.__table__
        session.execute(
            update(members_table)
            .where(
                members_table.c.campaign_id == campaign_id,
                members_table.c.lead_id == bindparam("l_id"),
            )
            .values(touches=bindparam("n"), last_touch_at=at),
            grown,
        )


def matching_policy() -> MatchingPolicy:
    return load_matching(get_settings().ingest_dir)


def matching_weights(policy: MatchingPolicy) -> Weights:
    return load_weights(weights_path(get_settings().ingest_dir, policy))


def _lead_values(
    row: CleanLead,
    product_line: str | None,
    campaign_id: int,
    policy: MatchingPolicy,
    at: datetime | None,
) -> dict:
    """The lead a row creates: its columns, the campaign's defaults and its match keys."""
    values = {
        **{name: getattr(row, name) for name in LEAD_COLUMNS},
        "product_line": row.product_line or product_line,
        "first_campaign_id": campaign_id,
        **row_keys(row, policy).columns(),
    }
    return values if at is None else {**values, "created_at": at, "updated_at": at}


def _store_answers(session: Session, rows: list[tuple[int, CleanLead, str]], at: datetime) -> None:
    """Qualification answers from "<model>.<question>" columns; the latest answer wins."""
    known = {(m.id, q.id) for m in qualification_policy().models for q in m.questions}
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


def _attach_alias_rows(session: Session, plan: MergePlan, existing: dict[str, dict]) -> None:
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


def _point_at_batch_leads(
    within: dict[str, BatchMatch],
    created: dict[str, dict],
    lead_ids: dict[str, int],
    existing: dict[str, dict],
    fuzzy: dict[str, FuzzyMatch],
    version: int,
) -> None:
    """Rows matched to an earlier row of the batch, once that row's lead exists: a merge joins
    it as a fuzzy merge into a stored lead would (so undo splits it back out), a review pair
    is queued beside it."""
    for email, twin in within.items():
        lead = created[twin.into]
        fuzzy[email] = FuzzyMatch(
            lead, twin.probability, twin.action, "fuzzy-batch", twin.deciding, version
        )
        if twin.action == "merge":
            lead_ids[email] = lead["id"]
            existing[email] = lead


def _refuse_erased(
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
    session.execute(update(SourceRecord).where(SourceRecord.id.in_(refused_ids)).values(payload={}))
    return [
        Quarantined(r.source_record_id, r.line_no, "erased", "the person asked for erasure")
        if isinstance(r, CleanLead) and r.email in erased
        else r
        for r in results
    ]


def clean_batch(
    campaign_id: int, first_id: int, last_id: int, now: datetime | None = None
) -> BatchOutcome:
    """Normalize a batch, quarantine what is bad, create new leads, merge the rest.

    A row whose email we do not hold is compared with the stored leads its keys find
    (leadflow/dedupe/merging): above the policy's auto_merge probability it joins that lead, above
    review it creates its own lead and the pair is queued. Set-based: a handful of statements
    per batch, not per row. A batch the database refuses (not a lock: those are retried) is
    done again row by row, so one bad row is quarantined and cannot block the others.
    """
    at, run_id = as_utc(now), current_flow_run_id()
    try:
        return _clean_range(campaign_id, first_id, last_id, at, run_id)
    except DBAPIError as exc:
        log().warning(
            "batch %d-%d refused by the database (%s): row by row",
            first_id,
            last_id,
            db_error_message(exc),
        )
    outcome = BatchOutcome()
    with session_scope() as session:
        ids = list(
            session.scalars(
                select(SourceRecord.id)
                .where(
                    SourceRecord.id.between(first_id, last_id),
                    SourceRecord.campaign_id == campaign_id,
                    SourceRecord.status == "staged",
                )
                .order_by(SourceRecord.id)
            )
        )
    for record_id in ids:
        try:
            one = _clean_range(campaign_id, record_id, record_id, at, run_id)
        except DBAPIError as exc:
            _quarantine_refused(record_id, db_error_message(exc))
            outcome.quarantine_reasons[DATABASE_REFUSED] += 1
            continue
        outcome.lead_ids = sorted(set(outcome.lead_ids) | set(one.lead_ids))
        outcome.created, outcome.merged = outcome.created + one.created, outcome.merged + one.merged
        outcome.quarantine_reasons.update(one.quarantine_reasons)
    return outcome


def _quarantine_refused(record_id: int, message: str) -> None:
    with session_scope() as session:
        line_no = session.scalar(select(SourceRecord.line_no).where(SourceRecord.id == record_id))
        session.execute(
            update(SourceRecord)
            .where(SourceRecord.id == record_id)
            .values(
                status="quarantined",
                reason_code=DATABASE_REFUSED,
                reason=f"line {line_no}: {message}",
                lead_id=None,
            )
        )


def _clean_range(
    campaign_id: int, first_id: int, last_id: int, at: datetime, run_id: str | None
) -> BatchOutcome:
    outcome = BatchOutcome()
    matching = matching_policy()
    with session_scope() as session:
        pipeline_lock(session)  # one cleaner at a time: two ingests never create one email twice
        records = session.execute(
            select(
                SourceRecord.id,
                SourceRecord.line_no,
                SourceRecord.payload,
                SourceRecord.source_name,
            )
            .where(
                SourceRecord.id.between(first_id, last_id),
                SourceRecord.campaign_id == campaign_id,
                SourceRecord.status == "staged",
            )
            .order_by(SourceRecord.id)
        ).all()
        source_of = {rec.id: rec.source_name for rec in records}
        results = _refuse_erased(session, _clean(records))
        clean = [r for r in results if isinstance(r, CleanLead)]
        record_updates: list[dict] = []
        for bad in (r for r in results if isinstance(r, Quarantined)):
            record_updates.append(
                {
                    "id": bad.source_record_id,
                    "status": "quarantined",
                    "reason_code": bad.kind,
                    "reason": f"line {bad.line_no}: {bad.reason}",
                    "lead_id": None,
                }
            )
            outcome.quarantine_reasons[bad.kind] += 1
        existing = _existing_leads(session, {row.email for row in clean})
        box = matching.mailbox
        plan = plan_batch(
            clean, set(existing), lambda email: mailbox_key(email, box.gmail_dots, box.plus_tags)
        )
        weights = matching_weights(matching)
        shares = (
            name_shares(session, plan.creates, matching, weights)
            if matching.enabled and plan.creates
            else {}
        )
        fuzzy = match_new_rows(session, plan.creates, matching, weights, shares)
        for email, match in fuzzy.items():
            if match.action == "merge":
                plan.merges.append((plan.creates.pop(email), email, "fuzzy"))
                existing[email] = match.lead
        within = match_within_batch(plan.creates, matching, weights, frozenset(fuzzy), shares)
        for email, twin in within.items():
            if twin.action == "merge":
                plan.merges.append((plan.creates.pop(email), email, "fuzzy"))
        plan.merges.sort(key=lambda merge: merge[0].source_record_id)
        product_line = session.scalar(
            select(Campaign.product_line).where(Campaign.id == campaign_id)
        )
        lead_ids = {email: lead["id"] for email, lead in existing.items()}
        if plan.creates:
            values = [
                _lead_values(row, product_line, campaign_id, matching, at)
                for row in plan.creates.values()
            ]
            # Core executemany, then one lookup. The ORM's bulk insert splits rows by which
            # fields are None (one statement per pattern), and RETURNING over many rows is
            # quadratic in SQLAlchemy's SQLite path: 2,000 rows took 4.6 s that way.
            session.execute(Lead.__table__.insert(), values)
            created = _existing_leads(session, set(plan.creates), aliases=False)
            lead_ids.update({email: lead["id"] for email, lead in created.items()})
            _point_at_batch_leads(within, created, lead_ids, existing, fuzzy, weights.version)
        decisions: list[dict] = []
        reviews: list[dict] = []
        for email, row in plan.creates.items():
            record_updates.append(
                {
                    "id": row.source_record_id,
                    "status": "created",
                    "reason_code": None,
                    "reason": None,
                    "lead_id": lead_ids[email],
                }
            )
            inputs: dict = {"email": email, "line": row.line_no}
            if email in fuzzy:  # a review pair: created beside the stored lead it may be
                match = fuzzy[email]
                inputs["review"] = {"lead_id": match.lead["id"], "probability": match.probability}
                reviews.append(
                    {
                        "lead_id": match.lead["id"],
                        "other_lead_id": lead_ids[email],
                        "source_record_id": row.source_record_id,
                        "probability": match.probability,
                        "deciding": match.deciding,
                    }
                )
            decisions.append(
                decision_row(
                    lead_ids[email],
                    "create",
                    f"created lead {lead_ids[email]}",
                    f"new email from {source_of[row.source_record_id]} line {row.line_no}",
                    inputs,
                    at,
                    run_id,
                )
            )
        split = {
            email: _lead_values(row, product_line, campaign_id, matching, None)
            for row, email, kind in plan.merges
            if kind == "fuzzy"
        }
        merged = merge_rows(
            session, plan, existing, lead_ids, fuzzy, source_of, matching, split, at, run_id
        )
        record_updates += merged.record_updates
        decisions += merged.decisions
        outcome.merged += len(plan.merges)
        for lead_id, changes in merged.lead_updates.items():
            session.execute(update(Lead).where(Lead.id == lead_id).values(**changes, updated_at=at))
        if product_line:
            # The campaign says what a lead showed interest in when no row did.
            merged_ids = {lead_ids[email] for _, email, _ in plan.merges}
            session.execute(
                update(Lead)
                .where(Lead.id.in_(merged_ids), Lead.product_line.is_(None))
                .values(product_line=product_line)
            )
        if record_updates:
            session.execute(update(SourceRecord), record_updates)
        if decisions:
            session.execute(insert(Decision), decisions)
        queue_review(session, reviews, at)
        _attach_alias_rows(session, plan, existing)
        lead_of = {row.source_record_id: lead_ids[email] for row, email, _ in plan.merges}
        lead_of.update(
            {row.source_record_id: lead_ids[email] for email, row in plan.creates.items()}
        )
        _touch_memberships(session, campaign_id, [lead_of[r.source_record_id] for r in clean], at)
        _store_answers(
            session,
            [
                (lead_of[r.source_record_id], r, source_of[r.source_record_id])
                for r in clean
                if r.answers
            ],
            at,
        )
        outcome.created = len(plan.creates)
        touched = set(plan.creates) | {email for _, email, _ in plan.merges}
        outcome.lead_ids = sorted({lead_ids[email] for email in touched})
        mark_cleaned(session, outcome.lead_ids)  # in the same commit: the rest is owed durably
    log().info(
        "batch %d-%d: %d new, %d merged (%d fuzzy, %d to review), %d quarantined",
        first_id,
        last_id,
        outcome.created,
        outcome.merged,
        len(merged.events),
        len(reviews),
        outcome.quarantined,
    )
    return outcome

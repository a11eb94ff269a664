"""Register a campaign; clean and dedupe staged rows in batches."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache, partial
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from leadflow.core.decisions import write_decisions
from leadflow.core.clock import as_utc
from leadflow.core.db import (
    analyze_grown,
    db_error_message,
    get_engine,
    pipeline_lock,
    session_scope,
)
from leadflow.core.lead_stages import mark_cleaned
from leadflow.core.models import Campaign, Lead
from leadflow.core.statuses import PipelineStage
from leadflow.core.runtime import current_flow_run_id, log
from leadflow.core.settings import get_settings
from leadflow.core.summary import BatchOutcome
from leadflow.core.types import CleanLead, Quarantined
from leadflow.dedupe.batch_store import (
    ANALYZED,
    REWRITTEN,
    attach_alias_rows,
    existing_leads,
    insert_leads,
    lead_values,
    quarantine_refused,
    quarantine_updates,
    record_update,
    refuse_erased,
    staged_rows,
    staged_versions,
    store_answers,
    touch_memberships,
    write_records,
)
from leadflow.dedupe.exact import MergePlan, plan_batch
from leadflow.dedupe.merging.batch import MergeWork, decision_row, merge_rows
from leadflow.dedupe.merging.keys import LeadKeys, mailbox_key
from leadflow.dedupe.merging.matches import (
    BatchMatch,
    FuzzyMatch,
    batch_keys,
    match_new_rows,
    match_within_batch,
    name_shares,
    point_at_batch_leads,
)
from leadflow.dedupe.merging.persist import queue_review
from leadflow.dedupe.read_ahead import ReadAhead
from leadflow.dedupe.merging.scoring import Weights, load_weights
from leadflow.dedupe.policy import MatchingPolicy, load_matching, weights_path
from leadflow.ingest.field_limits import hold_to_limits
from leadflow.ingest.normalize import map_columns, normalize_row
from leadflow.ingest.policy import ingest_policy
from leadflow.scoring.qualification_policy import qualification_policy
from leadflow.core.value_lists import among

DATABASE_REFUSED = "database_refused"  # a row the database would not store, with its message
_READ_AHEAD = ReadAhead("clean-read-ahead")


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


def matching_policy() -> MatchingPolicy:
    return load_matching(get_settings().ingest_dir)


def matching_weights(policy: MatchingPolicy) -> Weights:
    return load_weights(weights_path(get_settings().ingest_dir, policy))


def clean_batch(
    campaign_id: int,
    first_id: int,
    last_id: int,
    now: datetime | None = None,
    read_next: tuple[int, int] | None = None,
) -> BatchOutcome:
    """Normalize a batch, quarantine what is bad, create new leads, merge the rest; then,
    with ``read_next`` (the next batch's first and last id), start reading that batch ahead
    (read_ahead.py), so its read overlaps the stages that carry this batch forward."""
    outcome = _clean_or_refuse(campaign_id, first_id, last_id, now)
    if read_next is not None:
        read_ahead(campaign_id, *read_next)
    return outcome


def read_ahead(campaign_id: int, first_id: int, last_id: int) -> None:
    if get_engine().dialect.name != "postgresql":
        return  # read_ahead.py: on SQLite it cost more than it saved
    _READ_AHEAD.start(
        _ahead_key(campaign_id, first_id, last_id),
        partial(_read_and_clean, campaign_id, first_id, last_id),
    )


def _ahead_key(campaign_id: int, first_id: int, last_id: int) -> tuple[object, ...]:
    # The database too: a process may clean in more than one (tests do).
    return (get_settings().resolved_database_url, campaign_id, first_id, last_id)


def _clean_or_refuse(
    campaign_id: int, first_id: int, last_id: int, now: datetime | None
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
        ids = [rec.id for rec in staged_rows(session, campaign_id, first_id, last_id)]
    for record_id in ids:
        try:
            one = _clean_range(campaign_id, record_id, record_id, at, run_id)
        except DBAPIError as exc:
            with session_scope() as session:
                quarantine_refused(session, record_id, DATABASE_REFUSED, db_error_message(exc))
            outcome.quarantine_reasons[DATABASE_REFUSED] += 1
            continue
        outcome.lead_ids = sorted(set(outcome.lead_ids) | set(one.lead_ids))
        outcome.created, outcome.merged = outcome.created + one.created, outcome.merged + one.merged
        outcome.quarantine_reasons.update(one.quarantine_reasons)
    return outcome


@dataclass
class _Batch:
    """One batch on its way through: the plan, the leads it reaches and how they matched."""

    campaign_id: int
    at: datetime
    run_id: str | None
    matching: MatchingPolicy
    weights: Weights
    source_of: dict[int, str]
    plan: MergePlan
    existing: dict[str, dict]
    fuzzy: dict[str, FuzzyMatch]
    within: dict[str, BatchMatch]
    product_line: str | None = None
    lead_ids: dict[str, int] = field(default_factory=dict)
    keys: dict[str, LeadKeys] = field(default_factory=dict)  # of the rows that create a lead
    created_ids: dict[str, int] = field(default_factory=dict)


def _match(session: Session, clean: list[CleanLead], batch: _Batch) -> None:
    """Exact plan, then fuzzy matches against the stored leads and within the batch."""
    matching, weights, plan = batch.matching, batch.weights, batch.plan
    batch.keys = batch_keys(plan.creates, matching)
    shares = name_shares(session, batch.keys, weights) if matching.enabled and plan.creates else {}
    batch.fuzzy.update(match_new_rows(session, plan.creates, matching, weights, shares, batch.keys))
    for email, match in batch.fuzzy.items():
        if match.action == "merge":
            plan.merges.append((plan.creates.pop(email), email, "fuzzy"))
            batch.existing[email] = match.lead
    batch.within.update(
        match_within_batch(
            plan.creates, matching, weights, frozenset(batch.fuzzy), shares, batch.keys
        )
    )
    for email, twin in batch.within.items():
        if twin.action == "merge":
            plan.merges.append((plan.creates.pop(email), email, "fuzzy"))
    plan.merges.sort(key=lambda merge: merge[0].source_record_id)


def _create(session: Session, batch: _Batch) -> tuple[list[dict], list[dict], list[dict]]:
    """Insert the batch's new leads; their record updates, decisions and review pairs."""
    plan, at = batch.plan, batch.at
    batch.lead_ids = {email: lead["id"] for email, lead in batch.existing.items()}
    if plan.creates:
        # Created at the stage after cleaning: the steps after it are owed (mark_cleaned
        # moves only the stored leads the batch merged into).
        values = [
            {
                **lead_values(
                    row,
                    batch.product_line,
                    batch.campaign_id,
                    batch.matching,
                    at,
                    batch.keys.get(email),
                ),
                "pipeline_stage": PipelineStage.CLEANED,
            }
            for email, row in plan.creates.items()
        ]
        # Core, not the ORM's bulk insert: that splits rows by which fields are None (one
        # statement per pattern).
        batch.created_ids = insert_leads(session, values)
        batch.lead_ids.update(batch.created_ids)
        # The leads batch twins merge into, with the fields a merge may fill.
        created = existing_leads(
            session, {twin.into for twin in batch.within.values()}, aliases=False
        )
        point_at_batch_leads(
            batch.within,
            created,
            batch.lead_ids,
            batch.existing,
            batch.fuzzy,
            batch.weights.version,
        )
    updates: list[dict] = []
    decisions: list[dict] = []
    reviews: list[dict] = []
    for email, row in plan.creates.items():
        lead_id = batch.lead_ids[email]
        updates.append(record_update(row.source_record_id, "created", lead_id))
        inputs: dict = {"email": email, "line": row.line_no}
        if email in batch.fuzzy:  # a review pair: created beside the stored lead it may be
            match = batch.fuzzy[email]
            inputs["review"] = {"lead_id": match.lead["id"], "probability": match.probability}
            reviews.append(
                {
                    "lead_id": match.lead["id"],
                    "other_lead_id": lead_id,
                    "source_record_id": row.source_record_id,
                    "probability": match.probability,
                    "deciding": match.deciding,
                }
            )
        source = batch.source_of[row.source_record_id]
        decisions.append(
            decision_row(
                lead_id,
                "create",
                f"created lead {lead_id}",
                f"new email from {source} line {row.line_no}",
                inputs,
                at,
                batch.run_id,
            )
        )
    return updates, decisions, reviews


def _merge(session: Session, batch: _Batch) -> MergeWork:
    """Apply the batch's merges and write what they change on the leads."""
    plan, at = batch.plan, batch.at
    split = {
        email: lead_values(
            row,
            batch.product_line,
            batch.campaign_id,
            batch.matching,
            None,
            batch.keys.get(email),
        )
        for row, email, kind in plan.merges
        if kind == "fuzzy"
    }
    merged = merge_rows(
        session,
        plan,
        batch.existing,
        batch.lead_ids,
        batch.fuzzy,
        batch.source_of,
        batch.matching,
        split,
        at,
        batch.run_id,
    )
    for lead_id, changes in merged.lead_updates.items():
        session.execute(update(Lead).where(Lead.id == lead_id).values(**changes, updated_at=at))
    if batch.product_line:
        # The campaign says what a lead showed interest in when no row did.
        merged_ids = {batch.lead_ids[email] for _, email, _ in plan.merges}
        session.execute(
            update(Lead)
            .where(among(Lead.id, merged_ids), Lead.product_line.is_(None))
            .values(product_line=batch.product_line)
        )
    return merged


def _write(
    session: Session,
    batch: _Batch,
    clean: list[CleanLead],
    updates: list[dict],
    decisions: list[dict],
    reviews: list[dict],
) -> list[int]:
    """Record updates, decisions, review pairs, memberships and answers; the leads touched."""
    plan, lead_ids, at = batch.plan, batch.lead_ids, batch.at
    write_records(session, updates)
    if decisions:  # in bulk (COPY on PostgreSQL): no ORM bookkeeping per decision
        write_decisions(session, decisions)
    queue_review(session, reviews, at)
    attach_alias_rows(session, plan, batch.existing)
    lead_of = {row.source_record_id: lead_ids[email] for row, email, _ in plan.merges}
    lead_of.update({row.source_record_id: lead_ids[email] for email, row in plan.creates.items()})
    touch_memberships(session, batch.campaign_id, [lead_of[r.source_record_id] for r in clean], at)
    store_answers(
        session,
        {(m.id, q.id) for m in qualification_policy().models for q in m.questions},
        [
            (lead_of[r.source_record_id], r, batch.source_of[r.source_record_id])
            for r in clean
            if r.answers
        ],
        at,
    )
    touched = set(plan.creates) | {email for _, email, _ in plan.merges}
    return sorted({lead_ids[email] for email in touched})


def _read_and_clean(
    campaign_id: int, first_id: int, last_id: int
) -> tuple[list[Any], list[CleanLead | Quarantined]]:
    """The batch's staged rows, normalised, before the pipeline lock: reading and normalising
    change nothing stored, so another worker's cleaning need not wait for them."""
    with session_scope() as session:
        analyze_grown(session, ANALYZED, REWRITTEN)
        records = staged_rows(session, campaign_id, first_id, last_id)
    return records, _clean(records)


def _cleaned_now(
    session: Session,
    batch: tuple[int, int, int],
    read: list[Any],
    cleaned: list[CleanLead | Quarantined],
) -> tuple[list[Any], list[CleanLead | Quarantined]]:
    """Under the lock, the batch's rows as they stand now, each with its result: rows another
    run cleaned since the read (a retry, a resumed chunk) are left out; a row restaged since
    (a quarantine fix: a new payload hash) or not read then is read and cleaned again from
    what is stored now, never from the payload read before. Only those payloads are read."""
    before = {rec.id: (rec, result) for rec, result in zip(read, cleaned, strict=True)}
    now = staged_versions(session, *batch)
    stale = {i for i, version in now if i not in before or before[i][0].payload_hash != version}
    fresh = staged_rows(session, *batch, only=sorted(stale)) if stale else []
    current = {i: pair for i, pair in before.items() if i not in stale}
    current.update(
        (rec.id, (rec, result)) for rec, result in zip(fresh, _clean(fresh), strict=True)
    )
    pairs = [current[i] for i, _ in now if i in current]
    return [rec for rec, _ in pairs], [result for _, result in pairs]


def _clean_range(
    campaign_id: int, first_id: int, last_id: int, at: datetime, run_id: str | None
) -> BatchOutcome:
    outcome = BatchOutcome()
    matching = matching_policy()
    taken, ahead = _READ_AHEAD.take(_ahead_key(campaign_id, first_id, last_id))
    read, cleaned = ahead if taken else _read_and_clean(campaign_id, first_id, last_id)
    with session_scope() as session:
        pipeline_lock(session)  # one cleaner at a time: two ingests never create one email twice
        records, results = _cleaned_now(session, (campaign_id, first_id, last_id), read, cleaned)
        results = refuse_erased(session, results)
        clean = [r for r in results if isinstance(r, CleanLead)]
        updates = quarantine_updates(results, outcome)
        existing = existing_leads(session, {row.email for row in clean})
        box = matching.mailbox
        plan = plan_batch(
            clean, set(existing), lambda email: mailbox_key(email, box.gmail_dots, box.plus_tags)
        )
        batch = _Batch(
            campaign_id,
            at,
            run_id,
            matching,
            matching_weights(matching),
            {rec.id: rec.source_name for rec in records},
            plan,
            existing,
            {},
            {},
        )
        _match(session, clean, batch)
        batch.product_line = session.scalar(
            select(Campaign.product_line).where(Campaign.id == campaign_id)
        )
        created, decisions, reviews = _create(session, batch)
        merged = _merge(session, batch)
        outcome.merged, outcome.created = len(plan.merges), len(plan.creates)
        outcome.lead_ids = _write(
            session,
            batch,
            clean,
            updates + created + merged.record_updates,
            decisions + merged.decisions,
            reviews,
        )
        # In the same commit: the rest is owed durably.
        new_ids = set(batch.created_ids.values())
        mark_cleaned(session, [lead_id for lead_id in outcome.lead_ids if lead_id not in new_ids])
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

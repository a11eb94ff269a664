"""Apply one batch's merges: survivorship per field, "keep both" aliases, fuzzy merge events."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from leadflow.dedupe.policy import MatchingPolicy
from leadflow.core.statuses import RowStatus
from leadflow.core.decisions import json_safe
from leadflow.dedupe.exact import MergePlan
from leadflow.dedupe.merging.matches import FuzzyMatch
from leadflow.dedupe.merging.persist import EventDraft, save_aliases, save_events
from leadflow.dedupe.merging.survivorship import survive
from leadflow.core.models import SourceRecord
from leadflow.core.types import CleanLead
from leadflow.core.value_lists import among


def decision_row(
    lead_id: int,
    kind: str,
    outcome: str,
    reason: str,
    inputs: dict,
    at: datetime,
    run_id: str | None,
    rule_id: str = "exact-email",
    config_version: str | None = None,
) -> dict:
    return {
        "lead_id": lead_id,
        "kind": kind,
        "rule_id": rule_id,
        "outcome": outcome,
        "reason": reason,
        "inputs": json_safe(inputs),
        "config_version": config_version,
        "flow_run_id": run_id,
        "at": at,
    }


@dataclass
class MergeWork:
    lead_updates: dict[int, dict[str, Any]] = field(default_factory=dict)
    record_updates: list[dict[str, Any]] = field(default_factory=list)
    decisions: list[dict[str, Any]] = field(default_factory=list)
    events: dict[str, EventDraft] = field(default_factory=dict)  # by the row email merged away


def lead_sources(session: Session, lead_ids: set[int]) -> dict[int, str]:
    """The source each lead was created from (for most_trusted_source)."""
    ordered = sorted(lead_ids)
    found: dict[int, str] = {}
    for i in range(0, len(ordered), 500):
        # Found by lead only, the status checked here: a filter on it lets statistics gathered
        # while a campaign was staged plan this through the status index, which then reads
        # every created row (dedupe/batch_store._rows_per_file_query).
        found.update(
            (lead_id, source)
            for lead_id, source, status in session.execute(
                select(SourceRecord.lead_id, SourceRecord.source_name, SourceRecord.status).where(
                    among(SourceRecord.lead_id, ordered[i : i + 500])
                )
            ).tuples()
            if status == RowStatus.CREATED
        )
    return found


def _reason(match: FuzzyMatch, line: int, source: str) -> str:
    if match.rule_id == "mailbox":
        return f"same mailbox as lead {match.lead['id']}; line {line} of {source}"
    fields = ", ".join(
        f"{name} {d['level']}" for name, d in match.deciding.items() if d.get("bits", 0) > 0
    )
    held = (
        f" with an earlier row of this batch (lead {match.lead['id']})"
        if match.rule_id == "fuzzy-batch"
        else ""
    )
    return f"match probability {match.probability:.3f}{held} ({fields}); line {line} of {source}"


@dataclass
class _Context:
    """What every merging row of a batch is applied with."""

    plan: MergePlan
    existing: Mapping[str, dict[str, Any]]
    lead_ids: Mapping[str, int]
    fuzzy: Mapping[str, FuzzyMatch]
    source_of: Mapping[int, str]
    policy: MatchingPolicy
    split: Mapping[str, dict[str, Any]]
    at: datetime
    run_id: str | None
    sources: dict[int, str]
    current: dict[int, dict[str, Any]] = field(default_factory=dict)
    aliases: list[tuple[EventDraft | None, dict[str, Any]]] = field(default_factory=list)
    fuzzy_decisions: list[tuple[EventDraft, dict[str, Any]]] = field(default_factory=list)


def merge_rows(
    session: Session,
    plan: MergePlan,
    existing: Mapping[str, dict[str, Any]],
    lead_ids: Mapping[str, int],
    fuzzy: Mapping[str, FuzzyMatch],
    source_of: Mapping[int, str],
    policy: MatchingPolicy,
    split: Mapping[str, dict[str, Any]],
    at: datetime,
    run_id: str | None,
) -> MergeWork:
    """Every merging row applied to its lead's current values, in row order.

    ``split`` holds, per fuzzy-merged email, the lead its rows would have created: the merge
    event keeps it so that undo can create that lead exactly.
    """
    work = MergeWork()
    rules = policy.survivorship
    trusted = (
        "most_trusted_source" in rules.fields.values() or rules.default == "most_trusted_source"
    )
    sources = lead_sources(session, set(lead_ids.values())) if trusted else {}
    ctx = _Context(plan, existing, lead_ids, fuzzy, source_of, policy, split, at, run_id, sources)
    for row, email, kind in plan.merges:
        _merge_one(work, ctx, row, email, kind)
    drafts = list(work.events.values())
    ids = dict(zip(map(id, drafts), save_events(session, drafts, at), strict=True))
    for draft, decision in ctx.fuzzy_decisions:  # `leadflow merges undo` takes this id
        decision["inputs"]["merge_event_id"] = ids[id(draft)]
    save_aliases(
        session,
        [
            {**alias, "merge_event_id": ids.get(id(draft)) if draft else None}
            for draft, alias in ctx.aliases
        ],
        at,
    )
    return work


def _merge_one(work: MergeWork, ctx: _Context, row: CleanLead, email: str, kind: str) -> None:
    """One row applied to its lead: field changes, kept aliases, its merge event and decision."""
    lead_id, plan = ctx.lead_ids[email], ctx.plan
    if lead_id not in ctx.current:
        ctx.current[lead_id] = dict(ctx.existing.get(email) or plan.creates[email].__dict__)
        ctx.sources.setdefault(
            lead_id,
            ctx.source_of.get(plan.creates[email].source_record_id, "")
            if email in plan.creates
            else "",
        )
    cur, source = ctx.current[lead_id], ctx.source_of[row.source_record_id]
    result = survive(
        cur,
        row.__dict__,
        ctx.policy.survivorship,
        current_source=ctx.sources.get(lead_id),
        incoming_source=source,
    )
    match = ctx.fuzzy.get(email) if email in ctx.split else None
    draft = None
    if match is not None:
        draft = work.events.setdefault(
            email, EventDraft(lead_id, match.rule_id, match.probability, ctx.split[email])
        )
        draft.source_record_ids.append(row.source_record_id)
        draft.note(cur, result.changes)
    cur.update(result.changes)
    if result.changes:
        work.lead_updates.setdefault(lead_id, {}).update(result.changes)
    for alias_kind, value in result.kept:
        alias = {"lead_id": lead_id, "kind": alias_kind, "value": value}
        ctx.aliases.append((draft, {**alias, "source_record_id": row.source_record_id}))
    work.record_updates.append(
        {
            "id": row.source_record_id,
            "status": RowStatus.MERGED,
            "reason_code": None,
            "reason": None,
            "lead_id": lead_id,
        }
    )
    inputs = {"email": row.email, "line": row.line_no, "filled": result.changes}
    inputs["kept"] = list(result.kept)
    work.decisions.append(_decision(ctx, row, email, kind, lead_id, source, inputs, match))
    if match is not None:
        ctx.fuzzy_decisions.append((draft, work.decisions[-1]))  # type: ignore[arg-type]


def _decision(
    ctx: _Context,
    row: CleanLead,
    email: str,
    kind: str,
    lead_id: int,
    source: str,
    inputs: dict[str, Any],
    match: FuzzyMatch | None,
) -> dict[str, Any]:
    if match is None:
        held = "a lead we hold" if kind == "existing" else "an earlier row"
        same = "email" if row.email == email else "mailbox"
        reason = f"same {same} as {held}; line {row.line_no} of {source}"
        return decision_row(
            lead_id, "merge", f"merged into lead {lead_id}", reason, inputs, ctx.at, ctx.run_id
        )
    inputs |= {
        "probability": match.probability,
        "deciding": match.deciding,
        "weights_version": match.weights_version,
    }
    return decision_row(
        lead_id,
        "merge",
        f"merged into lead {lead_id}",
        _reason(match, row.line_no, source),
        inputs,
        ctx.at,
        ctx.run_id,
        match.rule_id,
        ctx.policy.config_version,
    )

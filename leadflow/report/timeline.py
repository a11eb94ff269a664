"""A lead's story in words: every decision, email, click and merge, oldest first.

Built from the same rows as `leadflow explain` (decisions), plus the tracked engagement
and the fuzzy merges, each entry keeping its raw row for whoever wants the JSON.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from leadflow.core.clock import as_utc
from leadflow.core.db import session_scope
from leadflow.core.errors import UnknownLead
from leadflow.core.models import Account, Decision, EngagementEvent, Lead, MergeEvent
from leadflow.report.views import trace

LEAD_FIELDS = (
    "email",
    "full_name",
    "company",
    "title",
    "phone",
    "country",
    "state",
    "city",
    "domain",
    "industry",
    "employees",
    "revenue_band",
    "product_line",
    "score",
    "fit_score",
    "qualification_score",
    "engagement_score",
    "temperature",
    "grade",
    "lifecycle_stage",
    "status",
    "owner_rep",
)
TITLES = {
    "score": "Scored: {outcome}",
    "route": "Routed {outcome}",
    "accept": "{Outcome}",
    "reject": "{Outcome}",
    "activity": "Follow-up logged: {outcome}",
    "send": "Email {outcome}",
    "enroll": "Nurture: {outcome}",
    "exit": "Left nurture: {outcome}",
    "merge": "Merged: {outcome}",
    "pool": "Back to the pool: {outcome}",
    "sla": "SLA: {outcome}",
    "handoff": "Handed off: {outcome}",
    "stage": "Lifecycle stage: {outcome}",
    "rule_review": "Rule flagged for review: {outcome}",
    "suppress": "Suppressed: {outcome}",
    "qualify": "Qualification: {outcome}",
    "webhook": "CRM webhook: {outcome}",
}


@dataclass(frozen=True)
class Entry:
    at: datetime
    kind: str
    title: str
    who: str
    details: list[str] = field(default_factory=list)
    raw: dict[str, Any] = field(default_factory=dict)


def _score_details(inputs: dict[str, Any]) -> list[str]:
    lines = []
    hit = inputs.get("disqualified_by")
    if isinstance(hit, dict):
        lines.append(
            f"disqualified by rule {hit.get('rule_id')}: {hit.get('field')} = {hit.get('value')!r}"
        )
    for hit in inputs.get("hits") or []:
        lines.append(
            f"{hit.get('points', 0):+d} points: {hit.get('field')} = {hit.get('value')!r} "
            f"(rule {hit.get('rule_id')})"
        )
    for verdict in inputs.get("qualification") or []:
        lines.append(
            f"{verdict.get('points', 0):+d} points: {verdict.get('model')} says "
            f"{verdict.get('verdict')} ({verdict.get('reason')})"
        )
    for item in inputs.get("engagement") or []:
        machine = ", a machine: not counted" if item.get("machine") else ""
        lines.append(
            f"{float(item.get('now') or 0):+.1f} points: {item.get('signal')} at "
            f"{item.get('at')}{machine}"
        )
    if inputs.get("missing_fit_fields"):
        lines.append(
            "not known, scored without: " + ", ".join(map(str, inputs["missing_fit_fields"]))
        )
    return lines


def _unquoted(text: str) -> str:
    """Routing's "is 'emea', not one of ['china']" as "is emea, not one of china"."""
    return text.replace("['", "").replace("']", "").replace("', '", ", ").replace("'", "")


def _route_details(decision: Decision) -> list[str]:
    trace_ = decision.inputs.get("trace") or {}
    rules = trace_.get("rules") or []
    lines = [f"taken: rule {r.get('rule')} matched" for r in rules if r.get("decided")]
    lines.append(f"why: {decision.reason}")
    for rule in rules:
        if rule.get("matched") and not rule.get("decided"):
            lines.append(f"not taken: rule {rule.get('rule')} matched, but {rule.get('skipped')}")
        elif not rule.get("matched"):
            why = _unquoted("; ".join(rule.get("why_not") or []))
            lines.append(f"not taken: rule {rule.get('rule')}: {why}")
    for note in trace_.get("routes_not_taken") or []:
        target = note.get("rep") or note.get("team") or ""
        lines.append(
            f"not taken: {note.get('route')} {target}: {note.get('why_not')}".replace("  ", " ")
        )
    if trace_.get("rules_note") and not rules:
        lines.append(str(trace_["rules_note"]))
    return lines


def _who(decision: Decision) -> str:
    via = decision.inputs.get("via") if isinstance(decision.inputs, dict) else None
    if decision.kind in ("accept", "reject", "activity"):
        person = decision.outcome.split(" by ", 1)[-1].split(":", 1)[0]
        return f"{person} (via {via or 'cli'})"
    if via:
        return f"via {via}"
    return f"leadflow, flow run {decision.flow_run_id}" if decision.flow_run_id else "leadflow"


def decision_entry(decision: Decision) -> Entry:
    title = TITLES.get(
        decision.kind, decision.kind.replace("_", " ").replace("-", " ") + ": {outcome}"
    )
    if decision.kind == "score":
        details = [decision.reason, *_score_details(decision.inputs or {})]
    elif decision.kind == "route":
        details = _route_details(decision)
    else:
        details = [decision.reason] if decision.reason else []
    raw = {
        "id": decision.id,
        "kind": decision.kind,
        "rule_id": decision.rule_id,
        "outcome": decision.outcome,
        "reason": decision.reason,
        "inputs": decision.inputs,
        "config_version": decision.config_version,
        "flow_run_id": decision.flow_run_id,
        "at": as_utc(decision.at).isoformat(),
    }
    outcome = decision.outcome.replace(" -> ", " → ")
    if decision.kind == "send":  # "sent rep_notification to ..." reads as words
        outcome = outcome.replace("_", " ")
    words = title.format(outcome=outcome, Outcome=outcome[:1].upper() + outcome[1:])
    return Entry(as_utc(decision.at), decision.kind, words, _who(decision), details, raw)


def event_entry(event: EngagementEvent) -> Entry:
    verb = {"click": "Clicked", "open": "Opened an email", "visit": "Visited"}.get(
        event.type, event.type
    )
    title = f"{verb} {event.url}" if event.url and event.type in ("click", "visit") else verb
    details = [f"a machine, not counted: {event.machine_reason}"] if event.is_machine else []
    raw = {
        "id": event.id,
        "type": event.type,
        "provider": event.provider,
        "url": event.url,
        "machine_reason": event.machine_reason,
        "user_agent": event.user_agent,
        "detail": event.detail,
        "occurred_at": as_utc(event.occurred_at).isoformat(),
    }
    return Entry(as_utc(event.occurred_at), f"event:{event.type}", title, "the lead", details, raw)


def merge_entry(merge: MergeEvent) -> Entry:
    what = (
        f"lead {merge.absorbed_lead_id} folded in"
        if merge.absorbed_lead_id
        else f"{len(merge.source_record_ids)} new row(s) joined this lead"
    )
    details = [f"probability {merge.probability:.3f} by rule {merge.rule_id}"]
    if merge.undone_at:
        details.append(
            f"undone at {as_utc(merge.undone_at):%Y-%m-%d %H:%M} UTC by {merge.undone_by}"
        )
    raw = {
        "id": merge.id,
        "rule_id": merge.rule_id,
        "probability": merge.probability,
        "before": merge.before,
        "after": merge.after,
        "source_record_ids": merge.source_record_ids,
    }
    return Entry(
        as_utc(merge.created_at), "merge", f"Fuzzy merge: {what}", "leadflow", details, raw
    )


def lead_fields(lead: Lead) -> dict[str, Any]:
    return {name: getattr(lead, name) for name in LEAD_FIELDS}


def timeline(session: Session, lead_id: int) -> list[Entry]:
    """Every entry of one lead, oldest first (ties keep decisions before the events they caused)."""
    entries = [decision_entry(d) for d in trace(session, lead_id)]
    events = session.scalars(select(EngagementEvent).where(EngagementEvent.lead_id == lead_id))
    entries += [event_entry(e) for e in events]
    merges = session.scalars(
        select(MergeEvent).where(
            MergeEvent.target_lead_id == lead_id, MergeEvent.absorbed_lead_id.is_(None)
        )
    )
    entries += [merge_entry(m) for m in merges]
    return sorted(entries, key=lambda e: e.at)


@dataclass(frozen=True)
class Story:
    lead_id: int
    fields: dict[str, Any]
    entries: list[Entry]
    account_domain: str | None = None
    account_owner: str | None = None


def lead_story(lead_id: int) -> Story:
    """The lead's fields and timeline; raises UnknownLead for an id not in the database."""
    with session_scope() as session:
        lead = session.get(Lead, lead_id)
        if lead is None:
            raise UnknownLead(f"no lead {lead_id}")
        account = session.get(Account, lead.account_id) if lead.account_id else None
        return Story(
            lead.id,
            lead_fields(lead),
            timeline(session, lead.id),
            account.domain if account else None,
            account.owner_rep if account else None,
        )

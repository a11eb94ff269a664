"""The only module of the reports that talks to the database: it turns tables into plain rows."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from leadflow.core.statuses import LifecycleStage
from leadflow.core.models import Assignment, Campaign, CampaignMember, CrmOutcome, Decision, Lead
from leadflow.report.rows import AssignmentRow, CampaignRow, Dataset, LeadRow, TouchRow
from leadflow.core.statuses import AssignmentStatus, CrmStatus

Entries = dict[int, dict[str, datetime]]


def _first(entries: Entries, lead_id: int, stage: str, at: datetime | None) -> None:
    if at is not None and (stage not in entries[lead_id] or at < entries[lead_id][stage]):
        entries[lead_id][stage] = at


def _stage_decisions(session: Session, entries: Entries) -> None:
    """lifecycle.change_stage records "before -> after" for every move."""
    rows = session.execute(
        select(Decision.lead_id, Decision.outcome, Decision.at).where(
            Decision.kind == "stage", Decision.lead_id.is_not(None)
        )
    )
    for lead_id, outcome, at in rows:
        stage = outcome.rsplit("->", 1)[-1].strip()
        if stage in (
            LifecycleStage.MQL,
            LifecycleStage.SQL,
            LifecycleStage.OPPORTUNITY,
            LifecycleStage.WON,
        ):
            _first(entries, lead_id, stage, at)


def _accepted(session: Session, entries: Entries) -> None:
    """An accepted assignment is an SQL even where no stage decision was written."""
    rows = session.execute(
        select(Assignment.lead_id, Assignment.accepted_at).where(
            Assignment.status == AssignmentStatus.ACCEPTED
        )
    )
    for lead_id, accepted_at in rows:
        _first(entries, lead_id, "sql", accepted_at)


def _outcomes(session: Session, entries: Entries) -> dict[int, float]:
    """Opportunities and wins from the CRM import; the won amount per lead."""
    won_amount: dict[int, float] = defaultdict(float)
    for o in session.scalars(select(CrmOutcome).where(CrmOutcome.lead_id.is_not(None))):
        opened = o.opportunity_created_at or o.closed_at or o.imported_at
        _first(entries, o.lead_id, "opportunity", opened)
        if o.status == CrmStatus.WON:
            _first(entries, o.lead_id, "won", o.closed_at or opened)
            won_amount[o.lead_id] += o.amount or 0.0
    return won_amount


def load_leads(session: Session) -> list[LeadRow]:
    entries: Entries = defaultdict(dict)
    _stage_decisions(session, entries)
    _accepted(session, entries)
    won_amount = _outcomes(session, entries)
    rows = session.execute(
        select(Lead.id, Lead.created_at, Lead.first_campaign_id).order_by(Lead.id)
    )
    return [
        LeadRow(
            lead_id,
            created_at,
            campaign_id,
            dict(entries.get(lead_id, {})),
            won_amount.get(lead_id, 0.0),
        )
        for lead_id, created_at, campaign_id in rows
    ]


def load(session: Session, as_of: datetime) -> Dataset:
    campaigns = [
        CampaignRow(c.id, c.name, c.channel, c.cost)
        for c in session.scalars(select(Campaign).order_by(Campaign.id))
    ]
    touches = [
        TouchRow(m.lead_id, m.campaign_id, m.touches, m.first_touch_at, m.last_touch_at)
        for m in session.scalars(select(CampaignMember))
    ]
    assignments = [
        AssignmentRow(
            a.lead_id,
            a.rep,
            a.status,
            a.reason,
            a.assigned_at,
            a.sla_due_at,
            a.closed_at,
            a.accepted_at,
        )
        for a in session.scalars(select(Assignment).order_by(Assignment.id))
    ]
    return Dataset(load_leads(session), campaigns, touches, assignments, as_of)

"""Lifecycle stages (new, mql, sql, opportunity, won, lost, recycled); every change is a decision."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from leadflow.core.decisions import record
from leadflow.core.models import Lead
from leadflow.core.statuses import LifecycleStage

STAGES = tuple(LifecycleStage)


def change_stage(
    session: Session,
    lead: Lead,
    stage: str,
    reason: str,
    at: datetime,
    rule_id: str | None = None,
    flow_run_id: str | None = None,
) -> bool:
    """Move a lead to ``stage`` and record why; False when it is already there."""
    if stage not in STAGES:
        raise ValueError(f"unknown lifecycle stage {stage!r}")
    if lead.lifecycle_stage == stage:
        return False
    before = lead.lifecycle_stage
    lead.lifecycle_stage = stage
    record(
        session,
        lead_id=lead.id,
        kind="stage",
        rule_id=rule_id,
        outcome=f"{before} -> {stage}",
        reason=reason,
        at=at,
        inputs={"from": before, "to": stage},
        flow_run_id=flow_run_id,
    )
    return True

"""Replay stored leads through a proposed scoring config, and calibrate on outcomes. Reads only."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from leadflow.routing.policy import RoutingPolicy, load_routing
from leadflow.scoring.policy import ScoringPolicy
from leadflow.core.errors import TrainingError
from leadflow.scoring.calibrate import Calibration, calibrate
from leadflow.scoring.outcome_labels import OutcomeLabels
from leadflow.scoring.score import score_lead
from leadflow.core.types import LeadView
from leadflow.core.models import Campaign, Lead
from leadflow.core.settings import get_settings
from leadflow.scoring.lead_inputs import lead_view


@dataclass
class ReplayDiff:
    leads: int = 0
    hot_before: int = 0
    hot_after: int = 0
    gained: list[int] = field(default_factory=list)
    lost: list[int] = field(default_factory=list)
    grade_shifts: Counter[str] = field(default_factory=Counter)
    causes: Counter[str] = field(default_factory=Counter)


def stored_views(
    session: Session, routing: RoutingPolicy, chunk: int = 5000
) -> Iterator[tuple[Lead, LeadView]]:

    campaigns = {c.id: c for c in session.scalars(select(Campaign))}
    last = 0
    while True:
        leads = session.scalars(
            select(Lead).where(Lead.id > last).order_by(Lead.id).limit(chunk)
        ).all()
        if not leads:
            return
        for lead in leads:
            yield lead, lead_view(lead, routing, campaigns.get(lead.first_campaign_id or 0))
        last = leads[-1].id
        session.expunge_all()  # bounded memory over millions of leads


def replay(session: Session, current: ScoringPolicy, proposed: ScoringPolicy) -> ReplayDiff:
    diff = ReplayDiff()
    routing = load_routing(get_settings().routing_dir)
    points_now = {r.id: r.points for r in current.fit_rules}
    points_new = {r.id: r.points for r in proposed.fit_rules}
    for lead, view in stored_views(session, routing):
        extra = lead.engagement_score + lead.qualification_score
        before, after = score_lead(view, current, extra), score_lead(view, proposed, extra)
        diff.leads += 1
        diff.hot_before += before.temperature == "hot"
        diff.hot_after += after.temperature == "hot"
        if (before.temperature == "hot") != (after.temperature == "hot"):
            (diff.gained if after.temperature == "hot" else diff.lost).append(lead.id)
            fired = {h.rule_id for h in before.hits} | {h.rule_id for h in after.hits}
            diff.causes.update(r for r in fired if points_now.get(r) != points_new.get(r))
        if before.grade != after.grade:
            diff.grade_shifts[f"{before.grade}->{after.grade}"] += 1
    return diff


def calibrate_on_outcomes(
    session: Session, outcomes: OutcomeLabels, policy: ScoringPolicy
) -> tuple[Calibration, int]:
    """Join outcome labels (read by leadflow.scoring.outcome_labels) to stored leads."""
    wanted = outcomes.labels
    routing = load_routing(get_settings().routing_dir)
    views, labels, matched = [], [], set()
    for lead, view in stored_views(session, routing):
        key = (
            lead.email
            if lead.email in wanted
            else f"#{lead.id}"
            if f"#{lead.id}" in wanted
            else None
        )
        if key is not None:
            views.append(view)
            labels.append(wanted[key])
            matched.add(key)
    if not views:
        raise TrainingError(
            f"none of the {len(wanted)} outcomes matches a stored lead by email or "
            "lead id: ingest the leads first, or check the file's email column"
        )
    return calibrate(views, labels, policy), len(set(wanted) - matched)


def write_proposal(current: Path, out: Path, result: Calibration) -> None:
    """The live icp.yaml with fitted points and the next version, for a person to review."""
    data = yaml.safe_load(current.read_text(encoding="utf-8"))
    data["version"] = int(data.get("version", 0)) + 1
    for rule in data.get("fit_rules", []):
        rule["points"] = result.proposed_points.get(rule["id"], rule["points"])
    header = (
        f"# Proposed by `leadflow score calibrate` on {result.rows} outcomes ({result.positives} positive).\n"
        f"# Held-out AUC: current {result.auc_before:.3f}, proposed {result.auc_after:.3f}.\n"
        "# Review before use: copy over scoring/icp.yaml, then run `leadflow score simulate`.\n"
    )
    out.write_text(
        header + yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8"
    )

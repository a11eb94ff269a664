"""Small builders for domain values: a valid default plus only what a test cares about."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

from leadflow.nurture.policy import NurturePolicy, Sequence
from leadflow.routing.policy import RoutingPolicy
from leadflow.scoring.policy import ScoringPolicy
from leadflow.core.types import CleanLead, LeadView

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from leadflow.report.rows import Dataset

ROOT = Path(__file__).resolve().parent.parent
SCORING_DIR = ROOT / "scoring"
ROUTING_DIR = ROOT / "routing_rules"
TEMPLATES_DIR = ROOT / "templates" / "email"


def make_clean_lead(**overrides: Any) -> CleanLead:
    values: dict[str, Any] = {
        "source_record_id": 1,
        "line_no": 2,
        "email": "ada@example.com",
        "domain": "example.com",
        "is_free_mail": False,
    }
    values.update(overrides)
    return CleanLead(**values)


def make_lead_view(**overrides: Any) -> LeadView:
    values: dict[str, Any] = {"id": 1, "email": "ada@example.com", "domain": "example.com"}
    values.update(overrides)
    return LeadView(**values)


def make_lead_context(**overrides: Any) -> dict[str, Any]:
    """The lead as templates see it (every key present, as the outbox builds it)."""
    lead: dict[str, Any] = {
        "id": 7,
        "email": "ada@example.com",
        "first_name": "Ada",
        "last_name": "Lovelace",
        "full_name": "Ada Lovelace",
        "company": "Analytical Engines",
        "title": "CTO",
        "country": "GB",
        "state": None,
        "domain": "example.com",
        "score": 45,
        "temperature": "warm",
    }
    lead.update(overrides)
    return lead


def stored_hot_lead(session: Session, email: str, at: datetime, **overrides: Any) -> int:
    """A hot, new lead stored as scoring leaves it (US, 5,000 employees unless overridden)."""
    from leadflow.core.models import Lead

    values: dict[str, Any] = {
        "domain": email.split("@")[1],
        "country": "US",
        "state": "NY",
        "employees": 5000,
        "temperature": "hot",
        "score": 90,
        "status": "new",
        "created_at": at,
        "updated_at": at,
    }
    lead = Lead(email=email, **(values | overrides))
    session.add(lead)
    session.flush()
    return lead.id


def make_scoring_policy(**overrides: Any) -> ScoringPolicy:
    values: dict[str, Any] = {"version": 1, "thresholds": {"hot": 70, "warm": 40}, "fit_rules": []}
    values.update(overrides)
    return ScoringPolicy.model_validate(values)


def rep(key: str, weight: float = 1, active: bool = True) -> dict[str, Any]:
    return {
        "key": key,
        "name": key.title(),
        "email": f"{key}@leadflow.example",
        "weight": weight,
        "active": active,
    }


def make_routing_policy(**overrides: Any) -> RoutingPolicy:
    """One territory, one team of three reps, one rule; fallback to a catch-all team."""
    values: dict[str, Any] = {
        "version": 1,
        "territories": {"nordics": {"countries": ["NO", "SE"]}},
        "segments": {"small": {"max_employees": 99}, "large": {"min_employees": 100}},
        "teams": [
            {"key": "north", "name": "North", "reps": [rep("anna"), rep("bo"), rep("cai")]},
            {"key": "catch-all", "name": "Catch-all", "reps": [rep("zed")]},
        ],
        "rules": [
            {"id": "nordics", "when": {"territory": ["nordics"]}, "assign": {"team": "north"}}
        ],
        "fallback": {"team": "catch-all"},
    }
    values.update(overrides)
    return RoutingPolicy.model_validate(values)


def make_sequence(delays: list[float], key: str = "seq") -> Sequence:
    steps = [
        {"template": f"step_{i}", "subject": f"Step {i}", "delay_days": d}
        for i, d in enumerate(delays)
    ]
    return Sequence.model_validate(
        {"key": key, "name": key, "enter_temperatures": ["warm"], "steps": steps}
    )


def make_nurture_policy(
    templates: list[str], rep_template: str = "rep_notification"
) -> NurturePolicy:
    return NurturePolicy.model_validate(
        {
            "version": 1,
            "rep_notification_template": rep_template,
            "sequences": [
                {
                    "key": "s",
                    "name": "S",
                    "enter_temperatures": ["warm"],
                    "steps": [{"template": t, "subject": "Hi", "delay_days": 0} for t in templates],
                }
            ],
        }
    )


def _day(day: int, hour: int = 0, month: int = 11) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=timezone.utc)


def make_report_dataset() -> Dataset:
    """Eight leads, two campaigns, six offers: small enough to compute every report by hand.

    Period [Nov 1, Nov 11). Campaign 1 (webinar, cost 1000) sourced L1-L3, campaign 2
    (trade show, cost 3000) L4-L6; L7 and L8 are history from October.
    """
    from leadflow.report.rows import AssignmentRow, CampaignRow, Dataset, LeadRow, TouchRow

    d = _day
    leads = [
        LeadRow(1, d(1), 1, {"mql": d(2), "sql": d(3), "opportunity": d(5), "won": d(9)}, 5000.0),
        LeadRow(2, d(1), 1, {"mql": d(3), "sql": d(5)}),
        LeadRow(3, d(2), 1, {"mql": d(2, 12)}),
        LeadRow(4, d(2), 2, {"mql": d(4), "sql": d(4), "opportunity": d(6)}),
        LeadRow(5, d(3), 2, {}),
        LeadRow(
            6, d(5), 2, {"opportunity": d(8), "won": d(10)}, 3000.0
        ),  # won, stages before unrecorded
        LeadRow(7, d(20, month=10), 1, {"mql": d(21, month=10)}),
        LeadRow(8, d(25, month=10), 1, {"mql": d(26, month=10), "sql": d(28, month=10)}),
    ]
    campaigns = [
        CampaignRow(1, "webinar-nov", "webinar", 1000.0),
        CampaignRow(2, "tradeshow-nov", "trade_show", 3000.0),
    ]
    touches = [
        TouchRow(1, 1, 1, d(1), d(1)),
        TouchRow(1, 2, 2, d(3), d(4)),
        TouchRow(4, 2, 1, d(2), d(2)),
        TouchRow(4, 1, 1, d(7), d(7)),  # after L4's opportunity: no credit
    ]

    def offer(
        lead: int,
        rep: str,
        status: str,
        at: datetime,
        closed: datetime | None = None,
        reason: str | None = None,
    ) -> AssignmentRow:
        accepted = closed if status == "accepted" else None
        return AssignmentRow(
            lead, rep, status, reason, at, at + timedelta(days=1), closed, accepted
        )

    assignments = [
        offer(1, "anna", "accepted", d(2, 10), d(3)),
        offer(2, "anna", "rejected", d(3), d(3, 12), "wrong_match"),
        offer(2, "bo", "accepted", d(3, 12), d(5)),
        offer(3, "bo", "offered", d(2, 12)),
        offer(4, "anna", "accepted", d(4), d(4, 6)),
        offer(5, "cai", "reclaimed", d(3), d(4, 1)),
    ]
    return Dataset(leads, campaigns, touches, assignments, as_of=d(11))


def seed_report_database(session: Any) -> None:
    """The report fixture as database rows: campaigns, leads, stage decisions, offers, touches.

    Opportunities and wins are not stored here: they come in through an outcomes CSV
    (``REPORT_OUTCOMES_CSV``), as they do in production.
    """
    from leadflow.core.models import Assignment, Campaign, CampaignMember, Decision, Lead

    data = make_report_dataset()
    session.add_all(
        Campaign(id=c.id, name=c.name, channel=c.channel, cost=c.cost) for c in data.campaigns
    )
    session.flush()
    for lead in data.leads:
        session.add(
            Lead(
                id=lead.id,
                email=f"l{lead.id}@report.example",
                created_at=lead.created_at,
                updated_at=lead.created_at,
                first_campaign_id=lead.campaign_id,
            )
        )
    session.flush()
    for lead in data.leads:
        previous = "new"
        for stage in ("mql", "sql"):
            if stage in lead.stage_at:
                session.add(
                    Decision(
                        lead_id=lead.id,
                        kind="stage",
                        outcome=f"{previous} -> {stage}",
                        reason="test",
                        inputs={"from": previous, "to": stage},
                        at=lead.stage_at[stage],
                    )
                )
                previous = stage
    for t in data.touches:
        session.add(
            CampaignMember(
                lead_id=t.lead_id,
                campaign_id=t.campaign_id,
                touches=t.touches,
                first_touch_at=t.first_touch_at,
                last_touch_at=t.last_touch_at,
            )
        )
    for a in data.assignments:
        session.add(
            Assignment(
                lead_id=a.lead_id,
                rep=a.rep,
                team="north",
                rule_id="test",
                status=a.status,
                reason=a.reason,
                assigned_at=a.assigned_at,
                sla_due_at=a.sla_due_at,
                closed_at=a.closed_at,
                accepted_at=a.accepted_at,
            )
        )


# L1 won 5000 (opp Nov 5, closed Nov 9), L4 open (opp Nov 6), L6 won 3000 (opp Nov 8, closed Nov 10);
# one address we do not hold, one row that is not an outcome.
REPORT_OUTCOMES_CSV = """Opportunity ID,Email,Stage Name,Amount,Created Date,Close Date
OPP-1,l1@report.example,Closed Won,"5,000",2026-11-05,2026-11-09
OPP-4,L4@report.example,Qualification,,2026-11-06,
OPP-6,l6@report.example,Closed Won,3000,11/08/2026,11/10/2026
OPP-9,stranger@elsewhere.example,Closed Lost,100,2026-11-02,2026-11-03
OPP-10,l2@report.example,Closed Won,soon,2026-11-06,2026-11-07
"""

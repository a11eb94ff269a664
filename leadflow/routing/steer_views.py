"""Read-only views for people who steer: what a rep may still claim, and a manager's teams
(overdue offers, accepted leads gone quiet, each rep's load). Acting goes through
leadflow.routing.steering; these only read.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from leadflow.core.clock import as_utc
from leadflow.core.db import session_scope
from leadflow.core.models import Assignment, Lead
from leadflow.routing.assignments import open_count
from leadflow.routing.inbox import OPEN, InboxItem, inbox_item, rep_time_zone
from leadflow.routing.policy_cache import current_routing_policy
from leadflow.routing.pool import CLAIM_RULE
from leadflow.routing.route import capacity_windows
from leadflow.core.statuses import AssignmentStatus

QUIET_DAYS_DEFAULT = 14.0  # a team without sla.activity_within_days: quiet after two weeks


@dataclass(frozen=True)
class Allowance:
    max_per_day: int | None
    claimed_today: int
    max_open: int | None
    open_now: int
    cool_off_days: float

    def left_today(self) -> int | None:
        if self.max_per_day is None and self.max_open is None:
            return None
        lefts = [
            n
            for n in (
                (self.max_per_day - self.claimed_today) if self.max_per_day is not None else None,
                (self.max_open - self.open_now) if self.max_open is not None else None,
            )
            if n is not None
        ]
        return max(0, min(lefts))


def claim_allowance(rep_key: str, now: datetime | None = None) -> Allowance:
    """The pool limits of routing.yaml and how much of them the rep has used today."""
    at, policy = as_utc(now), current_routing_policy()
    limits = policy.pool.claim
    day_start = capacity_windows(policy, at).get(rep_key, (at.replace(hour=0, minute=0), at))[0]
    with session_scope() as session:
        today = (
            session.scalar(
                select(func.count())
                .select_from(Assignment)
                .where(
                    Assignment.rep == rep_key,
                    Assignment.rule_id == CLAIM_RULE,
                    Assignment.assigned_at >= day_start,
                )
            )
            or 0
        )
        held = open_count(session, rep_key)
    return Allowance(limits.max_per_day, today, limits.max_open_leads, held, limits.cool_off_days)


@dataclass(frozen=True)
class RepLoad:
    rep: str
    name: str
    team: str
    offered: int
    accepted: int


@dataclass(frozen=True)
class TeamsView:
    overdue: list[InboxItem]
    quiet: list[InboxItem]  # accepted, no activity for the team's activity_within_days
    loads: list[RepLoad]
    reps: dict[str, list[tuple[str, str]]]  # team -> [(rep key, name)] for the assign forms


def teams_view(teams: list[str], now: datetime | None = None) -> TeamsView:
    """The teams' open assignments as a manager needs them: late, quiet, and who holds how many."""
    at, policy = as_utc(now), current_routing_policy()
    with session_scope() as session:
        rows = session.execute(
            select(Assignment, Lead)
            .join(Lead, Lead.id == Assignment.lead_id)
            .where(Assignment.team.in_(teams), Assignment.status.in_(OPEN))
        ).all()
        items = [
            (a.team, inbox_item(a, lead, policy, ZoneInfo(rep_time_zone(policy, a.rep))))
            for a, lead in rows
        ]
    overdue = sorted((i for _, i in items if i.overdue(at)), key=lambda i: i.sla_due_at)
    quiet = []
    for team, item in items:
        days = policy.sla_of(team).activity_within_days or QUIET_DAYS_DEFAULT
        last = item.last_activity_at or item.assigned_at
        if item.status == AssignmentStatus.ACCEPTED and as_utc(last) < at - timedelta(days=days):
            quiet.append(item)
    reps = {
        t.key: [(r.key, r.name) for r in t.reps if r.active] for t in policy.teams if t.key in teams
    }
    held = Counter((i.rep, i.status) for _, i in items)
    loads = [
        RepLoad(key, name, team, held[(key, "offered")], held[(key, "accepted")])
        for team, members in reps.items()
        for key, name in members
    ]
    return TeamsView(overdue, quiet, loads, reps)

"""The one writer of assignments and of the round-robin ledger.

Routing, hand-offs, rejections, queue assignments and pool claims all open and close
assignments here, so the ledger (the memory of the round robin) changes in one place.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from leadflow.routing.policy import RoutingPolicy
from leadflow.routing.route import capacity_windows
from leadflow.core.models import Assignment, RoutingLedger
from leadflow.core.settings import get_settings
from leadflow.core.value_lists import among
from leadflow.core.statuses import AssignmentStatus


OPEN_STATUSES = (AssignmentStatus.OFFERED, AssignmentStatus.ACCEPTED)


def offer_sla(policy: RoutingPolicy, team: str | None) -> timedelta:
    """How long the team's rep has to accept (the team's SLA, else LEADFLOW_REP_SLA_HOURS)."""
    return timedelta(hours=policy.sla_of(team).accept_within_hours or get_settings().rep_sla_hours)


def open_assignment(
    session: Session,
    *,
    lead_id: int,
    rep: str,
    team: str | None,
    rule_id: str,
    at: datetime,
    sla: timedelta,
    accepted: bool = False,
) -> Assignment:
    """A new offer (or, for a claim or a hand-off of an accepted lead, an accepted assignment)."""
    assignment = Assignment(
        lead_id=lead_id,
        rep=rep,
        team=team,
        rule_id=rule_id,
        assigned_at=at,
        sla_due_at=at + sla,
        status=AssignmentStatus.OFFERED,
    )
    if accepted:
        assignment.status = AssignmentStatus.ACCEPTED
        assignment.accepted_at = assignment.closed_at = assignment.last_activity_at = at
    session.add(assignment)
    session.flush()
    return assignment


def store_ledger(session: Session, team: str, ledger: Mapping[str, int]) -> None:
    """Persist a team ledger the rotation returned (it may raise a rep back from holiday)."""
    for rep, assigned in ledger.items():
        row = session.get(RoutingLedger, (team, rep))
        if row is None:
            session.add(RoutingLedger(team=team, rep=rep, assigned=assigned))
        elif row.assigned != assigned:
            row.assigned = assigned


def return_credit(session: Session, assignment: Assignment) -> None:
    """The rep never had a real lead: take back the round-robin credit."""
    if not assignment.team:
        return
    ledger = session.get(RoutingLedger, (assignment.team, assignment.rep))
    if ledger is not None and ledger.assigned > 0:
        ledger.assigned -= 1


def ledgers(session: Session, team: str | None = None) -> dict[str, dict[str, int]]:
    """Every team's round-robin ledger (or one team's): team -> rep -> leads credited."""
    query = select(RoutingLedger)
    if team is not None:
        query = query.where(RoutingLedger.team == team)
    found: dict[str, dict[str, int]] = {}
    for row in session.scalars(query):
        found.setdefault(row.team, {})[row.rep] = row.assigned
    return found


def rep_loads(session: Session, policy: RoutingPolicy, at: datetime) -> dict[str, tuple[int, int]]:
    """Leads each rep received in their own today and this week: what capacity is counted on.

    Counted in the database, one grouped count per distinct (day, week) start (reps in one
    time zone share it), over the index on (rep, assigned_at): each routed batch pays per rep,
    not per assignment of the week (210k of them by the end of a million-row ingest)."""
    reps_by_window: dict[tuple[datetime, datetime], list[str]] = {}
    for rep, window in capacity_windows(policy, at).items():
        reps_by_window.setdefault(window, []).append(rep)
    loads: dict[str, tuple[int, int]] = {}
    for (day_start, week_start), reps in reps_by_window.items():
        counts = (
            select(
                Assignment.rep,
                func.count(case((Assignment.assigned_at >= day_start, 1))),
                func.count(),
            )
            .where(
                among(Assignment.rep, reps),
                Assignment.assigned_at >= week_start,
                Assignment.assigned_at <= at,
            )
            .group_by(Assignment.rep)
        )
        for rep, day, week in session.execute(counts):
            loads[rep] = (day, week)
    return loads


def open_count(session: Session, rep: str) -> int:
    """Leads the rep holds now (offered or accepted), whatever door they came through."""
    return (
        session.scalar(
            select(func.count())
            .select_from(Assignment)
            .where(Assignment.rep == rep, Assignment.status.in_(OPEN_STATUSES))
        )
        or 0
    )

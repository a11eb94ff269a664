"""Targets against what happened: leads offered, accepted and effective, per territory,
team or rep, for a report's window (targets are per `per_days`, scaled to the window)."""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import Any

from sqlalchemy import select

from leadflow.core.db import session_scope
from leadflow.core.models import Assignment, Lead
from leadflow.routing.policy import RoutingPolicy, routing_policy
from leadflow.routing.route import territory_of

# An accepted lead that stayed with sales (or moved to a colleague) counts as effective.
EFFECTIVE = ("accepted", "handed_off")


def _actuals(
    policy: RoutingPolicy, start: datetime, end: datetime
) -> dict[tuple[str, str], Counter[str]]:
    found: dict[tuple[str, str], Counter[str]] = {}
    with session_scope() as session:
        rows = session.execute(
            select(
                Assignment.rep,
                Assignment.team,
                Assignment.status,
                Assignment.accepted_at,
                Lead.country,
                Lead.state,
            )
            .join(Lead, Lead.id == Assignment.lead_id)
            .where(Assignment.assigned_at >= start, Assignment.assigned_at < end)
        )
        for rep, team, status, accepted_at, country, state in rows:
            scopes = [
                ("rep", rep),
                ("team", team or ""),
                ("territory", territory_of(country, state, policy) or ""),
            ]
            for scope in scopes:
                counts = found.setdefault(scope, Counter())
                counts["leads"] += 1
                counts["accepted"] += accepted_at is not None
                counts["effective"] += accepted_at is not None and status in EFFECTIVE
    return found


def target_rows(start: datetime, end: datetime) -> list[dict[str, Any]]:
    """One row per target: actual / target for each measure it sets (None where it sets none)."""
    policy = routing_policy()
    if not policy.targets:
        return []
    actuals, days = _actuals(policy, start, end), (end - start).total_seconds() / 86400
    rows = []
    for target in policy.targets:
        got = actuals.get((str(target.scope), target.key), Counter())
        row: dict[str, Any] = {"scope": str(target.scope), "key": target.key}
        for measure in ("leads", "accepted", "effective"):
            goal = getattr(target, measure)
            scaled = None if goal is None else round(goal * days / target.per_days)
            row[measure] = got[measure]
            row[f"{measure}_target"] = scaled
        rows.append(row)
    return rows

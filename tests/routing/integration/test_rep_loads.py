"""Capacity counts each rep's leads of their own today and week, counted in the database."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from leadflow.core.db import session_scope
from leadflow.core.models import Assignment, Lead
from leadflow.routing.assignments import rep_loads
from leadflow.routing.policy import load_routing
from tests.factories import ROUTING_DIR

pytestmark = pytest.mark.db
# Wednesday 03:00 UTC: Tuesday 22:00 for alice.morgan (New York, UTC-5), Wednesday 11:00 for
# li.ming and zhang.wei (Shanghai, UTC+8), Wednesday 03:00 for ivy.nguyen (no zone: UTC).
AT = datetime(2026, 11, 11, 3, tzinfo=timezone.utc)


def _utc(day: int, hour: int) -> datetime:
    return datetime(2026, 11, day, hour, tzinfo=timezone.utc)


SUNDAY_EVENING = _utc(8, 20)  # Monday 04:00 in Shanghai; still last week elsewhere
MONDAY_NIGHT = _utc(9, 3)  # Sunday 22:00 in New York: last week there
NEW_YORK_MIDNIGHT = _utc(10, 5)  # alice's Tuesday begins, to the second
TUESDAY_NOON = _utc(10, 12)  # Tuesday 20:00 in Shanghai: yesterday there
WEDNESDAY_EARLY = _utc(11, 1)
AFTER = AT + timedelta(hours=1)  # not yet: never counted

GIVEN = {
    "alice.morgan": [SUNDAY_EVENING, MONDAY_NIGHT, NEW_YORK_MIDNIGHT, TUESDAY_NOON, AT, AFTER],
    "li.ming": [SUNDAY_EVENING, MONDAY_NIGHT, TUESDAY_NOON, WEDNESDAY_EARLY, AT, AFTER],
    "zhang.wei": [WEDNESDAY_EARLY],
    "ivy.nguyen": [SUNDAY_EVENING, MONDAY_NIGHT, TUESDAY_NOON, WEDNESDAY_EARLY, AT],
    "left.company": [WEDNESDAY_EARLY],  # no longer in routing.yaml: nobody's capacity
}


def _store(session, rep: str, at: datetime) -> None:  # type: ignore[no-untyped-def]
    lead = Lead(email=f"{rep}-{at:%d%H%M}@kunde.example")
    session.add(lead)
    session.flush()
    session.add(
        Assignment(
            lead_id=lead.id,
            rep=rep,
            team="t",
            rule_id="test",
            assigned_at=at,
            sla_due_at=at + timedelta(hours=4),
        )
    )


def test_each_rep_is_counted_in_their_own_day_and_week(leadflow_env) -> None:
    with session_scope() as session:
        for rep, moments in GIVEN.items():
            for at in moments:
                _store(session, rep, at)
    with session_scope() as session:
        loads = rep_loads(session, load_routing(ROUTING_DIR), AT)
    assert loads == {
        "alice.morgan": (3, 3),  # from Tuesday 05:00 UTC, week from Monday 05:00 UTC
        "li.ming": (2, 5),  # from Tuesday 16:00 UTC, week from Sunday 16:00 UTC
        "zhang.wei": (1, 1),  # li.ming's zone, counted in the same grouped read
        "ivy.nguyen": (2, 4),  # from Wednesday 00:00 UTC, week from Monday 00:00 UTC
    }


def test_a_rep_with_nothing_this_week_has_no_load(leadflow_env) -> None:
    with session_scope() as session:
        _store(session, "alice.morgan", AT - timedelta(days=8))
    with session_scope() as session:
        assert rep_loads(session, load_routing(ROUTING_DIR), AT) == {}

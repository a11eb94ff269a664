"""A hand-off to a team runs the team's round robin as routing does: hours and capacity count."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from leadflow.core.db import session_scope
from leadflow.core.errors import HandoffError
from leadflow.core.models import Assignment, Lead, Rep, RoutingLedger
from leadflow.core.settings import PROJECT_ROOT, reset_settings
from leadflow.core.statuses import AssignmentStatus, LeadStatus
from leadflow.routing.handoff import deactivate

pytestmark = pytest.mark.db
T0 = datetime(2026, 11, 9, 15, 0, tzinfo=timezone.utc)  # Berlin 16:00: EMEA at work
LEAVING, OPEN_REP = "emma.schulz", "felix.martin"
NIGHT, FULL = "nora.night", "fritz.full"


def _rep(key: str, **more: Any) -> dict[str, Any]:
    return {"key": key, "name": key.title(), "email": f"{key}@leadflow.example", **more}


@pytest.fixture
def emea_of_four(leadflow_env, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """EMEA with a rep in Auckland (asleep at T0) and a rep capped at one lead a day."""
    text = (PROJECT_ROOT / "routing_rules" / "routing.yaml").read_text("utf-8")
    start = text.index("      - key: emma.schulz")
    end = text.index("\n", text.index("{key: felix.martin")) + 1
    reps = [
        _rep(LEAVING),
        _rep(NIGHT, working_hours={"time_zone": "Pacific/Auckland", "hours": "09:00-18:00"}),
        _rep(FULL, capacity={"day": 1}),
        _rep(OPEN_REP),
    ]
    # Text, not a YAML round trip: a re-dump would turn the country code NO into false.
    block = "".join(f"      - {json.dumps(rep)}\n" for rep in reps)
    folder = tmp_path / "rules"
    folder.mkdir()
    (folder / "routing.yaml").write_text(text[:start] + block + text[end:], "utf-8")
    monkeypatch.setenv("LEADFLOW_ROUTING_DIR", str(folder))
    reset_settings()


def _offer(session: Any, rep: str, at: datetime, lead_id: int | None = None) -> int:
    if lead_id is None:
        lead = Lead(email=f"{rep}-{at.timestamp()}@kunde.example.de", status=LeadStatus.ROUTED)
        session.add(lead)
        session.flush()
        lead_id = lead.id
    session.add(
        Assignment(
            lead_id=lead_id,
            rep=rep,
            team="emea",
            rule_id="test",
            assigned_at=at,
            sla_due_at=at + timedelta(hours=4),
        )
    )
    session.get(Lead, lead_id).owner_rep = rep
    return lead_id


def _held_by_leaving(count: int) -> list[int]:
    with session_scope() as session:
        ids = [_offer(session, LEAVING, T0 - timedelta(minutes=i + 1)) for i in range(count)]
        _offer(session, FULL, T0 - timedelta(minutes=30))  # FULL's one lead for today
    return ids


def test_a_hand_off_to_a_team_skips_reps_out_of_hours_or_at_capacity(emea_of_four) -> None:
    held = _held_by_leaving(3)
    result = deactivate(LEAVING, "emea", T0 + timedelta(minutes=10))
    assert result.leads == {OPEN_REP: 3}
    with session_scope() as session:
        owners = set(session.scalars(select(Lead.owner_rep).where(Lead.id.in_(held))))
        offered = session.scalars(
            select(Assignment.rep).where(
                Assignment.lead_id.in_(held), Assignment.status == AssignmentStatus.OFFERED
            )
        ).all()
        ledger = {r.rep: r.assigned for r in session.scalars(select(RoutingLedger))}
    assert owners == {OPEN_REP} and sorted(offered) == [OPEN_REP] * 3
    assert ledger.get(OPEN_REP) == 3 and not ledger.get(NIGHT) and not ledger.get(FULL)


def test_a_hand_off_nobody_in_the_team_can_take_now_changes_nothing(emea_of_four) -> None:
    held = _held_by_leaving(1)
    # Berlin 19:30, Auckland 07:30 the next morning: nobody in EMEA is at work.
    late = datetime(2026, 11, 9, 18, 30, tzinfo=timezone.utc)
    with pytest.raises(HandoffError, match="nobody in team 'emea' can take"):
        deactivate(LEAVING, "emea", late)
    with session_scope() as session:
        assert session.get(Rep, LEAVING) is None or session.get(Rep, LEAVING).deactivated_at is None
        assert session.get(Lead, held[0]).owner_rep == LEAVING

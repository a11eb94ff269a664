"""`route simulate` picks a moment the teams work, and names the teams closed at a moment."""

from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest
from typer.testing import CliRunner

from leadflow.routing.simulate import closed_teams, next_business_hour
from tests.conftest import ROOT
from tests.factories import make_routing_policy, rep

TEAMS = [
    {
        "key": "north",
        "name": "Berlin",
        "reps": [rep("anna")],
        "working_hours": {"time_zone": "Europe/Berlin", "hours": "09:00-17:00"},
    },
    {
        "key": "catch-all",
        "name": "New York",
        "reps": [rep("bo")],
        "working_hours": {"time_zone": "America/New_York", "hours": "09:00-17:00"},
    },
]
SATURDAY = datetime(2026, 12, 5, 10, 30, tzinfo=timezone.utc)


def test_on_a_weekend_every_team_with_hours_is_closed() -> None:
    assert closed_teams(make_routing_policy(teams=TEAMS), SATURDAY) == ["catch-all", "north"]


def test_the_default_moment_is_the_first_hour_both_teams_work() -> None:
    policy = make_routing_policy(teams=TEAMS)
    moment = next_business_hour(policy, SATURDAY)
    # Monday 14:00 UTC: Berlin 15:00, New York 09:00.
    assert moment == datetime(2026, 12, 7, 14, tzinfo=timezone.utc)
    assert closed_teams(policy, moment) == []


@pytest.mark.db
def test_cli_says_when_it_routes_and_which_teams_are_closed(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from leadflow.cli.main import app
    from leadflow.core.db import session_scope
    from leadflow.core.models import Lead
    from leadflow.core.settings import reset_settings

    monkeypatch.setenv("LEADFLOW_DATABASE_URL", database_url)
    reset_settings()
    with session_scope() as session:
        session.add(Lead(email="a@jp.example", country="JP", employees=300, temperature="hot"))
    rules = str(ROOT / "routing_rules")
    try:
        weekend = CliRunner().invoke(
            app, ["route", "simulate", "--rules", rules, "--at", "2026-12-05T10:00:00"]
        )
        default = CliRunner().invoke(app, ["route", "simulate", "--rules", rules, "--json"])
    finally:
        reset_settings()
    assert weekend.exit_code == 0, weekend.output
    assert "closed then: apac" in weekend.output and "na-enterprise" in weekend.output
    data = json.loads(default.stdout)
    moment = datetime.fromisoformat(data["at"])
    assert moment.weekday() < 5 and "apac" not in data["closed_teams"]

"""Preview a rules change: per-rep load before and after, leads that move, rules that never fire."""

from __future__ import annotations

import json
import shutil
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from leadflow.cli.rules import route_app
from leadflow.routing.policy import RoutingPolicy, load_routing
from leadflow.routing.simulate import simulate
from tests.factories import ROUTING_DIR

MONDAY = datetime(
    2026, 11, 9, 9, 0, tzinfo=timezone.utc
)  # Singapore 17:00, Berlin 10:00: both at work
LEADS = [
    {"id": 1, "country": "JP", "employees": 300},
    {"id": 2, "country": "JP", "employees": 40},
    {"id": 3, "country": "US", "employees": 5000, "account_owner": "ben.carter"},
    {"id": 4, "country": "DE", "employees": 20},
    {"id": 5, "country": "DE", "employees": 20},
]


def edited(change: dict[str, Any]) -> RoutingPolicy:
    data = load_routing(ROUTING_DIR).model_dump(by_alias=True, exclude_none=True)
    kept = [rule for rule in data["rules"] if change.get(rule["id"]) != "drop"]
    data["rules"] = [{**rule, **change.get(rule["id"], {})} for rule in kept]
    return RoutingPolicy.model_validate(data)


def test_simulate_reports_loads_moves_and_silent_rules() -> None:
    old = load_routing(ROUTING_DIR)
    new = edited({"apac": {"assign": {"team": "inside-sales"}}, "emea": "drop"})
    result = simulate(LEADS, old, new, now=MONDAY)
    assert result.leads == 5
    assert result.load_before == {
        "grace.tan": 2,
        "ben.carter": 1,
        "emma.schulz": 1,
        "felix.martin": 1,
    }
    assert result.load_after == {"ivy.nguyen": 2, "jack.wilson": 2, "ben.carter": 1}
    moved = {m.lead_id: (m.before, m.after, m.rule_after, m.kind) for m in result.moved}
    assert moved == {
        1: ("grace.tan", "ivy.nguyen", "apac", "team"),
        2: ("grace.tan", "jack.wilson", "apac", "team"),
        4: ("emma.schulz", "ivy.nguyen", "fallback", "team"),
        5: ("felix.martin", "jack.wilson", "fallback", "team"),
    }
    assert "na-commercial" in result.never_fired_after and "apac" not in result.never_fired_after
    rows = {name: (before, after, change) for name, before, after, change in result.load_rows()}
    assert rows["grace.tan"] == (2, 0, -2) and rows["ben.carter"] == (1, 1, 0)
    json.dumps(result.as_dict(), default=str)


def test_simulate_with_the_same_policy_moves_nothing() -> None:
    policy = load_routing(ROUTING_DIR)
    result = simulate(LEADS * 3, policy, policy, now=MONDAY)
    assert not result.moved and result.load_before == result.load_after


@pytest.mark.db
def test_cli_route_simulate_reads_stored_leads(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from leadflow.core.db import session_scope, upgrade
    from leadflow.core.models import Account, Lead
    from leadflow.core.settings import reset_settings

    url = f"sqlite:///{tmp_path / 'leadflow.db'}"
    upgrade(url)
    monkeypatch.setenv("LEADFLOW_DATABASE_URL", url)
    reset_settings()
    with session_scope() as session:
        account = Account(domain="big.example", owner_rep="ben.carter")
        session.add(account)
        session.flush()
        session.add_all(
            [
                Lead(email="a@jp.example", country="JP", employees=300, temperature="hot"),
                Lead(
                    email="b@big.example",
                    country="US",
                    employees=5000,
                    temperature="hot",
                    account_id=account.id,
                ),
                Lead(email="c@cold.example", country="JP", temperature="cold"),
            ]
        )
    new = tmp_path / "new"
    shutil.copytree(ROUTING_DIR, new)
    text = (new / "routing.yaml").read_text(encoding="utf-8")
    (new / "routing.yaml").write_text(
        text.replace("assign: {team: apac}", "assign: {team: inside-sales}"), encoding="utf-8"
    )
    app = typer.Typer()
    app.add_typer(route_app, name="route")
    app.command("noop")(lambda: None)  # more than one command keeps `route` a group
    try:
        result = CliRunner().invoke(
            app, ["route", "simulate", "--rules", str(new), "--json", "--at", "2026-11-09T09:00:00"]
        )
        table = CliRunner().invoke(
            app, ["route", "simulate", "--rules", str(new), "--at", "2026-11-09T09:00:00"]
        )
    finally:
        reset_settings()
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["leads"] == 2  # hot leads only
    assert [(m["before"], m["after"]) for m in data["moved"]] == [("grace.tan", "ivy.nguyen")]
    assert (
        table.exit_code == 0 and "1 lead(s) would move: 1 to another team or queue" in table.output
    )

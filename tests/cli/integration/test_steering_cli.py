"""`leadflow queue | pool | owner | accounts` as a person meets them, with --json."""

from __future__ import annotations

import json
import shutil
from datetime import datetime, timezone
from pathlib import Path

import pytest
from typer.testing import CliRunner

from leadflow.cli.main import app
from leadflow.core.db import session_scope
from leadflow.core.models import Account, Campaign, Lead
from tasks.routing import route_leads

pytestmark = pytest.mark.db
ROOT = Path(__file__).resolve().parents[3]
T0 = datetime(2026, 11, 9, 15, 0, tzinfo=timezone.utc)
AT = ["--at", T0.isoformat()]
runner = CliRunner()


def queued_partner_lead() -> int:
    with session_scope() as session:
        campaign = Campaign(name="partner-q4", channel="partner")
        session.add(campaign)
        session.flush()
        lead = Lead(
            email="pat@partnerco.example",
            domain="partnerco.example",
            country="US",
            employees=40,
            temperature="hot",
            score=88,
            status="new",
            first_campaign_id=campaign.id,
            created_at=T0,
            updated_at=T0,
        )
        session.add(lead)
        session.flush()
        lead_id = lead.id
    route_leads.fn([lead_id], T0)
    return lead_id


def cli(*args: str) -> tuple[int, object]:
    result = runner.invoke(app, [*args, "--json"])
    return result.exit_code, json.loads(result.stdout.strip().splitlines()[-1])


def test_queue_list_show_and_assign_as_json(leadflow_env, smtp_sink):
    lead_id = queued_partner_lead()
    code, queues = cli("queue", "list", *AT)
    assert code == 0 and {q["queue"]: q["waiting"] for q in queues} == {
        "partner-desk": 1,
        "unassigned": 0,
    }
    code, items = cli("queue", "show", "partner-desk")
    assert [i["lead_id"] for i in items] == [lead_id]
    code, refused = cli("queue", "assign", str(lead_id), "carla.diaz", "--as", "emma.schulz", *AT)
    assert code == 2 and refused == {
        "ok": False,
        "error": "emma.schulz (rep) does not manage team na-commercial",
    }
    code, done = cli("queue", "assign", str(lead_id), "carla.diaz", "--as", "olivia.brooks", *AT)
    assert code == 0 and (done["rep"], done["by"]) == ("carla.diaz", "olivia.brooks")
    assert any(
        "carla.diaz@leadflow.example" in m.read_text(encoding="utf-8")
        for m in smtp_sink.glob("*.eml")
    )


def test_pool_list_and_claim_and_owner_set_as_json(leadflow_env):
    lead_id = queued_partner_lead()
    with session_scope() as session:
        session.get(Lead, lead_id).status = "pool"
        session.add(Account(domain="partnerco.example", owner_rep="carla.diaz"))
    code, pooled = cli("pool", "list")
    assert [p["lead_id"] for p in pooled] == [lead_id]
    code, claimed = cli(
        "pool", "claim", str(lead_id), "--as", "dan.okafor", "--reason", "knows them", *AT
    )
    assert code == 0 and claimed["rep"] == "dan.okafor"
    code, again = cli(
        "pool", "claim", str(lead_id), "--as", "carla.diaz", "--reason", "me too", *AT
    )
    assert code == 2 and "claimed by dan.okafor" in again["error"]
    code, refused = cli("owner", "set", "partnerco.example", "dan.okafor", "--as", "sun.li", *AT)
    assert code == 2 and "only a manager of team na-commercial" in refused["error"]
    code, done = cli(
        "owner", "set", "partnerco.example", "dan.okafor", "--as", "olivia.brooks", *AT
    )
    assert code == 0 and done == {
        "ok": True,
        "account": "partnerco.example",
        "owner": "dan.okafor",
        "by": "olivia.brooks",
    }


def test_accounts_import_as_json(leadflow_env, tmp_path):
    path = tmp_path / "hubspot.csv"
    path.write_text(
        "Record ID,Company name,Company Domain Name,Company owner\n"
        "1,Partner Co,partnerco.example,Carla Diaz\n",
        encoding="utf-8",
    )
    code, result = cli("accounts", "import", str(path), "--as", "ops.admin", *AT)
    assert code == 0 and (result["rows"], result["created"]) == (1, 1)


def test_a_rule_queue_without_an_entry_under_queues_is_a_policy_error(
    leadflow_env, tmp_path, monkeypatch
):
    broken = tmp_path / "routing"
    shutil.copytree(ROOT / "routing_rules", broken)
    text = (broken / "routing.yaml").read_text(encoding="utf-8")
    text = text.replace("assign: {queue: partner-desk}", "assign: {queue: channel-desk}")
    (broken / "routing.yaml").write_text(text, encoding="utf-8")
    line = next(i for i, row in enumerate(text.splitlines(), 1) if "channel-desk" in row)
    monkeypatch.setenv("LEADFLOW_ROUTING_DIR", str(broken))
    from leadflow.core.settings import reset_settings

    reset_settings()
    result = runner.invoke(app, ["rules", "check"])
    assert result.exit_code == 2
    assert (
        f"routing.yaml:{line}" in result.output
        and "'channel-desk' has no entry under queues" in result.output
    )


def test_report_shows_the_targets_against_the_period(leadflow_env):
    result = runner.invoke(app, ["report", "--period", "30d", "--at", T0.isoformat()])
    assert result.exit_code == 0, result.output
    assert "targets (actual / target for this period)" in result.output
    assert "north_america" in result.output and "0 / 120" in result.output

"""The command line as a user meets it: clear one-line errors, exit code 2, explain."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from leadflow.cli.main import app

ROOT = Path(__file__).resolve().parents[3]
runner = CliRunner()


def test_a_missing_campaign_file_is_one_line_and_exit_2(leadflow_env):
    result = runner.invoke(app, ["ingest", "no/such/file.csv", "--campaign", "x"])
    assert result.exit_code == 2
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and "campaign file not found: no/such/file.csv" in lines[0]


def test_rules_check_names_file_line_and_field_of_a_broken_policy(
    leadflow_env, tmp_path, monkeypatch
):
    broken = tmp_path / "routing"
    shutil.copytree(ROOT / "routing_rules", broken)
    text = (broken / "routing.yaml").read_text(encoding="utf-8")
    text = text.replace("      - {key: grace.tan,", "      - {key: grace.tan, wieght: 2,", 1)
    (broken / "routing.yaml").write_text(text, encoding="utf-8")
    line = next(i for i, row in enumerate(text.splitlines(), 1) if "wieght" in row)
    monkeypatch.setenv("LEADFLOW_ROUTING_DIR", str(broken))
    from leadflow.core.settings import reset_settings

    reset_settings()
    result = runner.invoke(app, ["rules", "check"])
    assert result.exit_code == 2
    assert f"routing.yaml:{line}" in result.output and "wieght" in result.output


def test_rules_check_passes_on_the_shipped_policies(leadflow_env):
    result = runner.invoke(app, ["rules", "check"])
    assert result.exit_code == 0, result.output
    assert result.output.count("ok ") == 8


@pytest.mark.db
def test_explain_prints_the_trace_of_a_lead(leadflow_env):
    from tasks.ingest import clean_batch, register_campaign
    from tasks.staging import stage_file
    from tasks.scoring import score_leads

    campaign_id = register_campaign.fn("webinar", "webinar", None, None, None)
    staged = stage_file.fn(
        str(ROOT / "examples" / "webinar_analytics_2026-11.csv"), campaign_id, 500
    )
    outcome = clean_batch.fn(campaign_id, *staged.batches[0])
    score_leads.fn(outcome.lead_ids)
    result = runner.invoke(app, ["explain", str(outcome.lead_ids[0])], env={"COLUMNS": "250"})
    assert result.exit_code == 0, result.output
    from leadflow.scoring.policy import load_scoring

    version = load_scoring(leadflow_env.scoring_dir).config_version
    assert (
        "create" in result.output
        and "score breakdown" in result.output
        and version in result.output
    )
    missing = runner.invoke(app, ["explain", "nobody@nowhere.example"])
    assert missing.exit_code == 2 and "no lead" in missing.output


@pytest.mark.db
def test_db_upgrade_gives_leads_stored_before_the_match_keys_their_keys(leadflow_env):
    from sqlalchemy import update

    from leadflow.core.db import session_scope
    from leadflow.core.models import Lead

    with session_scope() as session:
        session.add(Lead(email="ana.lima@acme.example", full_name="Ana Lima", company="Acme"))
        session.flush()
        session.execute(update(Lead).values(email_key=None, name_key=None))  # as 0005 left it
    result = runner.invoke(app, ["db", "upgrade"])
    assert result.exit_code == 0, result.output
    assert "match keys computed for 1 stored leads" in result.output
    with session_scope() as session:
        lead = session.query(Lead).one()
        assert lead.email_key == "ana.lima@acme.example" and lead.name_key
    again = runner.invoke(app, ["db", "upgrade"])
    assert "match keys" not in again.output

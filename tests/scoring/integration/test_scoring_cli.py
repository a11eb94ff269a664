"""Scoring from the command line: qualify, accept, score a file, simulate, calibrate."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from leadflow.cli.main import app
from leadflow.core.db import session_scope
from leadflow.core.models import Decision, Lead
from tasks.enrich import enrich_leads
from tasks.ingest import clean_batch, register_campaign
from tasks.routing import route_leads
from tasks.scoring import score_leads
from tasks.staging import stage_file

pytestmark = pytest.mark.db
ROOT = Path(__file__).resolve().parents[3]
WEBINAR = ROOT / "examples" / "webinar_analytics_2026-11.csv"
runner = CliRunner()


def ingest() -> list[int]:
    campaign_id = register_campaign.fn("webinar", "webinar", "analytics", None, None)
    staged = stage_file.fn(str(WEBINAR), campaign_id, 500)
    ids = clean_batch.fn(campaign_id, *staged.batches[0]).lead_ids
    enrich_leads.fn(ids)
    score_leads.fn(ids)
    return ids


def test_bant_answers_make_a_warm_lead_hot_and_accept_makes_it_sql(leadflow_env):
    ingest()
    with session_scope() as session:
        lead = session.scalars(
            select(Lead)
            .where(Lead.temperature == "warm", Lead.score >= 55)
            .order_by(Lead.score.desc())
        ).first()
        lead_id, email = lead.id, lead.email
    answers = ["budget=yes", "authority=yes", "need=yes", "time=是"]
    result = runner.invoke(
        app, ["qualify", email, "bant", *answers, "--timeframe", "2", "--source", "rep:ivy"]
    )
    assert result.exit_code == 0, result.output
    assert "qualified" in result.output
    with session_scope() as session:
        lead = session.get(Lead, lead_id)
        assert (
            lead.temperature,
            lead.qualification_score,
            lead.purchase_class,
            lead.lifecycle_stage,
        ) == ("hot", 15, "A", "mql")
    route_leads.fn([lead_id])
    assert runner.invoke(app, ["accept", str(lead_id)]).exit_code == 0
    with session_scope() as session:
        assert session.get(Lead, lead_id).lifecycle_stage == "sql"
        stages = session.scalars(
            select(Decision.outcome)
            .where(Decision.lead_id == lead_id, Decision.kind == "stage")
            .order_by(Decision.id)  # PostgreSQL returns rows in no set order without it
        )
        assert list(stages) == ["new -> mql", "mql -> sql"]
    bad = runner.invoke(app, ["qualify", email, "bant", "budjet=yes"])
    assert bad.exit_code == 2 and "budget" in bad.output


def test_score_a_file_without_storing_it(leadflow_env, tmp_path):
    out = tmp_path / "scored.csv"
    result = runner.invoke(app, ["score", "file", str(WEBINAR), "--out", str(out)])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(out.open(encoding="utf-8-sig")))
    assert len(rows) == 192
    scored = [r for r in rows if r["score"]]
    assert len(scored) == 192 - 4 and all(r["grade"] in "ABCD" for r in scored)
    assert sum(1 for r in rows if r["error"]) == 4
    with session_scope() as session:
        assert session.scalar(select(Lead.id)) is None  # nothing stored


def test_simulate_a_proposed_config_before_switching_it_on(leadflow_env, tmp_path):
    ingest()
    proposed = tmp_path / "proposed"
    shutil.copytree(ROOT / "scoring", proposed)
    text = (proposed / "icp.yaml").read_text(encoding="utf-8").replace("  hot: 70", "  hot: 50", 1)
    (proposed / "icp.yaml").write_text(text, encoding="utf-8")
    result = runner.invoke(
        app, ["score", "simulate", "--config", str(proposed)], env={"COLUMNS": "200"}
    )
    assert result.exit_code == 0, result.output
    line = next(row for row in result.output.splitlines() if "MQLs gained / lost" in row)
    gained = int(line.split("│")[2].split("/")[0])
    with session_scope() as session:
        expected = len(
            session.scalars(select(Lead.id).where(Lead.score >= 50, Lead.score < 70)).all()
        )
    assert gained == expected > 0


def test_calibrate_writes_a_reviewable_proposal(leadflow_env, tmp_path):
    import sys

    sys.path.insert(0, str(ROOT / "bench"))
    from gen_outcomes import write_outcomes

    ingest()
    outcomes, proposal = tmp_path / "outcomes.csv", tmp_path / "icp.proposed.yaml"
    write_outcomes(outcomes)
    result = runner.invoke(app, ["score", "calibrate", str(outcomes), "--out", str(proposal)])
    assert result.exit_code == 0, result.output
    assert "AUC on held-out rows" in result.output
    from leadflow.scoring.policy import load_scoring

    shutil.copy(proposal, tmp_path / "icp.yaml")
    assert load_scoring(tmp_path).version == load_scoring(ROOT / "scoring").version + 1


def test_qualification_columns_in_a_file_feed_the_score(leadflow_env, tmp_path):
    path = tmp_path / "qualified.csv"
    path.write_text(
        "Email,Company,Job Title,Country,bant.budget,bant.authority,bant.need,bant.time,Purchase Timeframe\n"
        "cto@acme.example.com,Acme,CTO,USA,yes,yes,yes,yes,within 2 months\n"
        "eng@acme.example.com,Acme,Engineer,USA,yes,no,,,next year\n",
        encoding="utf-8",
    )
    campaign_id = register_campaign.fn("qualified", "webinar", None, None, None)
    staged = stage_file.fn(str(path), campaign_id, 500)
    ids = clean_batch.fn(campaign_id, *staged.batches[0]).lead_ids
    score_leads.fn(ids)
    with session_scope() as session:
        cto = session.scalar(select(Lead).where(Lead.email == "cto@acme.example.com"))
        eng = session.scalar(select(Lead).where(Lead.email == "eng@acme.example.com"))
        assert (cto.qualification_score, cto.purchase_class) == (15, "A")
        assert (eng.qualification_score, eng.purchase_class) == (0, "B")  # next year: 12 months
    assert staged.unknown_columns == []

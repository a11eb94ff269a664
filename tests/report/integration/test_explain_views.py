"""`leadflow explain`: a short default view, --all for the trace, --json for scripts."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from leadflow.cli.main import app
from tests.conftest import ROOT

runner = CliRunner()


@pytest.fixture
def scored_lead(leadflow_env) -> int:  # type: ignore[no-untyped-def]
    from tasks.ingest import clean_batch, register_campaign
    from tasks.scoring import score_leads
    from tasks.staging import stage_file

    campaign_id = register_campaign.fn("webinar", "webinar", None, None, None)
    staged = stage_file.fn(
        str(ROOT / "examples" / "webinar_analytics_2026-11.csv"), campaign_id, 500
    )
    outcome = clean_batch.fn(campaign_id, *staged.batches[0])
    score_leads.fn(outcome.lead_ids)
    return outcome.lead_ids[0]


@pytest.mark.db
def test_the_default_view_is_short_and_points_to_the_rest(scored_lead: int) -> None:
    short = runner.invoke(app, ["explain", str(scored_lead)], env={"COLUMNS": "200"})
    full = runner.invoke(app, ["explain", str(scored_lead), "--all"], env={"COLUMNS": "200"})
    assert short.exit_code == 0 and full.exit_code == 0, short.output + full.output
    assert "now: " in short.output and "score breakdown" in short.output
    assert "--all for the whole trace" in short.output and "┃ inputs" not in short.output
    assert "┃ inputs" in full.output and len(short.output.splitlines()) < len(
        full.output.splitlines()
    )


@pytest.mark.db
def test_json_carries_the_lead_and_every_decision_with_its_inputs(scored_lead: int) -> None:
    done = runner.invoke(app, ["explain", str(scored_lead), "--json"])
    assert done.exit_code == 0, done.output
    data = json.loads(done.stdout)
    assert data["lead"]["id"] == scored_lead
    kinds = [d["kind"] for d in data["decisions"]]
    assert "score" in kinds
    score = next(d for d in data["decisions"] if d["kind"] == "score")
    assert score["config_version"] and "hits" in score["inputs"]

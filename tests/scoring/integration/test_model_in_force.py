"""A trained model in force: stored leads get probabilities; `explain` shows the contributions."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml
from sqlalchemy import select
from typer.testing import CliRunner

from leadflow.cli.main import app
from leadflow.core.db import session_scope
from leadflow.core.models import Decision, Lead
from leadflow.core.settings import reset_settings
from leadflow.scoring.rescore import score_leads
from tests.scoring.unit.test_score_train import world, write_csv

pytestmark = pytest.mark.db
ROOT = Path(__file__).resolve().parents[3]
runner = CliRunner()


@pytest.fixture
def model_folder(leadflow_env, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "scoring"
    shutil.copytree(ROOT / "scoring", folder, ignore=shutil.ignore_patterns("cases", "models"))
    icp = yaml.safe_load((folder / "icp.yaml").read_text(encoding="utf-8"))
    icp["thresholds"].update(hot_probability=0.6, warm_probability=0.3)
    (folder / "icp.yaml").write_text(yaml.safe_dump(icp), encoding="utf-8")
    rows = world()
    for row in rows:
        row["email"] = f"{str(row['lead_id']).lower()}@acme.example"
    trained = runner.invoke(
        app,
        [
            "score",
            "train",
            str(write_csv(tmp_path / "leads.csv", rows)),
            "--config",
            str(folder),
            "--exclude",
            "email",
        ],
    )
    assert trained.exit_code == 0, trained.output
    monkeypatch.setenv("LEADFLOW_SCORING_DIR", str(folder))
    reset_settings()
    return folder


def test_stored_leads_score_as_probabilities_with_contributions(
    model_folder: Path, tmp_path: Path
) -> None:
    with session_scope() as session:
        keen, idle = (
            Lead(email="keen@acme.example", domain="acme.example", industry="Retail"),
            Lead(email="idle@acme.example", domain="acme.example", industry="Retail"),
        )
        session.add_all([keen, idle])
        session.flush()
        ids = [keen.id, idle.id]
    counts = write_csv(
        tmp_path / "counts.csv",
        [
            {"Email": "keen@acme.example", "pricing_page_views": 6, "touch_count": 0},
            {"Email": "idle@acme.example", "pricing_page_views": 0, "touch_count": 0},
        ],
    )
    assert runner.invoke(app, ["activities", "import", str(counts)]).exit_code == 0
    score_leads(ids)
    with session_scope() as session:
        keen_lead, idle_lead = session.get(Lead, ids[0]), session.get(Lead, ids[1])
        assert keen_lead.score > idle_lead.score
        assert keen_lead.temperature == "hot" and idle_lead.temperature == "cold"
        decision = session.scalars(
            select(Decision).where(Decision.lead_id == ids[0], Decision.kind == "score")
        ).one()
        model = decision.inputs["model"]
        assert model["version"] in decision.config_version
        assert model["contributions"][0]["feature"] == "pricing_page_views"
        assert round(100 * model["probability"]) == keen_lead.score
    shown = runner.invoke(app, ["explain", "keen@acme.example"])
    assert shown.exit_code == 0, shown.output
    assert "pricing_page_views" in shown.output and "model-1-" in shown.output


def test_simulate_compares_rules_current_model_and_a_candidate(
    model_folder: Path, tmp_path: Path
) -> None:
    from leadflow.scoring.model import current_model_path

    with session_scope() as session:
        session.add_all(
            [
                Lead(email=f"s{i}@acme.example", domain="acme.example", industry="Retail")
                for i in range(3)
            ]
        )
    counts = write_csv(
        tmp_path / "counts.csv",
        [
            {"Email": f"s{i}@acme.example", "pricing_page_views": views, "touch_count": 1}
            for i, views in enumerate((0, 2, 7))
        ],
    )
    assert runner.invoke(app, ["activities", "import", str(counts)]).exit_code == 0
    candidate = current_model_path(model_folder / "models")
    result = runner.invoke(app, ["score", "simulate", "--model", str(candidate)])
    assert result.exit_code == 0, result.output
    assert "MQLs (hot): rules alone" in result.output and "MQLs (hot): candidate" in result.output
    assert "MQLs gained / lost" in result.output
    # The same model in force and as the candidate: nobody moves.
    assert "0 / 0" in result.output

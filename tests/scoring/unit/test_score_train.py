"""`leadflow score train`: a model that beats the rules is written; one that does not is refused."""

from __future__ import annotations

import csv
import shutil
from datetime import date, timedelta
from pathlib import Path

import numpy as np
from typer.testing import CliRunner

from leadflow.cli.main import app
from leadflow.scoring.dataset import Inputs, build_dataset
from leadflow.scoring.features import Dropped
from leadflow.scoring.model import current_model_path, load_model
from leadflow.scoring.tables import Table

ROOT = Path(__file__).resolve().parents[3]
runner = CliRunner()
INDUSTRIES = ["Software", "Retail", "Logistics", "Healthcare"]


def world(rows: int = 800, signal: float = 1.0, seed: int = 3) -> list[dict[str, object]]:
    """Leads over 200 days; conversion follows pricing views and touches (times ``signal``)."""
    rng = np.random.default_rng(seed)
    start = date(2026, 1, 1)
    out = []
    for i in range(rows):
        pricing, touches = int(rng.poisson(1.0)), int(rng.poisson(4.0))
        logit = -1.6 + signal * (1.1 * pricing + 0.25 * (touches - 4))
        converted = rng.random() < 1 / (1 + np.exp(-logit))
        out.append(
            {
                "lead_id": f"L{i:05d}",
                "lead_created_at": (start + timedelta(days=i * 200 // rows)).isoformat(),
                "industry": INDUSTRIES[int(rng.integers(0, 4))],
                "employee_band": "200-499",
                "pricing_page_views": pricing,
                "touch_count": touches,
                "converted": "true" if converted else "false",
            }
        )
    return out


def write_csv(path: Path, rows: list[dict[str, object]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


def scoring_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "scoring"
    shutil.copytree(ROOT / "scoring", folder, ignore=shutil.ignore_patterns("cases", "models"))
    return folder


def test_a_model_with_signal_beats_the_rules_and_is_written(tmp_path: Path) -> None:
    folder = scoring_folder(tmp_path)
    leads = write_csv(tmp_path / "leads.csv", world())
    result = runner.invoke(app, ["score", "train", str(leads), "--config", str(folder)])
    assert result.exit_code == 0, result.output
    assert "ICP rules alone" in result.output and "plain logistic regression" in result.output
    assert "calibration" in result.output
    path = current_model_path(folder / "models")
    assert path is not None
    model = load_model(path)
    assert model.metrics["held_out_auc"] > model.metrics["rules_auc"]
    names = [
        name
        for name, _ in model.contributions(
            {
                "pricing_page_views": 5,
                "touch_count": 9,
                "industry": "Retail",
                "employee_band": "200-499",
            }
        )
    ]
    assert names[0] in ("pricing_page_views", "touch_count")


def test_no_signal_world_is_refused_and_nothing_written(tmp_path: Path) -> None:
    folder = scoring_folder(tmp_path)
    leads = write_csv(tmp_path / "leads.csv", world(signal=0.0))
    result = runner.invoke(app, ["score", "train", str(leads), "--config", str(folder)])
    assert result.exit_code == 1, result.output
    assert "does not beat the rules" in result.output
    assert not (folder / "models").exists() or current_model_path(folder / "models") is None


def test_force_writes_a_losing_model_and_says_by_how_much(tmp_path: Path) -> None:
    folder = scoring_folder(tmp_path)
    leads = write_csv(tmp_path / "leads.csv", world(signal=0.0))
    result = runner.invoke(app, ["score", "train", str(leads), "--config", str(folder), "--force"])
    assert result.exit_code == 0, result.output
    assert "written anyway" in result.output and "AUC" in result.output
    assert current_model_path(folder / "models") is not None


def test_leakage_guard_drops_a_column_dated_after_the_snapshot() -> None:
    rows = world(rows=300)
    for row in rows:  # the close date is the outcome's own date: after any snapshot
        created = date.fromisoformat(str(row["lead_created_at"]))
        row["last_activity_date"] = (created + timedelta(days=5)).isoformat()
        row["closed_date"] = (created + timedelta(days=60)).isoformat()
    table = Table("leads", list(rows[0]), rows)
    data = build_dataset(Inputs(table, snapshot_days=30))
    assert data.guard.dropped["closed_date"] is Dropped.LEAK_DATE
    assert "closed_date" not in data.kinds
    assert "last_activity_date" not in data.guard.dropped  # before the snapshot: no leak


def test_leakage_guard_leaves_out_activities_after_the_snapshot() -> None:
    rows = world(rows=200)
    table = Table("leads", list(rows[0]), rows)
    created = date.fromisoformat(str(rows[0]["lead_created_at"]))
    log = [
        {"lead_id": rows[0]["lead_id"], "activity_type": "Meeting", "activity_date": d.isoformat()}
        for d in (created + timedelta(days=2), created + timedelta(days=45))
    ]
    activities = Table("calls", ["lead_id", "activity_type", "activity_date"], log)
    data = build_dataset(Inputs(table, [activities], snapshot_days=30))
    assert data.guard.activities_after_snapshot == 1
    assert data.rows[0]["calls:meeting"] == 1.0 and data.rows[1]["calls:meeting"] == 0.0


def test_training_on_too_few_outcomes_fails_clearly(tmp_path: Path) -> None:
    folder = scoring_folder(tmp_path)
    leads = write_csv(tmp_path / "leads.csv", world(rows=40))
    result = runner.invoke(app, ["score", "train", str(leads), "--config", str(folder)])
    assert result.exit_code == 2
    assert "need at least" in result.output


def test_relational_export_trains_without_hand_editing(tmp_path: Path) -> None:
    """Leads, accounts, an activity log and opportunities as a CRM exports them."""
    folder = scoring_folder(tmp_path)
    rows = world()
    leads = write_csv(
        tmp_path / "leads.csv",
        [
            {
                "lead_id": r["lead_id"],
                "account_id": f"A{i % 50}",
                "lead_created_at": r["lead_created_at"],
            }
            for i, r in enumerate(rows)
        ],
    )
    accounts = write_csv(
        tmp_path / "accounts.csv",
        [
            {"account_id": f"A{n}", "industry": INDUSTRIES[n % 4], "employee_band": "200-499"}
            for n in range(50)
        ],
    )
    touches = write_csv(
        tmp_path / "touches.csv",
        [
            {
                "touch_id": f"T{r['lead_id']}-{k}",
                "lead_id": r["lead_id"],
                "touch_type": "pricing_page",
                "touch_timestamp": r["lead_created_at"],
            }
            for r in rows
            for k in range(int(r["pricing_page_views"]))
        ],
    )  # type: ignore[call-overload]
    opportunities = write_csv(
        tmp_path / "opportunities.csv",
        [
            {
                "opportunity_id": f"O{n}",
                "lead_id": r["lead_id"],
                "stage": "closed_won" if r["converted"] == "true" else "closed_lost",
            }
            for n, r in enumerate(rows)
        ],
    )
    result = runner.invoke(
        app,
        [
            "score",
            "train",
            str(opportunities),
            "--leads",
            str(leads),
            "--join",
            str(accounts),
            "--activities",
            str(touches),
            "--config",
            str(folder),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "touches:pricing_page" in result.output and "industry" in result.output
    assert current_model_path(folder / "models") is not None


def test_leakage_guard_drops_a_column_that_gives_the_outcome_away() -> None:
    rows = world(rows=300)
    for row in rows:  # the CRM stage, exported next to the features
        row["stage"] = "Closed Won" if row["converted"] == "true" else "Closed Lost"
    data = build_dataset(Inputs(Table("leads", list(rows[0]), rows)))
    assert data.guard.dropped["stage"] is Dropped.TOO_GOOD
    assert "pricing_page_views" in data.kinds


def test_predict_scores_a_table_with_the_model_in_force(tmp_path: Path) -> None:
    folder = scoring_folder(tmp_path)
    leads = write_csv(tmp_path / "leads.csv", world())
    assert (
        runner.invoke(app, ["score", "train", str(leads), "--config", str(folder)]).exit_code == 0
    )
    new = write_csv(
        tmp_path / "new.csv",
        [
            {"lead_id": "N1", "industry": "Retail", "pricing_page_views": 6, "touch_count": 9},
            {"lead_id": "N2", "industry": "Retail", "pricing_page_views": 0, "touch_count": 1},
        ],
    )
    out = tmp_path / "scored.csv"
    result = runner.invoke(
        app, ["score", "predict", str(new), "--out", str(out), "--config", str(folder)]
    )
    assert result.exit_code == 0, result.output
    keen, idle = list(csv.DictReader(out.open(encoding="utf-8-sig")))
    assert float(keen["probability"]) > float(idle["probability"])
    assert "pricing_page_views" in keen["contributions"] and keen["model_version"].startswith(
        "model-1-"
    )


def test_outcomes_as_a_flag_column_join_the_leads_by_id() -> None:
    rows = world(rows=300)
    leads = Table(
        "leads",
        [h for h in rows[0] if h != "converted"],
        [{k: v for k, v in r.items() if k != "converted"} for r in rows],
    )
    outcomes = Table(
        "outcomes",
        ["lead_id", "converted_within_90_days"],
        [{"lead_id": r["lead_id"], "converted_within_90_days": r["converted"]} for r in rows],
    )
    data = build_dataset(Inputs(leads, outcomes=outcomes))
    assert data.labels == [r["converted"] == "true" for r in rows]


def test_trees_must_clearly_beat_the_explainable_model_to_be_chosen() -> None:
    from leadflow.scoring.train import TREES_MARGIN, Candidate, pick

    close = [
        Candidate("logistic, standardised, C=0.01", 0.650),
        Candidate("boosted trees", 0.650 + TREES_MARGIN / 2),
    ]
    assert pick(close) == "logistic, standardised, C=0.01"
    clear = [close[0], Candidate("boosted trees", 0.650 + 2 * TREES_MARGIN)]
    assert pick(clear) == "boosted trees"

"""`score calibrate` fixed: CRM format, empty join, duplicates, held-out figures, no silent worse."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from leadflow.cli.main import app
from leadflow.core.db import session_scope
from leadflow.core.models import Lead
from leadflow.scoring.calibrate import calibrate, held_out
from leadflow.scoring.policy import load_scoring
from tests.factories import make_lead_view

pytestmark = pytest.mark.db
ROOT = Path(__file__).resolve().parents[3]
runner = CliRunner()


def write(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows([header, *rows])
    return path


def contrary_world(count: int = 240) -> list[tuple[str, str, bool]]:
    """Core industries convert on held-out rows but not on training rows: fitting must do worse."""
    rows = []
    for i in range(count):
        email = f"p{i}@firm{i}.example"
        industry = "Software" if i % 2 else "Retail"
        core = industry == "Software"
        rows.append((email, industry, core if held_out(email) else (not core) == (i % 3 != 0)))
    return rows


def store(rows: list[tuple[str, str, bool]]) -> None:
    with session_scope() as session:
        session.add_all(Lead(email=e, domain=e.split("@")[1], industry=i) for e, i, _ in rows)


def test_the_shipped_crm_sample_gives_a_clear_error_when_no_lead_matches(
    leadflow_env, tmp_path: Path
) -> None:
    result = runner.invoke(
        app,
        [
            "score",
            "calibrate",
            str(ROOT / "examples" / "outcomes_sample.csv"),
            "--out",
            str(tmp_path / "p.yaml"),
        ],
    )
    assert result.exit_code == 2, result.output
    assert "matches a stored lead" in result.output


def test_crm_stage_export_is_read_and_duplicates_are_reported(leadflow_env, tmp_path: Path) -> None:
    rows = contrary_world()
    store(rows)
    lines = [
        [f"006{n}", e, "Closed Won" if y else "Closed Lost", "1000"]
        for n, (e, _, y) in enumerate(rows)
    ]
    lines.append(["006dup", rows[0][0], "Closed Won", "5"])
    source = write(tmp_path / "sf.csv", ["Opportunity ID", "Email", "Stage Name", "Amount"], lines)
    result = runner.invoke(
        app, ["score", "calibrate", str(source), "--out", str(tmp_path / "p.yaml"), "--force"]
    )
    assert result.exit_code == 0, result.output
    assert "240 outcomes matched" in result.output and "from stage" in result.output
    assert "1 leads have several outcome rows" in result.output


def test_a_worse_proposal_is_refused_unless_forced(leadflow_env, tmp_path: Path) -> None:
    rows = contrary_world()
    store(rows)
    folder = tmp_path / "scoring"
    shutil.copytree(ROOT / "scoring", folder, ignore=shutil.ignore_patterns("cases", "models"))
    source = write(
        tmp_path / "o.csv", ["email", "converted"], [[e, "yes" if y else "no"] for e, _, y in rows]
    )
    proposal = tmp_path / "p.yaml"
    refused = runner.invoke(
        app, ["score", "calibrate", str(source), "--out", str(proposal), "--config", str(folder)]
    )
    assert refused.exit_code == 1, refused.output
    assert "ranks worse" in refused.output and not proposal.exists()
    forced = runner.invoke(
        app,
        [
            "score",
            "calibrate",
            str(source),
            "--out",
            str(proposal),
            "--config",
            str(folder),
            "--force",
        ],
    )
    assert forced.exit_code == 0 and proposal.exists()


def test_precision_and_recall_at_mql_count_held_out_rows_only() -> None:
    policy = load_scoring(ROOT / "scoring")
    rows = contrary_world()
    views = [
        make_lead_view(id=n, email=e, industry=i, employees=300, title="VP Sales", country="US")
        for n, (e, i, _) in enumerate(rows)
    ]
    labels = [y for _, _, y in rows]
    result = calibrate(views, labels, policy)
    held = [(v, y) for v, y in zip(views, labels, strict=True) if held_out(v.email)]
    hot = [y for v, y in held if v.industry == "Software"]  # 25+25+20+10 = 80 >= 70
    assert result.precision_at_mql == pytest.approx(sum(hot) / len(hot))
    assert result.recall_at_mql == pytest.approx(sum(hot) / sum(y for _, y in held))

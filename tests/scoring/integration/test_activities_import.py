"""`leadflow activities import`: history in as engagement events with their times, once."""

from __future__ import annotations

import csv
from datetime import datetime, timezone
from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from leadflow.cli.main import app
from leadflow.core.db import session_scope
from leadflow.core.models import EngagementEvent, Lead
from leadflow.scoring.engagement_decay import Event, engagement_score
from leadflow.scoring.engagement_policy import load_engagement

pytestmark = pytest.mark.db
ROOT = Path(__file__).resolve().parents[3]
runner = CliRunner()


def add_leads(*emails: str) -> dict[str, int]:
    with session_scope() as session:
        leads = [Lead(email=e, domain=e.split("@")[1]) for e in emails]
        session.add_all(leads)
        session.flush()
        return {lead.email: lead.id for lead in leads}


def write(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def events() -> list[tuple[str | None, int | None, str, datetime]]:
    with session_scope() as session:
        return [
            tuple(r)
            for r in session.execute(  # type: ignore[misc]
                select(
                    EngagementEvent.type,
                    EngagementEvent.lead_id,
                    EngagementEvent.provider_event_id,
                    EngagementEvent.occurred_at,
                ).order_by(EngagementEvent.id)
            )
        ]


def test_hubspot_style_log_imports_once_with_original_times(leadflow_env, tmp_path: Path) -> None:
    ids = add_leads("ana@acme.example", "bo@beta.example")
    log = write(
        tmp_path / "activities.csv",
        ["Activity ID", "Email", "Activity Type", "Activity Date"],
        [
            ["a1", "Ana@Acme.example", "Email Open", "2026-10-01 09:00"],
            ["a2", "ana@acme.example", "Meeting", "2026-10-20"],
            ["a3", "bo@beta.example", "Pricing Page", "2026-11-01"],
            ["a4", "ghost@nowhere.example", "Click", "2026-11-02"],
            ["a5", "bo@beta.example", "Carrier Pigeon", "2026-11-03"],
            ["a6", "", "Click", "2026-11-03"],
        ],
    )
    first = runner.invoke(app, ["activities", "import", str(log)])
    assert first.exit_code == 0, first.output
    assert "5 events, 5 new" in first.output and "Carrier Pigeon 1" in first.output
    assert "line 7: no lead email or id" in first.output
    stored = events()
    assert [(t, lead) for t, lead, _, _ in stored] == [
        ("open", ids["ana@acme.example"]),
        ("meeting", ids["ana@acme.example"]),
        ("visit", ids["bo@beta.example"]),
        ("click", None),
        ("carrier_pigeon", ids["bo@beta.example"]),
    ]
    assert stored[1][3].replace(tzinfo=timezone.utc) == datetime(2026, 10, 20, tzinfo=timezone.utc)
    again = runner.invoke(app, ["activities", "import", str(log)])
    assert again.exit_code == 0 and "0 new, 5 already held" in again.output
    assert len(events()) == 5


def test_counts_as_of_a_date_become_decayed_events(leadflow_env, tmp_path: Path) -> None:
    ids = add_leads("cy@gamma.example")
    counts = write(
        tmp_path / "leads.csv",
        ["Email", "pricing_page_views", "Emails Opened"],
        [["cy@gamma.example", "2", "3"]],
    )
    result = runner.invoke(app, ["activities", "import", str(counts), "--as-of", "2026-11-01"])
    assert result.exit_code == 0, result.output
    assert (
        runner.invoke(
            app, ["activities", "import", str(counts), "--as-of", "2026-11-01"]
        ).output.count("0 new")
        == 1
    )
    with session_scope() as session:
        rows = session.execute(
            select(EngagementEvent.type, EngagementEvent.url, EngagementEvent.occurred_at).where(
                EngagementEvent.lead_id == ids["cy@gamma.example"]
            )
        ).all()
        assert session.scalar(select(func.count()).select_from(EngagementEvent)) == 5
    policy = load_engagement(ROOT / "scoring")
    at = datetime(2026, 11, 15, tzinfo=timezone.utc)
    result_now = engagement_score(
        [Event(t, o.replace(tzinfo=timezone.utc), u) for t, u, o in rows], policy, at
    )
    pricing = [c for c in result_now.contributions if c.signal == "pricing_visit"]
    assert pricing and pricing[0].points == pytest.approx(10.0)  # 20 points, one 14-day half-life


def test_a_file_without_a_lead_column_is_refused(leadflow_env, tmp_path: Path) -> None:
    bad = write(tmp_path / "x.csv", ["Activity Type", "Date"], [["Click", "2026-11-01"]])
    result = runner.invoke(app, ["activities", "import", str(bad)])
    assert result.exit_code == 2 and "no lead email or lead id column" in result.output

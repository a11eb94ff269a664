"""The nightly report flow's artifacts, and the report, plan and outcomes commands end to end."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

import pytest

from leadflow.core.db import session_scope
from tests.factories import REPORT_OUTCOMES_CSV, seed_report_database

AS_OF = "2026-11-11T00:00:00+00:00"


def table(data: object) -> list[dict[str, str]]:
    """A table artifact's rows (the API hands them back as JSON text)."""
    return json.loads(data) if isinstance(data, str) else data  # type: ignore[return-value]


@pytest.fixture
def seeded(leadflow_env, tmp_path: Path) -> Path:  # type: ignore[no-untyped-def]
    with session_scope() as session:
        seed_report_database(session)
    path = tmp_path / "crm.csv"
    path.write_text(REPORT_OUTCOMES_CSV, encoding="utf-8")
    return path


def test_nightly_report_publishes_funnel_attribution_and_rep_artifacts(
    prefect_harness, seeded: Path
) -> None:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId

    from flows.report import nightly_report

    state = nightly_report(
        period_days=10, now=datetime(2026, 11, 11, tzinfo=timezone.utc), return_state=True
    )
    assert state.is_completed()
    # Before the outcomes import: 6 leads; MQL L1-L4 (L6 is not won yet, so nothing says it passed MQL);
    # SQL L1, L2, L4; no opportunities. MQL conversion 4/6 = 67%, gap 1 of 4 = 25% (L3).
    assert state.result() == {"lead": 6, "mql": 4, "sql": 3, "opportunity": 0, "won": 0}
    run_id = state.state_details.flow_run_id
    with get_client(sync_client=True) as client:
        artifacts = client.read_artifacts(
            flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[run_id]))
        )
    by_key = {a.key: a for a in artifacts}
    assert set(by_key) == {"report-funnel", "report-campaigns", "report-attribution", "report-reps"}
    funnel = by_key["report-funnel"].data
    assert "| MQL | 4 | 67% |" in funnel and "gap (MQL not SQL) | 1 (25%)" in funnel
    assert by_key["report-funnel"].type == "markdown" and by_key["report-reps"].type == "table"
    reps = {row["rep"]: row for row in table(by_key["report-reps"].data)}
    assert (reps["anna"]["offered"], reps["bo"]["SLA breaches"], reps["cai"]["reclaimed"]) == (
        "3",
        "2",
        "1",
    )
    campaigns = {row["campaign"]: row for row in table(by_key["report-campaigns"].data)}
    assert (campaigns["webinar-nov"]["leads"], campaigns["tradeshow-nov"]["per lead"]) == (
        "3",
        "1,000",
    )


def test_outcomes_report_and_plan_commands(run_cli, seeded: Path, tmp_path: Path) -> None:
    first = run_cli("outcomes", "import", str(seeded), "--at", AS_OF)
    assert first.returncode == 0, first.stderr
    assert (
        "4 new, 0 updated, 0 unchanged; 3 matched to leads, 1 unmatched (kept), 1 bad rows"
        in first.stdout
    )
    assert "bad line 6: amount 'soon' is not a number" in first.stderr
    again = run_cli("outcomes", "import", str(seeded), "--at", AS_OF)
    assert "0 new, 0 updated, 4 unchanged" in again.stdout

    html = tmp_path / "report.html"
    shown = run_cli("report", "--period", "10d", "--at", AS_OF, "--html", str(html))
    assert shown.returncode == 0, shown.stderr
    assert (
        "MQL/SQL gap" in shown.stdout and "1 (20%)" in shown.stdout
    )  # after the import: 5 MQLs, 4 SQLs
    page = html.read_text(encoding="utf-8")
    assert "tradeshow-nov" in page and "wrong_match 1" in page

    # 3 wins at 6 leads, 5 MQL, 4 SQL, 3 opps, 2 won: 9 leads, 8 MQLs, 6 SQLs, 5 opps.
    planned = run_cli("plan", "--target-won", "3", "--period", "10d", "--at", AS_OF)
    assert planned.returncode == 0, planned.stderr
    needed = [line.split("│")[1:3] for line in planned.stdout.splitlines() if line.count("│") >= 3]
    assert [(s.strip(), n.strip()) for s, n in needed[:5]] == [
        ("Lead", "9"),
        ("MQL", "8"),
        ("SQL", "6"),
        ("Opportunity", "5"),
        ("Won", "3"),
    ]


def test_plan_without_wins_says_it_cannot(run_cli, seeded: Path) -> None:
    result = run_cli("plan", "--target-won", "5", "--period", "10d", "--at", AS_OF)
    assert result.returncode == 1
    assert "no conversions measured at sql -> opportunity" in " ".join(result.stdout.split())


def test_a_bad_period_is_refused(run_cli, leadflow_env) -> None:  # type: ignore[no-untyped-def]
    result = run_cli("report", "--period", "soon")
    assert result.returncode == 2 and "not like 30d" in result.stderr


def test_nightly_report_on_an_empty_database_completes(prefect_harness, leadflow_env) -> None:
    from flows.report import nightly_report

    state = nightly_report(period_days=30, return_state=True)
    assert state.is_completed()
    assert state.result() == {"lead": 0, "mql": 0, "sql": 0, "opportunity": 0, "won": 0}

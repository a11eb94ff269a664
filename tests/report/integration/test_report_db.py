"""The reports and the outcomes import against a real database (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import select

from leadflow.core.db import session_scope
from leadflow.core.models import CrmOutcome, Lead
from leadflow.report.outcomes import import_file
from leadflow.report.build import build
from leadflow.report.html import render
from leadflow.report.queries import load
from tests.factories import REPORT_OUTCOMES_CSV, seed_report_database

AS_OF = datetime(2026, 11, 11, tzinfo=timezone.utc)
IMPORTED = datetime(2026, 11, 11, 6, tzinfo=timezone.utc)


@pytest.fixture
def outcomes_csv(tmp_path: Path) -> Path:
    path = tmp_path / "crm.csv"
    path.write_text(REPORT_OUTCOMES_CSV, encoding="utf-8")
    return path


@pytest.fixture
def seeded(leadflow_env, outcomes_csv: Path):  # type: ignore[no-untyped-def]
    with session_scope() as session:
        seed_report_database(session)
    with session_scope() as session:
        first = import_file(session, outcomes_csv, IMPORTED)
    return first


def report():  # type: ignore[no-untyped-def]
    with session_scope() as session:
        return build(load(session, AS_OF), timedelta(days=10))


def test_outcomes_import_keeps_unmatched_reports_bad_and_is_idempotent(
    seeded, outcomes_csv: Path
) -> None:
    # 5 data rows: OPP-1, OPP-4 (email in upper case), OPP-6 matched; OPP-9 unmatched; line 6 bad.
    assert (seeded.inserted, seeded.matched, seeded.stage_changes) == (4, 3, 3)
    assert seeded.unmatched == [(5, "stranger@elsewhere.example")]
    assert seeded.bad == [(6, "amount 'soon' is not a number")]
    with session_scope() as session:
        again = import_file(session, outcomes_csv, IMPORTED + timedelta(hours=1))
    assert (again.inserted, again.updated, again.unchanged, again.stage_changes) == (0, 0, 4, 0)
    with session_scope() as session:
        stored = {o.external_id: o for o in session.scalars(select(CrmOutcome))}
        stages = dict(session.execute(select(Lead.id, Lead.lifecycle_stage)).tuples().all())
    assert sorted(stored) == ["OPP-1", "OPP-4", "OPP-6", "OPP-9"]
    assert stored["OPP-9"].lead_id is None and stored["OPP-9"].email == "stranger@elsewhere.example"
    assert (stored["OPP-1"].lead_id, stored["OPP-1"].status, stored["OPP-1"].amount) == (
        1,
        "won",
        5000.0,
    )
    assert (stages[1], stages[4], stages[6]) == ("won", "opportunity", "won")


def test_a_changed_crm_row_updates_in_place(seeded, tmp_path: Path) -> None:
    changed = tmp_path / "later.csv"
    changed.write_text(
        "Opportunity ID,Email,Stage Name,Amount,Created Date,Close Date\n"
        "OPP-4,l4@report.example,Closed Won,700,2026-11-06,2026-11-12\n",
        encoding="utf-8",
    )
    with session_scope() as session:
        result = import_file(session, changed, IMPORTED + timedelta(days=2))
    assert (result.inserted, result.updated, result.stage_changes) == (0, 1, 1)
    with session_scope() as session:
        assert (
            session.scalar(select(CrmOutcome.amount).where(CrmOutcome.external_id == "OPP-4"))
            == 700.0
        )


def test_report_numbers_from_the_database(seeded) -> None:
    built = report()
    # The same hand-computed numbers as the unit tests: the rows survive the database round trip.
    assert [r.count for r in built.funnel] == [6, 5, 4, 3, 2]
    assert [r.days_to_next for r in built.funnel] == [1.5, 1.0, 2.0, 3.0, None]
    assert (built.gap.mqls, built.gap.sqls, dict(built.gap.where)) == (
        5,
        4,
        {"waiting for the rep": 1},
    )
    reps = {r.rep: r for r in built.reps}
    assert (
        reps["anna"].assigned,
        reps["anna"].accepted,
        reps["bo"].sla_breaches,
        reps["cai"].reclaimed,
    ) == (3, 2, 2, 1)
    webinar, tradeshow = built.campaigns
    assert (
        webinar.leads,
        webinar.won,
        webinar.won_amount,
        tradeshow.opportunities,
        tradeshow.won_amount,
    ) == (3, 1, 5000.0, 2, 3000.0)
    assert built.credit["last_touch"][2].won_amount == 8000  # L1 last touched by the trade show
    health = {h.stage: h for h in built.health}
    assert (health["lead"].current, health["lead"].norm, health["lead"].band) == (
        6,
        1.0,
        "excellent",
    )


def test_html_is_self_contained_and_shows_the_numbers(seeded, tmp_path: Path) -> None:
    page = render(report())
    assert "<script" not in page and "https://" not in page
    assert page.count("http://") == page.count(
        "http://www.w3.org/2000/svg"
    )  # only the SVG namespace
    for text in (
        "webinar-nov",
        "tradeshow-nov",
        "83%",  # lead -> MQL: 5 of 6
        "8,000",
        "excellent (&gt;100%)",
        "wrong_match 1",
        "<svg",
    ):
        assert text in page, text

"""Funnel, MQL/SQL gap and health over the hand-computed fixture in tests/factories.py."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from leadflow.report.funnel import band, cohort, funnel, health, mql_sql_gap
from leadflow.report.rows import LeadRow, Window
from tests.factories import make_report_dataset

DATA = make_report_dataset()
WINDOW = Window(
    datetime(2026, 11, 1, tzinfo=timezone.utc), datetime(2026, 11, 11, tzinfo=timezone.utc)
)


def test_cohort_is_the_leads_created_in_the_period() -> None:
    assert [lead.id for lead in cohort(DATA.leads, WINDOW)] == [1, 2, 3, 4, 5, 6]  # L7, L8: October


def test_funnel_counts_conversion_and_days_in_stage() -> None:
    rows = funnel(cohort(DATA.leads, WINDOW))
    # lead: L1-L6. MQL: L1-L4 recorded, L6 won so it passed MQL -> 5. SQL: L1, L2, L4, L6 -> 4.
    # opportunity: L1, L4, L6 -> 3. won: L1, L6 -> 2.
    assert [(r.stage, r.count) for r in rows] == [
        ("lead", 6),
        ("mql", 5),
        ("sql", 4),
        ("opportunity", 3),
        ("won", 2),
    ]
    assert [r.conversion for r in rows] == [
        None,
        pytest.approx(5 / 6),
        0.8,
        0.75,
        pytest.approx(2 / 3),
    ]
    # lead -> MQL: L1 1 d, L2 2 d, L3 0.5 d, L4 2 d; median of (0.5, 1, 2, 2) = 1.5.
    # MQL -> SQL: L1 1, L2 2, L4 0 -> 1.  SQL -> opp: L1 2, L4 2 -> 2.  opp -> won: L1 4, L6 2 -> 3.
    assert [r.days_to_next for r in rows] == [1.5, 1.0, 2.0, 3.0, None]


def test_gap_is_the_mqls_sales_has_not_accepted_and_where_they_are() -> None:
    leads = cohort(DATA.leads, WINDOW)
    gap = mql_sql_gap(leads, DATA.assignments)
    # 5 MQLs, 4 SQLs: L3 is the gap, still offered to bo.
    assert (gap.mqls, gap.sqls, gap.gap, gap.rate) == (5, 4, 1, 0.2)
    assert dict(gap.where) == {"waiting for the rep": 1}


def test_an_mql_never_routed_is_its_own_place_in_the_gap() -> None:
    lead = LeadRow(9, WINDOW.start, None, {"mql": WINDOW.start})
    assert dict(mql_sql_gap([lead], []).where) == {"never routed": 1}


@pytest.mark.parametrize(
    ("ratio", "expected"),
    [
        (1.01, "excellent"),
        (1.0, "watch"),
        (0.7, "watch"),
        (0.69, "warning"),
        (0.0, "warning"),
        (None, "no history"),
    ],
)
def test_bands_follow_the_seed(ratio: float | None, expected: str) -> None:
    assert band(ratio) == expected


def test_health_in_the_fixture_compares_with_the_active_trailing_periods() -> None:
    rows = {h.stage: h for h in health(DATA.leads, WINDOW, trailing=3)}
    # Trailing windows: [Oct 22, Nov 1) has L8 (lead, mql, sql); [Oct 12, Oct 22) has L7 (lead, mql);
    # [Oct 2, Oct 12) is empty, so it is not history. Norms: lead 1, mql 1, sql 0.5, opp 0, won 0.
    # This period: 6 leads; MQL entries L1-L4 = 4 (L6's is unrecorded); SQL L1, L2, L4 = 3.
    assert (rows["lead"].current, rows["lead"].norm, rows["lead"].ratio, rows["lead"].band) == (
        6,
        1.0,
        6.0,
        "excellent",
    )
    assert (rows["mql"].current, rows["mql"].ratio) == (4, 4.0)
    assert (rows["sql"].current, rows["sql"].norm, rows["sql"].ratio) == (3, 0.5, 6.0)
    assert (rows["opportunity"].current, rows["opportunity"].band) == (3, "no history")


def test_health_bands_a_slowing_funnel() -> None:
    def lead(i: int, created: datetime, mql: bool) -> LeadRow:
        return LeadRow(i, created, None, {"mql": created + timedelta(hours=1)} if mql else {})

    p0, p1, p2 = WINDOW.start, WINDOW.shifted(1).start, WINDOW.shifted(2).start
    leads = [
        lead(1, p0, True),
        lead(2, p0, True),  # this period: 2 leads, 2 MQLs
        lead(3, p1, True),
        lead(4, p1, False),
        lead(5, p1, False),
        lead(6, p1, False),  # 4 leads, 1 MQL
        lead(7, p2, True),
        lead(8, p2, True),
    ]  # 2 leads, 2 MQLs
    rows = {h.stage: h for h in health(leads, WINDOW, trailing=2)}
    # leads: 2 against (4 + 2) / 2 = 3 -> 67%, warning. MQLs: 2 against (1 + 2) / 2 = 1.5 -> 133%, excellent.
    assert (rows["lead"].ratio, rows["lead"].band) == (pytest.approx(2 / 3), "warning")
    assert (rows["mql"].ratio, rows["mql"].band) == (pytest.approx(4 / 3), "excellent")
    # SQL: no entries anywhere, so no norm to judge by.
    assert rows["sql"].band == "no history"

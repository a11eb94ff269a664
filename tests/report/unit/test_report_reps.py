"""Per-rep load, acceptance, rejection reasons and SLA breaches over the fixture."""

from __future__ import annotations

from datetime import datetime, timezone

from leadflow.report.reps import rep_table
from leadflow.report.rows import Window
from tests.factories import make_report_dataset

DATA = make_report_dataset()
WINDOW = Window(
    datetime(2026, 11, 1, tzinfo=timezone.utc), datetime(2026, 11, 11, tzinfo=timezone.utc)
)


def test_rep_table_by_hand() -> None:
    rows = {r.rep: r for r in rep_table(DATA.assignments, WINDOW, DATA.as_of)}
    anna, bo, cai = rows["anna"], rows["bo"], rows["cai"]
    # anna: L1 accepted after 14 h, L2 rejected (wrong match) after 12 h, L4 accepted after 6 h; all in SLA.
    assert (anna.assigned, anna.open, anna.accepted, anna.rejected, anna.reclaimed) == (
        3,
        0,
        2,
        1,
        0,
    )
    assert (anna.acceptance, anna.sla_breaches, anna.median_hours_to_accept) == (2 / 3, 0, 10.0)
    assert dict(anna.reject_reasons) == {"wrong_match": 1}
    # bo: L2 accepted after 36 h (due after 24: a breach), L3 still offered on Nov 11 (due Nov 3: a breach).
    assert (bo.assigned, bo.open, bo.accepted, bo.acceptance, bo.sla_breaches) == (2, 1, 1, 1.0, 2)
    assert bo.median_hours_to_accept == 36.0
    # cai: L5 reclaimed by the sweep, never answered: a breach, acceptance 0 of 1.
    assert (cai.assigned, cai.reclaimed, cai.acceptance, cai.sla_breaches) == (1, 1, 0.0, 1)


def test_busiest_rep_first_and_only_offers_in_the_window() -> None:
    assert [r.rep for r in rep_table(DATA.assignments, WINDOW, DATA.as_of)] == ["anna", "bo", "cai"]
    assert rep_table(DATA.assignments, WINDOW.shifted(1), DATA.as_of) == []


def test_expired_offers_and_reclaimed_acceptances() -> None:
    from datetime import timedelta

    from leadflow.report.rows import AssignmentRow

    start = WINDOW.start
    due = start + timedelta(days=1)
    expired = AssignmentRow(1, "dan", "expired", None, start, due, due + timedelta(hours=1), None)
    # accepted in 2 h, then reclaimed for no follow-up: an acceptance in time, not a breach.
    reclaimed = AssignmentRow(
        2,
        "dan",
        "reclaimed",
        None,
        start,
        due,
        start + timedelta(days=5),
        start + timedelta(hours=2),
    )
    (dan,) = rep_table([expired, reclaimed], WINDOW, DATA.as_of)
    assert (dan.assigned, dan.accepted, dan.expired, dan.reclaimed, dan.sla_breaches) == (
        2,
        1,
        1,
        1,
        1,
    )
    assert (dan.acceptance, dan.median_hours_to_accept) == (0.5, 2.0)

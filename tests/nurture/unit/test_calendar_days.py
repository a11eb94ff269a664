"""delay_days means local calendar days at the same wall-clock time, across both DST changes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from leadflow.nurture.policy import Step, Window
from leadflow.nurture.send_window import add_calendar_days, calendar_for
from leadflow.nurture.sequence import step_due

NEW_YORK, BERLIN, SYDNEY = (
    ZoneInfo("America/New_York"),
    ZoneInfo("Europe/Berlin"),
    ZoneInfo("Australia/Sydney"),
)
# (zone, a local Thursday 16:30 five days before a change is crossed, hours the clock moved)
CROSSINGS = [
    (NEW_YORK, datetime(2026, 3, 5, 16, 30), +1),  # clocks forward Sunday 8 March
    (NEW_YORK, datetime(2026, 10, 29, 16, 30), -1),  # back Sunday 1 November
    (BERLIN, datetime(2026, 3, 26, 16, 30), +1),  # forward Sunday 29 March
    (BERLIN, datetime(2026, 10, 22, 16, 30), -1),  # back Sunday 25 October
    (SYDNEY, datetime(2026, 4, 2, 16, 30), -1),  # back Sunday 5 April (southern autumn)
    (SYDNEY, datetime(2026, 10, 1, 16, 30), +1),  # forward Sunday 4 October
]


@pytest.mark.parametrize(
    ("zone", "local_start", "moved"), CROSSINGS, ids=[f"{z.key}-{s:%b}" for z, s, _ in CROSSINGS]
)
def test_five_days_later_is_the_same_local_time_across_a_dst_change(zone, local_start, moved):
    start = local_start.replace(tzinfo=zone).astimezone(UTC)
    calendar = calendar_for(zone, Window())
    due = step_due(Step(template="t", subject="s", delay_days=5), start, calendar)
    local_due = due.astimezone(zone)
    assert (local_due.date(), local_due.hour, local_due.minute) == (
        (local_start + timedelta(days=5)).date(),
        16,
        30,
    )
    assert local_due.strftime("%a") == "Tue"
    # The clock moved in between, so the elapsed time is not 5 x 24 hours: an hour less or more.
    assert due - start == timedelta(days=5, hours=-moved)


def test_the_issues_example_thursday_1630_new_york_lands_tuesday_1630_not_1530():
    start = datetime(2026, 10, 29, 16, 30, tzinfo=NEW_YORK)
    due = step_due(
        Step(template="t", subject="s", delay_days=5), start, calendar_for(NEW_YORK, Window())
    )
    assert due.astimezone(NEW_YORK).strftime("%a %H:%M") == "Tue 16:30"
    assert (start.astimezone(UTC) + timedelta(days=5)).astimezone(NEW_YORK).strftime(
        "%a %H:%M"
    ) == "Tue 15:30"  # the old drift


def test_a_wall_clock_time_the_change_skips_lands_just_after_the_gap():
    start = datetime(2026, 2, 26, 2, 30, tzinfo=NEW_YORK)  # 02:30 does not exist on 8 March
    assert (
        add_calendar_days(NEW_YORK, start, 10).astimezone(NEW_YORK).strftime("%d %H:%M %Z")
        == "08 03:30 EDT"
    )


def test_delay_hours_stay_elapsed_hours_and_a_fraction_of_a_day_adds_hours():
    start = datetime(2026, 3, 7, 12, tzinfo=NEW_YORK)  # the day before clocks go forward
    step = Step(template="t", subject="s", delay_hours=24)
    assert step_due(step, start, calendar_for(NEW_YORK, Window())) - start == timedelta(hours=24)
    assert (
        add_calendar_days(NEW_YORK, start, 1.5).astimezone(NEW_YORK).strftime("%d %H:%M")
        == "09 00:00"
    )


@given(
    st.datetimes(
        min_value=datetime(2026, 1, 1), max_value=datetime(2027, 12, 31), timezones=st.just(UTC)
    ),
    st.integers(min_value=1, max_value=400),
    st.sampled_from([NEW_YORK, BERLIN, SYDNEY]),
)
def test_calendar_days_keep_the_local_clock_unless_it_falls_in_a_gap(start, days, zone):
    local = start.astimezone(zone)
    due = add_calendar_days(zone, start, days).astimezone(zone)
    assert due.date() == local.date() + timedelta(days=days)
    wanted = local.replace(tzinfo=None) + timedelta(days=days)
    back = wanted.replace(tzinfo=zone).astimezone(UTC).astimezone(zone).replace(tzinfo=None)
    if back == wanted:  # the wall-clock time exists that day: kept exactly
        assert due.replace(tzinfo=None) == wanted
    else:  # in a spring-forward gap: later, never earlier, by the size of the gap
        assert due.replace(tzinfo=None) == back and back > wanted

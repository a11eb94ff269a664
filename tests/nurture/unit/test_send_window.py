"""Send windows, quiet hours, holidays, business days and the cap: pure, across zones and DST."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from leadflow.nurture.policy import Cap, QuietHours, Window
from leadflow.nurture.send_window import (
    add_business_days,
    calendar_for,
    cap_clear_at,
    closed_reason,
    next_open,
    open_hours,
    plan_send,
)

NY, LONDON, SYDNEY = (
    ZoneInfo("America/New_York"),
    ZoneInfo("Europe/London"),
    ZoneInfo("Australia/Sydney"),
)
WEEKDAYS = Window()  # Monday to Friday, 09:00 to 17:00


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_inside_the_window_it_may_go_now() -> None:
    calendar = calendar_for(NY, WEEKDAYS)
    tuesday_ten_am = utc(2026, 11, 10, 15)  # 10:00 EST
    assert closed_reason(calendar, tuesday_ten_am) is None
    assert next_open(calendar, tuesday_ten_am) == tuesday_ten_am


def test_friday_evening_waits_for_monday_nine_local() -> None:
    calendar = calendar_for(NY, WEEKDAYS)
    friday_evening = utc(2026, 11, 13, 23)  # 18:00 EST
    assert closed_reason(calendar, friday_evening) == "window"
    assert next_open(calendar, friday_evening) == utc(2026, 11, 16, 14)  # Monday 09:00 EST


def test_nine_local_moves_in_utc_when_new_york_leaves_daylight_time() -> None:
    # 1 November 2026: EDT (-4) ends. Monday 09:00 is 13:00 UTC before, 14:00 UTC after.
    calendar = calendar_for(NY, WEEKDAYS)
    assert next_open(calendar, utc(2026, 10, 24, 12)) == utc(2026, 10, 26, 13)
    assert next_open(calendar, utc(2026, 10, 31, 12)) == utc(2026, 11, 2, 14)


def test_london_and_sydney_change_clocks_on_their_own_dates() -> None:
    # London leaves BST on 25 October; Sydney enters AEDT on 4 October.
    london = calendar_for(LONDON, WEEKDAYS)
    assert next_open(london, utc(2026, 10, 23, 17)) == utc(2026, 10, 26, 9)  # 09:00 GMT
    assert next_open(london, utc(2026, 10, 16, 17)) == utc(2026, 10, 19, 8)  # 09:00 BST
    sydney = calendar_for(SYDNEY, WEEKDAYS)
    assert next_open(sydney, utc(2026, 10, 2, 9)) == utc(2026, 10, 4, 22)  # Mon 5 Oct 09:00 AEDT
    assert next_open(sydney, utc(2026, 9, 25, 9)) == utc(2026, 9, 27, 23)  # Mon 28 Sep 09:00 AEST


def test_a_window_opening_inside_a_dst_gap_opens_after_it_never_before() -> None:
    # 8 March 2026, 02:00-03:00 does not exist in New York.
    window = Window(days=["sun"], start=time(2, 30), end=time(4))
    opened = next_open(calendar_for(NY, window), utc(2026, 3, 8, 5))
    assert opened >= utc(2026, 3, 8, 5) and closed_reason(calendar_for(NY, window), opened) is None
    assert opened.astimezone(NY).hour == 3


def test_holidays_are_skipped_in_the_leads_own_calendar() -> None:
    thanksgiving = date(2026, 11, 26)
    calendar = calendar_for(NY, WEEKDAYS, holidays=[thanksgiving])
    assert closed_reason(calendar, utc(2026, 11, 26, 15)) == "holiday"
    assert next_open(calendar, utc(2026, 11, 25, 23)) == utc(2026, 11, 27, 14)


def test_quiet_hours_cut_into_a_wide_window_and_may_wrap_midnight() -> None:
    quiet = QuietHours(start=time(20), end=time(8))
    assert open_hours(time(7), time(22), quiet) == ((time(8), time(20)),)
    assert open_hours(time(9), time(17), QuietHours(start=time(12), end=time(13))) == (
        (time(9), time(12)),
        (time(13), time(17)),
    )
    every_day = Window(
        days=["mon", "tue", "wed", "thu", "fri", "sat", "sun"], start=time(7), end=time(22)
    )
    calendar = calendar_for(LONDON, every_day, quiet)
    assert closed_reason(calendar, utc(2026, 11, 14, 21)) == "quiet_hours"
    assert next_open(calendar, utc(2026, 11, 14, 21)) == utc(2026, 11, 15, 8)


def test_business_days_skip_weekends_and_holidays_and_keep_the_local_hour() -> None:
    calendar = calendar_for(NY, WEEKDAYS, holidays=[date(2026, 11, 26)])
    wednesday_ten = utc(2026, 11, 25, 15)
    assert add_business_days(calendar, wednesday_ten, 1) == utc(
        2026, 11, 27, 15
    )  # Thursday is a holiday
    assert add_business_days(calendar, wednesday_ten, 2) == utc(
        2026, 11, 30, 15
    )  # then the weekend
    # Across the DST change the local hour holds: Friday 10:00 EDT -> Monday 10:00 EST.
    assert add_business_days(calendar, utc(2026, 10, 30, 14), 1) == utc(2026, 11, 2, 15)


def test_the_cap_defers_until_the_oldest_send_ages_out() -> None:
    cap, now = Cap(max_emails=2, per_days=7), utc(2026, 11, 10, 15)
    assert cap_clear_at([now - timedelta(days=1)], cap, now) == now
    two = [now - timedelta(days=6), now - timedelta(days=2)]
    assert cap_clear_at(two, cap, now) == now + timedelta(days=1)
    three = [now - timedelta(days=5), now - timedelta(days=3), now - timedelta(hours=1)]
    assert cap_clear_at(three, cap, now) == now - timedelta(days=3) + timedelta(days=7)
    assert cap_clear_at([now - timedelta(days=8), now - timedelta(days=7)], cap, now) == now


def test_plan_names_the_rule_that_moved_the_time() -> None:
    calendar, cap = calendar_for(NY, WEEKDAYS), Cap(max_emails=1, per_days=7)
    saturday = utc(2026, 11, 14, 15)
    assert plan_send(saturday, calendar).rule == "window"
    capped = plan_send(utc(2026, 11, 10, 15), calendar, sends=[utc(2026, 11, 9, 15)], cap=cap)
    assert capped.rule == "cap" and capped.at == utc(
        2026, 11, 16, 15
    )  # cleared Monday 10:00, inside
    # The cap clears on a Saturday: the window then moves it to Monday 09:00, still under "cap".
    late = plan_send(utc(2026, 11, 10, 15), calendar, sends=[utc(2026, 11, 7, 15)], cap=cap)
    assert late.rule == "cap" and late.at == utc(2026, 11, 16, 14)
    assert not plan_send(utc(2026, 11, 10, 15), calendar).deferred


def test_an_immediate_step_skips_the_clock_but_never_the_cap() -> None:
    calendar, saturday_night = calendar_for(NY, WEEKDAYS), utc(2026, 11, 15, 3)
    assert not plan_send(saturday_night, calendar, timing="immediate").deferred
    capped = plan_send(
        saturday_night,
        calendar,
        "immediate",
        [saturday_night - timedelta(hours=1)],
        Cap(max_emails=1, per_days=1),
    )
    assert capped.rule == "cap" and capped.at == saturday_night + timedelta(hours=23)


def test_a_window_that_never_opens_is_an_error_not_a_hang() -> None:
    calendar = calendar_for(NY, WEEKDAYS, QuietHours(start=time(8), end=time(18)))
    with pytest.raises(ValueError, match="never opens"):
        next_open(calendar, utc(2026, 11, 10, 15))


ZONES = [
    ZoneInfo(z)
    for z in (
        "America/New_York",
        "Europe/London",
        "Australia/Sydney",
        "Asia/Shanghai",
        "America/Los_Angeles",
        "Asia/Kolkata",
        "America/St_Johns",
        "Pacific/Auckland",
    )
]


@settings(max_examples=300, deadline=None)
@given(
    moment=st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2027, 12, 31)),
    zone=st.sampled_from(ZONES),
    start=st.integers(0, 20),
    hours=st.integers(1, 3),
    quiet=st.booleans(),
)
def test_next_open_is_open_and_nothing_earlier_was(
    moment: datetime, zone: ZoneInfo, start: int, hours: int, quiet: bool
) -> None:
    window = Window(start=time(start), end=time(start + hours))
    calendar = calendar_for(
        zone,
        window,
        QuietHours(start=time(22), end=time(6)) if quiet else None,
        holidays=[date(2026, 12, 25), date(2027, 1, 1)],
    )
    at = moment.replace(tzinfo=UTC)
    try:
        opened = next_open(calendar, at)
    except ValueError:  # the window lies entirely inside quiet hours
        assert quiet
        return
    assert opened >= at and closed_reason(calendar, opened) is None
    probe = at
    while probe < opened - timedelta(minutes=1):
        assert closed_reason(calendar, probe) is not None, probe
        probe += timedelta(minutes=29)

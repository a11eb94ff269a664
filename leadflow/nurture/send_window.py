"""When a marketing email may go out: the lead's local send window, quiet hours, holidays, cap.

Pure functions over aware datetimes. Local wall-clock rules are evaluated in the lead's
zone and converted back through zoneinfo, so a 09:00 window stays 09:00 across DST.
Every answer names the rule that moved the time, for the decision record.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from leadflow.nurture.policy import WEEKDAYS, Cap, QuietHours, Window

BUSINESS_DAYS = frozenset(range(5))  # Monday..Friday, whatever the send window says
_SEARCH_DAYS = 400  # a window that never opens within a year is a configuration error
Interval = tuple[time, time]  # local wall-clock [from, to)


@dataclass(frozen=True)
class Calendar:
    """One lead's sending calendar: their zone, the window's days and hours, their holidays."""

    zone: ZoneInfo
    days: frozenset[int]
    open_hours: tuple[Interval, ...]  # the window minus quiet hours, local wall-clock
    holidays: frozenset[date] = frozenset()
    window: tuple[time, time] = (time(9), time(17))
    quiet: tuple[time, time] | None = None


@dataclass(frozen=True)
class SendPlan:
    at: datetime  # when the email may go out; the moment asked about means now
    rule: str | None  # what moved it: cap | window | quiet_hours | holiday; None when not moved

    @property
    def deferred(self) -> bool:
        return self.rule is not None


def open_hours(start: time, end: time, quiet: QuietHours | None) -> tuple[Interval, ...]:
    """[start, end) with quiet hours cut out; quiet hours may wrap midnight."""
    if quiet is None:
        return ((start, end),)
    qs, qe = quiet.start, quiet.end
    blocked = [(qs, qe)] if qs < qe else [(qs, time.max), (time.min, qe)]
    pieces: list[Interval] = [(start, end)]
    for b_start, b_end in blocked:
        cut: list[Interval] = []
        for lo, hi in pieces:
            if b_end <= lo or b_start >= hi:
                cut.append((lo, hi))
                continue
            if lo < b_start:
                cut.append((lo, b_start))
            if b_end < hi:
                cut.append((b_end, hi))
        pieces = cut
    return tuple(pieces)


def calendar_for(
    zone: ZoneInfo, window: Window, quiet: QuietHours | None = None, holidays: Iterable[date] = ()
) -> Calendar:
    return Calendar(
        zone=zone,
        days=frozenset(WEEKDAYS.index(d) for d in window.days),
        open_hours=open_hours(window.start, window.end, quiet),
        holidays=frozenset(holidays),
        window=(window.start, window.end),
        quiet=(quiet.start, quiet.end) if quiet else None,
    )


def _in_quiet(quiet: tuple[time, time] | None, clock: time) -> bool:
    if quiet is None:
        return False
    start, end = quiet
    return start <= clock < end if start < end else (clock >= start or clock < end)


def closed_reason(calendar: Calendar, moment: datetime) -> str | None:
    """Why no marketing email may go out at this moment, or None when it may."""
    local = moment.astimezone(calendar.zone)
    if local.date() in calendar.holidays:
        return "holiday"
    clock = local.time()
    if _in_quiet(calendar.quiet, clock):
        return "quiet_hours"
    if local.weekday() not in calendar.days or not calendar.window[0] <= clock < calendar.window[1]:
        return "window"
    return None


def _local(day: date, clock: time, zone: ZoneInfo) -> datetime:
    # fold=0: in a DST gap this lands after it (later, never earlier); checked by the caller.
    return datetime.combine(day, clock, tzinfo=zone).astimezone(UTC)


def next_open(calendar: Calendar, moment: datetime) -> datetime:
    """The earliest moment at or after ``moment`` when the calendar is open."""
    if closed_reason(calendar, moment) is None:
        return moment
    first = moment.astimezone(calendar.zone).date()
    for offset in range(_SEARCH_DAYS):
        day = first + timedelta(days=offset)
        if day.weekday() not in calendar.days or day in calendar.holidays:
            continue
        for lo, _hi in calendar.open_hours:
            candidate = _local(day, lo, calendar.zone)
            if candidate >= moment and closed_reason(calendar, candidate) is None:
                return candidate
    raise ValueError(f"the send window never opens within {_SEARCH_DAYS} days")


def add_calendar_days(zone: ZoneInfo, moment: datetime, days: float) -> datetime:
    """``days`` local calendar days later at the same wall-clock time, across DST changes.

    "5 days later" on a Thursday at 16:30 is Tuesday 16:30 local, not 24-hour periods (which
    drift by an hour across a change). A fraction of a day counts as elapsed hours after that.
    A wall-clock time the change skips lands just after the gap; one it repeats, the first time.
    """
    whole = int(days)
    if whole <= 0:
        return moment + timedelta(days=days)
    local = moment.astimezone(zone)
    day = local.date() + timedelta(days=whole)
    return _local(day, local.time().replace(tzinfo=None), zone) + timedelta(days=days - whole)


def add_business_days(calendar: Calendar, moment: datetime, days: int) -> datetime:
    """``days`` working days later in the lead's calendar, at the same local wall-clock time."""
    if days <= 0:
        return moment
    local = moment.astimezone(calendar.zone)
    day, counted = local.date(), 0
    while counted < days:
        day += timedelta(days=1)
        if day.weekday() in BUSINESS_DAYS and day not in calendar.holidays:
            counted += 1
    return _local(day, local.time().replace(tzinfo=None), calendar.zone)


def cap_clear_at(sends: Iterable[datetime], cap: Cap, moment: datetime) -> datetime:
    """When one more email fits under the cap: at most ``max_emails`` in any ``per_days`` span."""
    span = timedelta(days=cap.per_days)
    recent = sorted(s for s in sends if s > moment - span)
    if len(recent) < cap.max_emails:
        return moment
    # The oldest sends must age out until only max_emails - 1 remain inside the span.
    return max(moment, recent[len(recent) - cap.max_emails] + span)


def plan_send(
    moment: datetime,
    calendar: Calendar,
    timing: str = "window",
    sends: Iterable[datetime] = (),
    cap: Cap | None = None,
) -> SendPlan:
    """When an email due at ``moment`` may go: the cap first (it defers, never drops), then
    the window. An ``immediate`` step skips the clock rules but never the cap."""
    at, rule = moment, None
    if cap is not None:
        clear = cap_clear_at(sends, cap, moment)
        if clear > at:
            at, rule = clear, "cap"
    if timing == "window":
        reason = closed_reason(calendar, at)
        if reason is not None:
            at, rule = next_open(calendar, at), rule or reason
    return SendPlan(at, rule)

"""A routing policy precompiled for the hot path: closures instead of pydantic lookups.

Equality-like tests (in, not_in, equals, missing: territory, segment, ...) depend on one
value only, so route_index evaluates them once per field value into bitsets over the rules,
and once per lead shape into the short list of candidate rules; a lead then only runs the
numeric and text tests (score min, title contains...) of those few candidates.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

from leadflow.routing.policy import DAYS, Action, Condition, RepConfig, Team

Facts = Mapping[str, Any]
KEYED_OPS = (
    "in",
    "not_in",
    "equals",
    "missing",
)  # depend on the value alone: evaluated once per shape
CACHE_LIMIT = 200_000
NO_LIMIT = 1 << 62


class Check:
    """One compiled condition: `fn(facts) -> bool`, plus what it tests (for the trace)."""

    __slots__ = ("arg", "field", "fn", "op", "subs")

    def __init__(
        self,
        field: str | None,
        op: str,
        arg: Any,
        fn: Callable[[Facts], bool],
        subs: tuple[Check, ...] = (),
    ) -> None:
        self.field, self.op, self.arg, self.fn, self.subs = field, op, arg, fn, subs

    @property
    def keyed(self) -> bool:
        return all(s.keyed for s in self.subs) if self.op == "any" else self.op in KEYED_OPS

    def fields(self) -> list[str]:
        return (
            [f for s in self.subs for f in s.fields()] if self.op == "any" else [self.field or ""]
        )


def _member(values: list[Any]) -> frozenset[Any] | tuple[Any, ...]:
    try:
        return frozenset(values)
    except TypeError:  # an unhashable value in the list: fall back to a scan
        return tuple(values)


def _range_fn(name: str, low: float | None, high: float | None) -> Callable[[Facts], bool]:
    def fn(facts: Facts) -> bool:
        value = facts.get(name)
        if not isinstance(value, (int, float)) or isinstance(value, bool):
            return False  # unknown or not a number: a min/max test cannot hold
        return (low is None or value >= low) and (high is None or value <= high)

    return fn


def _contains_fn(name: str, needles: tuple[str, ...]) -> Callable[[Facts], bool]:
    def fn(facts: Facts) -> bool:
        value = facts.get(name)
        if isinstance(value, str):
            low = value.lower()
            return any(n in low for n in needles)
        if isinstance(value, (list, tuple, set, frozenset)):
            items = {str(v).lower() for v in value}
            return any(n in items for n in needles)
        return False

    return fn


def compile_condition(cond: Condition) -> Check:
    name, (op, arg) = cond.field, cond.operator()
    if op == "in" or op == "not_in":
        pool = _member(arg)
        fn = (lambda f: f.get(name) in pool) if op == "in" else (lambda f: f.get(name) not in pool)
    elif op == "equals":
        fn = lambda f: f.get(name) == arg  # noqa: E731
    elif op == "range":
        fn = _range_fn(name, *arg)
    elif op == "contains":
        fn = _contains_fn(name, tuple(s.lower() for s in ([arg] if isinstance(arg, str) else arg)))
    else:  # missing
        fn = lambda f: (f.get(name) in (None, "")) == arg  # noqa: E731
    return Check(name, op, arg, fn)


def _any_check(conds: list[Condition]) -> Check:
    subs = tuple(compile_condition(c) for c in conds)
    fns = tuple(s.fn for s in subs)
    return Check(None, "any", None, lambda f: any(fn(f) for fn in fns), subs)


@dataclass(frozen=True, slots=True)
class CAction:
    kind: str  # team | rep | queue | owner
    target: str | None
    overflow: str | None


def compile_action(action: Action) -> CAction:
    if action.account_owner:
        return CAction("owner", None, action.overflow)
    kind = "team" if action.team else "rep" if action.rep else "queue"
    return CAction(kind, action.team or action.rep or action.queue, action.overflow)


@dataclass(frozen=True, slots=True)
class CRule:
    index: int
    id: str
    action: CAction
    checks: tuple[Check, ...]  # every condition in file order (the trace reads these)
    keyed: tuple[Check, ...]
    residual: tuple[Callable[[Facts], bool], ...]


def compile_rule(
    index: int, rule_id: str, action: Action, required: list[Condition], any_of: list[Condition]
) -> CRule:
    checks = [compile_condition(c) for c in required] + ([_any_check(any_of)] if any_of else [])
    return CRule(
        index,
        rule_id,
        compile_action(action),
        tuple(checks),
        tuple(c for c in checks if c.keyed),
        tuple(c.fn for c in checks if not c.keyed),
    )


@dataclass(frozen=True, slots=True)
class CRep:
    key: str
    team: str
    index: int  # position in its team: ties go to the rep listed first
    weight: float
    active: bool
    day_cap: int | None
    week_cap: int | None
    zone: ZoneInfo | None
    days: frozenset[int]
    start: time
    end: time
    away: tuple[tuple[date, date], ...]
    capped: bool  # has a daily or weekly limit
    day_limit: int  # the caps with "no limit" as a huge number: one comparison in the hot loop
    week_limit: int


def compile_rep(team: Team, index: int, rep: RepConfig) -> CRep:
    hours = rep.working_hours or team.working_hours
    cap = rep.capacity
    start, end = hours.span() if hours else (time.min, time.max)
    day = cap.day if cap and cap.day is not None else team.capacity.day
    week = cap.week if cap and cap.week is not None else team.capacity.week
    return CRep(
        rep.key,
        team.key,
        index,
        rep.weight,
        rep.active,
        day,
        week,
        ZoneInfo(hours.time_zone) if hours else None,
        frozenset(DAYS.index(d) for d in hours.days) if hours else frozenset(range(7)),
        start,
        end,
        tuple((a.start, a.end) for a in rep.out_of_office),
        day is not None or week is not None,
        NO_LIMIT if day is None else day,
        NO_LIMIT if week is None else week,
    )


def away_reason(rep: CRep, now: datetime | None) -> tuple[str, str] | None:
    """(kind, why) if the rep takes no new lead at `now` for a reason of their own; kinds:
    inactive, out_of_office (blocks owners too), hours (blocks rotation and named reps only)."""
    if not rep.active:
        return "inactive", "inactive"
    if now is None:
        return None
    local = now.astimezone(rep.zone) if rep.zone else now.astimezone(timezone.utc)
    day = local.date()
    for start, end in rep.away:
        if start <= day <= end:
            return "out_of_office", f"out of office {start}..{end}"
    if rep.zone and (local.weekday() not in rep.days or not rep.start <= local.time() < rep.end):
        return "hours", f"outside working hours ({local:%a %H:%M} {rep.zone.key})"
    return None


def load_window(rep: CRep, now: datetime) -> tuple[datetime, datetime]:
    """(start of the rep's day, start of their week from Monday), in UTC. Midnight is taken on
    the local date, not from now's offset, which can differ across a DST change."""
    zone = rep.zone or timezone.utc
    today = now.astimezone(zone).date()
    monday = today - timedelta(days=today.weekday())
    return (
        datetime.combine(today, time.min, zone).astimezone(timezone.utc),
        datetime.combine(monday, time.min, zone).astimezone(timezone.utc),
    )

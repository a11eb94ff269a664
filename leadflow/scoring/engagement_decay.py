"""Engagement with decay: every event's points halve with its signal's half-life."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from leadflow.scoring.engagement_policy import EngagementPolicy, Signal


@dataclass(frozen=True)
class Event:
    type: str
    occurred_at: datetime
    url: str | None = None
    is_machine: bool = False


@dataclass(frozen=True)
class Contribution:
    signal: str
    at: datetime
    raw: float  # points after the daily cap and machine weight, before decay
    points: float  # what it is worth at ``now``
    machine: bool


@dataclass(frozen=True)
class EngagementResult:
    total: int
    uncapped: float
    contributions: tuple[Contribution, ...]


def signal_for(event: Event, policy: EngagementPolicy) -> tuple[str, Signal] | None:
    """A derived signal (pricing click) wins over the event's own type."""
    for name, signal in policy.signals.items():
        if (
            signal.from_event == event.type
            and event.url
            and (signal.url_contains or "") in event.url
        ):
            return name, signal
    own = policy.signals.get(event.type)
    return (event.type, own) if own else None


def decayed(points: float, half_life_days: float, age_days: float) -> float:
    # An event stamped after ``now`` (clock skew between the web app and a worker, or a
    # simulated clock behind real time) counts as fresh: dropping it would lose a signal.
    return points * float(0.5 ** (max(0.0, age_days) / half_life_days))


def engagement_score(
    events: Iterable[Event], policy: EngagementPolicy, now: datetime
) -> EngagementResult:
    used_today: dict[tuple[str, str], float] = defaultdict(float)
    contributions: list[Contribution] = []
    for event in sorted(events, key=lambda e: e.occurred_at):
        found = signal_for(event, policy)
        if found is None:
            continue
        name, signal = found
        raw = signal.points * (signal.machine_weight if event.is_machine else 1.0)
        day = (name, event.occurred_at.date().isoformat())
        if signal.daily_cap and raw > 0:
            raw = max(0.0, min(raw, signal.daily_cap - used_today[day]))
            used_today[day] += raw
        if raw == 0:
            continue
        age = (now - event.occurred_at).total_seconds() / 86400
        contributions.append(
            Contribution(
                name,
                event.occurred_at,
                raw,
                decayed(raw, signal.half_life_days, age),
                event.is_machine,
            )
        )
    uncapped = sum(c.points for c in contributions)
    return EngagementResult(
        int(round(max(0.0, min(policy.max_total, uncapped)))), uncapped, tuple(contributions)
    )

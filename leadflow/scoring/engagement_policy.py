"""Engagement signals: points, half-life decay, daily caps, machine weight."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field

from leadflow.core.policy_loader import PolicyModel, StrictModel, load_policy
from leadflow.core.settings import get_settings

EVENT_TYPES = (
    "open",
    "click",
    "visit",
    "form_fill",
    "webinar_attended",
    "reply",
    "unsubscribe",
    "bounce",
    "complaint",
    "meeting",
    "call",
)


class Signal(StrictModel):
    points: float = Field(ge=-100, le=100)
    half_life_days: float = Field(gt=0)
    # Points one signal may earn per UTC day, before decay (0: no cap).
    daily_cap: float = Field(default=0, ge=0)
    # Share of the points a machine-flagged event (proxy open, scanner click) still earns.
    machine_weight: float = Field(default=0.0, ge=0, le=1)
    # A derived signal: an event of type ``from_event`` whose URL contains ``url_contains``.
    from_event: str | None = None
    url_contains: str | None = None


class EngagementPolicy(PolicyModel):
    max_total: int = Field(ge=0, le=100)
    signals: dict[str, Signal]

    def reference_errors(self) -> list[tuple[tuple[object, ...], str]]:
        errors: list[tuple[tuple[object, ...], str]] = []
        for name, signal in self.signals.items():
            source = signal.from_event or name
            if source not in EVENT_TYPES:
                field = "from_event" if signal.from_event else "points"
                errors.append(
                    (
                        ("signals", name, field),
                        f"{source!r} is not an event type ({', '.join(EVENT_TYPES)})",
                    )
                )
            if (signal.from_event is None) != (signal.url_contains is None):
                errors.append(
                    (("signals", name), "a derived signal needs both from_event and url_contains")
                )
        return errors


def load_engagement(directory: Path) -> EngagementPolicy:
    return load_policy(directory / "engagement.yaml", EngagementPolicy)


def engagement_policy() -> EngagementPolicy:
    """The policy in force, read from the configured folder."""
    return load_engagement(get_settings().scoring_dir)

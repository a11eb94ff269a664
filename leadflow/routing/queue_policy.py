"""The YAML models for queues, the shared pool (公海池) and the people who steer leads.

They are parts of routing.yaml (RoutingPolicy): `queues`, `pool` and `people`.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field

from leadflow.core.policy_loader import StrictModel

UNASSIGNED = "unassigned"  # where a lead waits when no rule and no fallback could place it


class Role(StrEnum):
    REP = "rep"
    MANAGER = "manager"
    MARKETING = "marketing"
    ADMIN = "admin"


class QueueConfig(StrictModel):
    """Who works a queue and how long a lead may wait in it. Past `within_hours` the queue's
    manager is emailed; past `escalate_after_hours` more the lead goes to the shared pool."""

    team: str
    manager: str | None = None  # a person key; None: every manager of the team
    within_hours: float = Field(default=24, gt=0)
    escalate_after_hours: float | None = Field(default=None, gt=0)  # None: within_hours again

    @property
    def grace_hours(self) -> float:
        return self.escalate_after_hours or self.within_hours


class ClaimLimits(StrictModel):
    """What one rep may take from the shared pool (None: no limit)."""

    max_per_day: int | None = Field(default=10, ge=0)
    max_open_leads: int | None = Field(default=50, ge=0)  # offered + accepted, all sources
    # A rep may not claim back a lead that left them (released, reclaimed, rejected, expired)
    # this recently.
    cool_off_days: float = Field(default=7, ge=0)


class PoolConfig(StrictModel):
    claim: ClaimLimits = ClaimLimits()


class TargetScope(StrEnum):
    TERRITORY = "territory"
    TEAM = "team"
    REP = "rep"


class Target(StrictModel):
    """What a territory, team or rep should reach per period. `effective` counts effective new
    leads: accepted (or claimed) and not later reclaimed for want of follow-up."""

    scope: TargetScope
    key: str
    per_days: int = Field(default=30, gt=0)  # the period the figures are for; reports scale them
    leads: int | None = Field(default=None, ge=0)
    accepted: int | None = Field(default=None, ge=0)
    effective: int | None = Field(default=None, ge=0)


class PersonConfig(StrictModel):
    """Someone who is not (only) a rep: a manager of teams, marketing or an admin.
    Reps are people too: each team's reps are added with the role `rep`."""

    key: str
    name: str
    email: str
    role: Role
    teams: list[str] = []  # a manager's teams; marketing and admin need none
    active: bool = True

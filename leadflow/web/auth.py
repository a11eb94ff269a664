"""Who a person of the web workspace is, and what their role lets them see.

The one place identity comes from. Today: the reps of routing_rules/routing.yaml (key,
name, email, team, time zone), each with the role "rep". When users with roles and teams
live in the database, only this module changes; pages ask it and nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from leadflow.routing.policy import RoutingPolicy
from leadflow.routing.policy_cache import current_routing_policy

DEFAULT_TIME_ZONE = "UTC"


class Role(StrEnum):
    REP = "rep"
    MANAGER = "manager"
    MARKETING = "marketing"
    ADMIN = "admin"


@dataclass(frozen=True)
class Person:
    key: str
    name: str
    email: str
    team: str | None
    role: Role
    time_zone: str

    @property
    def sees_every_lead(self) -> bool:
        """Managers, marketing and admins read any lead; a rep reads the leads they were given."""
        return self.role is not Role.REP


def _people(policy: RoutingPolicy) -> list[Person]:
    people = []
    for team in policy.teams:
        for rep in team.reps:
            hours = rep.working_hours or team.working_hours
            people.append(Person(rep.key, rep.name, rep.email.strip().lower(), team.key, Role.REP,
                                 hours.time_zone if hours else DEFAULT_TIME_ZONE))
    return people


def person_by_email(email: str) -> Person | None:
    wanted = email.strip().lower()
    return next((p for p in _people(current_routing_policy()) if p.email == wanted), None)


def person_by_key(key: str) -> Person | None:
    return next((p for p in _people(current_routing_policy()) if p.key == key), None)

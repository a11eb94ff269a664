"""Who a person of the web workspace is, and what their role lets them see.

The one place identity comes from: the `person` table (reps from the teams of
routing_rules/routing.yaml, managers, marketing and admins from its `people`, mirrored by
leadflow.routing.people). Pages ask this module and nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from leadflow.core.db import session_scope
from leadflow.core.models import Person as PersonRow
from leadflow.routing.people import sync_people
from leadflow.routing.policy import RoutingPolicy
from leadflow.routing.policy_cache import current_routing_policy
from leadflow.routing.queue_policy import Role

DEFAULT_TIME_ZONE = "UTC"
STEERING = (Role.MANAGER, Role.ADMIN)


@dataclass(frozen=True)
class Person:
    key: str
    name: str
    email: str
    teams: tuple[str, ...]
    role: Role
    time_zone: str

    @property
    def team(self) -> str | None:
        return self.teams[0] if self.teams else None

    @property
    def sees_every_lead(self) -> bool:
        """Managers, marketing and admins read any lead; a rep reads the leads they were given."""
        return self.role is not Role.REP

    @property
    def steers(self) -> bool:
        """Managers and admins see the queues and assign from them."""
        return self.role in STEERING

    @property
    def reads_reports(self) -> bool:
        return self.role is not Role.REP


def _time_zone(policy: RoutingPolicy, key: str, teams: tuple[str, ...]) -> str:
    for team in policy.teams:
        for rep in team.reps:
            if rep.key == key and (rep.working_hours or team.working_hours):
                return (rep.working_hours or team.working_hours).time_zone  # type: ignore[union-attr]
    hours = [t.working_hours for t in policy.teams if t.key in teams and t.working_hours]
    return hours[0].time_zone if hours else DEFAULT_TIME_ZONE


def _person(row: PersonRow, policy: RoutingPolicy) -> Person:
    teams = tuple(row.teams or ())
    return Person(
        row.key,
        row.name,
        row.email.strip().lower(),
        teams,
        Role(row.role),
        _time_zone(policy, row.key, teams),
    )


def _active_by_email(email: str, policy: RoutingPolicy) -> Person | None:
    with session_scope() as session:
        row = session.scalar(
            select(PersonRow)
            .where(func.lower(PersonRow.email) == email, PersonRow.active.is_(True))
            .limit(1)
        )
        return _person(row, policy) if row is not None else None


def person_by_email(email: str) -> Person | None:
    """An active person by address. Someone not found yet may just have been added to the
    YAML: the people are mirrored once more and looked up again."""
    policy, wanted = current_routing_policy(), email.strip().lower()
    found = _active_by_email(wanted, policy)
    if found is not None:
        return found
    try:
        with session_scope() as session:
            sync_people(session, policy)
    except IntegrityError:
        pass  # another request mirrored the same people at the same moment: theirs stands
    return _active_by_email(wanted, policy)


def person_by_key(key: str) -> Person | None:
    """An active person by key (a deactivated one is signed out on their next request)."""
    with session_scope() as session:
        row = session.get(PersonRow, key)
        return _person(row, current_routing_policy()) if row is not None and row.active else None

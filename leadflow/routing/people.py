"""People and roles in the data: who may steer which lead or account.

Reps come from the teams in routing.yaml, managers, marketing and admins from its `people`;
all are mirrored into the `person` table so that a decision's actor always means someone.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from leadflow.routing.policy import RoutingPolicy
from leadflow.core.errors import UnknownPerson
from leadflow.core.models import Person, Rep
from leadflow.routing.queue_policy import QueueConfig, Role


def deactivated_reps(session: Session) -> dict[str, str]:
    """Reps switched off with `leadflow reps deactivate`, whatever the YAML still says: rep -> why
    (the shape route_lead's ``unavailable`` takes)."""
    return {
        key: "deactivated"
        for key in session.scalars(select(Rep.key).where(Rep.deactivated_at.is_not(None)))
    }


def sync_people(session: Session, policy: RoutingPolicy) -> None:
    """Mirror the YAML's reps and people; someone gone from the YAML stays, inactive."""
    wanted: dict[str, dict[str, object]] = {}
    for team in policy.teams:
        for rep in team.reps:
            wanted[rep.key] = {
                "name": rep.name,
                "email": rep.email,
                "role": Role.REP,
                "teams": [team.key],
                "active": rep.active,
            }
    for person in policy.people:
        wanted[person.key] = {
            "name": person.name,
            "email": person.email,
            "role": person.role,
            "teams": list(person.teams),
            "active": person.active,
        }
    off = deactivated_reps(session)
    for row in session.scalars(select(Person)):
        if row.key not in wanted:
            row.active = False
    for key, fields in wanted.items():
        fields["active"] = bool(fields["active"]) and key not in off
        row = session.get(Person, key)
        if row is None:
            session.add(Person(key=key, **fields))
        else:
            for name, value in fields.items():
                setattr(row, name, value)
    session.flush()


def person(session: Session, key: str) -> Person:
    """An active person by key, or a clear error."""
    found = session.get(Person, key)
    if found is None:
        raise UnknownPerson(
            f"nobody called {key!r} in routing_rules/routing.yaml (teams or people)"
        )
    if not found.active:
        raise UnknownPerson(f"{key!r} is no longer active")
    return found


def active_rep(session: Session, key: str) -> Person:
    found = person(session, key)
    if found.role != Role.REP:
        raise UnknownPerson(f"{key!r} is a {found.role}, not a rep")
    return found


def manages(actor: Person, team: str | None) -> bool:
    """An admin steers everything; a manager steers the teams they run."""
    return actor.role == Role.ADMIN or (actor.role == Role.MANAGER and team in (actor.teams or []))


def managers_of(session: Session, policy: RoutingPolicy, queue: QueueConfig) -> list[Person]:
    """Who hears about an overdue item: the queue's named manager, else the team's managers."""
    if queue.manager:
        named = session.get(Person, queue.manager)
        return [named] if named is not None and named.active else []
    rows = session.scalars(
        select(Person)
        .where(Person.role == Role.MANAGER, Person.active.is_(True))
        .order_by(Person.key)
    )
    return [p for p in rows if queue.team in (p.teams or [])]

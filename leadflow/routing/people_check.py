"""Reference checks for routing.yaml's queues and people: every name must point somewhere."""

from __future__ import annotations

from typing import TYPE_CHECKING

from leadflow.routing.queue_policy import UNASSIGNED, Role

if TYPE_CHECKING:
    from leadflow.routing.policy import RoutingPolicy

Loc = tuple[object, ...]


def named_queues(policy: RoutingPolicy) -> dict[str, Loc]:
    """Every queue a rule or the fallback can send a lead to, with where it is named."""
    found: dict[str, Loc] = {}
    actions = [(("rules", i, "assign"), rule.assign) for i, rule in enumerate(policy.rules)]
    actions.append((("fallback",), policy.fallback))
    for loc, action in actions:
        if action.queue:
            found.setdefault(action.queue, (*loc, "queue"))
        if action.overflow:
            found.setdefault(action.overflow, (*loc, "overflow"))
    return found


def people_errors(policy: RoutingPolicy) -> list[tuple[Loc, str]]:
    teams = {t.key for t in policy.teams}
    reps = {r.key for t in policy.teams for r in t.reps}
    errors: list[tuple[Loc, str]] = []
    managers: set[str] = set()
    for i, person in enumerate(policy.people):
        if person.key in reps or person.key in managers:
            errors.append((("people", i, "key"), f"person {person.key!r} is listed twice"))
        if person.role in (Role.MANAGER, Role.ADMIN):
            managers.add(person.key)
        for j, team in enumerate(person.teams):
            if team not in teams:
                errors.append(
                    (("people", i, "teams", j), f"person {person.key}: unknown team {team!r}")
                )
        if person.role == Role.MANAGER and not person.teams:
            errors.append((("people", i, "teams"), f"manager {person.key} manages no team"))
    for name, queue in policy.queues.items():
        if queue.team not in teams:
            errors.append((("queues", name, "team"), f"queue {name}: unknown team {queue.team!r}"))
        if queue.manager and queue.manager not in managers:
            errors.append(
                (
                    ("queues", name, "manager"),
                    f"queue {name}: {queue.manager!r} is not a manager or admin under people",
                )
            )
    known = {"team": teams, "rep": reps, "territory": set(policy.territories)}
    for i, target in enumerate(policy.targets):
        if target.key not in known[target.scope]:
            errors.append((("targets", i, "key"), f"target: unknown {target.scope} {target.key!r}"))
    if policy.queues:  # once queues are listed, every queue a rule names must be among them
        for name, loc in {**named_queues(policy), UNASSIGNED: ("queues",)}.items():
            if name not in policy.queues:
                errors.append(
                    (loc, f"queue {name!r} has no entry under queues (team and deadline)")
                )
    return errors

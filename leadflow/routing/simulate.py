"""Preview a rules change: route the same leads with the old and the new policy, compare.

Pure: leads come in as mappings (lead fields, plus optional id, account_owner, prior_owner and
exclude); each policy routes the whole stream in order from the same starting ledgers and
loads, carrying its own decisions forward as the route task would.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any

from leadflow.routing.index import compiled
from leadflow.routing.policy import RoutingPolicy
from leadflow.routing.rotation import apply_decision
from leadflow.routing.route import RouteDecision, lead_facts, route_lead

ROUTE_KEYS = ("id", "account_owner", "prior_owner", "exclude")


@dataclass(frozen=True)
class Moved:
    lead_id: Any
    before: str
    after: str
    rule_before: str
    rule_after: str
    # "team": another team or queue takes it (the rules changed where it goes); "rotation": the
    # same team, another rep (the round robin's order shifted, usually after other moves)
    kind: str


@dataclass
class Simulation:
    leads: int = 0
    load_before: Counter[str] = field(default_factory=Counter)  # "rep" or "queue:name" -> leads
    load_after: Counter[str] = field(default_factory=Counter)
    rules_before: Counter[str] = field(default_factory=Counter)  # rule id -> leads it placed
    rules_after: Counter[str] = field(default_factory=Counter)
    moved: list[Moved] = field(default_factory=list)
    never_fired_before: list[str] = field(default_factory=list)
    never_fired_after: list[str] = field(default_factory=list)

    def load_rows(self) -> list[tuple[str, int, int, int]]:
        """(rep or queue, leads before, after, change), biggest change first."""
        names = set(self.load_before) | set(self.load_after)
        rows = [
            (n, self.load_before[n], self.load_after[n], self.load_after[n] - self.load_before[n])
            for n in names
        ]
        return sorted(rows, key=lambda r: (-abs(r[3]), r[0]))

    def as_dict(self) -> dict[str, Any]:
        # Not dataclasses.asdict: it rebuilds a Counter from (key, value) pairs, counting the pairs.
        data: dict[str, Any] = {
            k: dict(v) if isinstance(v, Counter) else v for k, v in vars(self).items()
        }
        data["moved"] = [asdict(m) for m in self.moved]
        data["load"] = [
            dict(zip(("target", "before", "after", "change"), row)) for row in self.load_rows()
        ]
        return data


def target(decision: RouteDecision) -> str:
    return decision.rep if decision.rep else f"queue:{decision.queue}"


class _Stream:
    """One policy routing the stream, with its own ledgers and loads."""

    def __init__(
        self,
        policy: RoutingPolicy,
        ledgers: Mapping[str, Mapping[str, int]],
        loads: Mapping[str, Any],
        now: datetime | None,
    ) -> None:
        self.policy, self.now = policy, now
        self.ledgers = {team: dict(ledger) for team, ledger in ledgers.items()}
        self.loads: dict[str, Any] = dict(loads)

    def route(self, lead: Mapping[str, Any]) -> RouteDecision:
        facts = lead_facts({k: v for k, v in lead.items() if k not in ROUTE_KEYS}, self.policy)
        decision = route_lead(
            facts,
            self.policy,
            self.ledgers,
            lead.get("account_owner"),
            set(lead.get("exclude") or ()),
            prior_owner=lead.get("prior_owner"),
            now=self.now,
            loads=self.loads,
        )
        apply_decision(self.ledgers, self.loads, decision)
        return decision


def simulate(
    leads: Iterable[Mapping[str, Any]],
    old_policy: RoutingPolicy,
    new_policy: RoutingPolicy,
    *,
    now: datetime | None = None,
    ledgers: Mapping[str, Mapping[str, int]] | None = None,
    loads: Mapping[str, Any] | None = None,
) -> Simulation:
    """Per-rep load before and after, the leads that would move, and the rules that never fire."""
    old = _Stream(old_policy, ledgers or {}, loads or {}, now)
    new = _Stream(new_policy, ledgers or {}, loads or {}, now)
    result = Simulation()
    for n, lead in enumerate(leads):
        before, after = old.route(lead), new.route(lead)
        result.leads += 1
        result.load_before[target(before)] += 1
        result.load_after[target(after)] += 1
        result.rules_before[before.rule_id] += 1
        result.rules_after[after.rule_id] += 1
        if target(before) != target(after):
            kind = "rotation" if before.team and before.team == after.team else "team"
            result.moved.append(
                Moved(
                    lead.get("id", n),
                    target(before),
                    target(after),
                    before.rule_id,
                    after.rule_id,
                    kind,
                )
            )
    result.never_fired_before = [r.id for r in old_policy.rules if not result.rules_before[r.id]]
    result.never_fired_after = [r.id for r in new_policy.rules if not result.rules_after[r.id]]
    return result


def closed_teams(policy: RoutingPolicy, now: datetime) -> list[str]:
    """Teams none of whose reps can take a lead at ``now`` (hours, out of office, inactive)."""
    c = compiled(policy)
    away = c.away_at(now)
    return sorted(
        team for team, reps in c.teams.items() if reps and all(r.key in away for r in reps)
    )


def next_business_hour(policy: RoutingPolicy, now: datetime, days: int = 7) -> datetime:
    """The first whole hour from ``now`` with the fewest teams closed (all open, if ever).

    Teams sit in several time zones, so "business hours" is when the most teams work; a
    weekend or a night would send every lead to the fallback and tell nothing about the rules.
    """
    start = now.replace(minute=0, second=0, microsecond=0)
    if start < now:
        start += timedelta(hours=1)
    best, fewest = start, len(policy.teams) + 1
    for hour in range(days * 24):
        moment = start + timedelta(hours=hour)
        closed = len(closed_teams(policy, moment))
        if closed < fewest:
            best, fewest = moment, closed
        if closed == 0:
            break
    return best

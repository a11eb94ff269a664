"""Which rep gets a hot lead: account owner first, then ordered rules, then fallback."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from leadflow.config.routing import Action, RoutingPolicy, Rule, Team


@dataclass(frozen=True)
class RouteDecision:
    rule_id: str
    rep: str | None
    team: str | None
    queue: str | None
    reason: str
    inputs: dict[str, Any] = field(default_factory=dict)


def territory_of(country: str | None, state: str | None, policy: RoutingPolicy) -> str | None:
    """States are more specific than countries: a province match wins over a country match."""
    for name, territory in policy.territories.items():
        if country and state and state in territory.states.get(country, []):
            return name
    for name, territory in policy.territories.items():
        if country and country in territory.countries:
            return name
    return None


def segment_of(employees: int | None, policy: RoutingPolicy) -> str | None:
    if employees is None:
        return None
    for name, seg in policy.segments.items():
        low_ok = seg.min_employees is None or employees >= seg.min_employees
        high_ok = seg.max_employees is None or employees <= seg.max_employees
        if low_ok and high_ok:
            return name
    return None


def _matches(rule: Rule, facts: Mapping[str, Any]) -> bool:
    for name in ("territory", "segment", "product_line", "temperature"):
        allowed = getattr(rule.when, name)
        if allowed is not None and facts.get(name) not in allowed:
            return False
    return True


def pick_rep(team: Team, ledger: Mapping[str, int], exclude: set[str]) -> str | None:
    """Weighted round robin: the rep furthest below its weighted share goes next.

    Deterministic: ties go to the rep listed first, so a replay routes the same way.
    """
    candidates = [r for r in team.reps if r.active and r.key not in exclude]
    if not candidates:
        return None
    return min(candidates, key=lambda r: ((ledger.get(r.key, 0) + 1) / r.weight,
                                          team.reps.index(r))).key


def _act(rule_id: str, action: Action, policy: RoutingPolicy, ledger: Mapping[str, int],
         exclude: set[str], facts: dict[str, Any], why: str) -> RouteDecision | None:
    if action.queue:
        return RouteDecision(rule_id, None, None, action.queue, f"{why}; to queue {action.queue}", facts)
    if action.rep:
        if action.rep in exclude or not policy.rep(action.rep).active:
            return None
        team = next(t.key for t in policy.teams if any(r.key == action.rep for r in t.reps))
        return RouteDecision(rule_id, action.rep, team, None, f"{why}; named rep {action.rep}", facts)
    team = policy.team(action.team or "")
    rep = pick_rep(team, ledger, exclude)
    if rep is None:
        return None
    share = {r.key: ledger.get(r.key, 0) for r in team.reps}
    return RouteDecision(rule_id, rep, team.key, None,
                         f"{why}; round robin in {team.key}", {**facts, "ledger_before": share})


def route_lead(
    facts: dict[str, Any],
    policy: RoutingPolicy,
    ledgers: Mapping[str, Mapping[str, int]],
    account_owner: str | None = None,
    exclude: set[str] | None = None,
) -> RouteDecision:
    """Route one lead; ``facts`` holds territory, segment, product_line, temperature.

    An account owner who is inactive or gone from the policy does not block the
    account: the rules route the lead (and the account is handed on, see tasks.routing).
    """
    excluded = exclude or set()
    owner_can_take = account_owner not in excluded and policy.active_rep(account_owner)
    if policy.account_owner_first and account_owner and owner_can_take:
        team = next((t.key for t in policy.teams if any(r.key == account_owner for r in t.reps)), None)
        return RouteDecision("account-owner", account_owner, team, None,
                             f"account already owned by {account_owner}", facts)
    for rule in policy.rules:
        if _matches(rule, facts):
            decision = _act(rule.id, rule.assign, policy, ledgers.get(rule.assign.team or "", {}),
                            excluded, facts, f"rule {rule.id} matched")
            if decision:
                return decision
    fallback = _act("fallback", policy.fallback, policy,
                    ledgers.get(policy.fallback.team or "", {}), excluded, facts, "no rule matched")
    return fallback or RouteDecision("fallback", None, None, "unassigned",
                                     "no rule matched and no fallback rep available", facts)

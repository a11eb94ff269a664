"""Routing rules in words, for people: "why you" on a rep's inbox and lead page."""

from __future__ import annotations

from typing import Any

from leadflow.routing.policy import Action, Condition, RoutingPolicy, Rule

OWNER_WORDS = {
    "account-owner": "you own this lead's account (one owner per customer)",
    "prior-owner": "you had this person's earlier lead",
}


def _values(values: list[Any]) -> str:
    shown = ["unknown" if v is None else str(v) for v in values]
    return shown[0] if len(shown) == 1 else "one of " + ", ".join(shown)


def condition_words(test: Condition) -> str:
    op, arg = test.operator()
    field = test.field.replace("_", " ")
    if op == "range":
        low, high = arg
        parts = [
            f"at least {low:g}" if low is not None else "",
            f"at most {high:g}" if high is not None else "",
        ]
        return f"{field} " + " and ".join(p for p in parts if p)
    if op == "in":
        return f"{field} {_values(arg)}"
    if op == "not_in":
        return f"{field} not {_values(arg)}"
    if op == "contains":
        return f"{field} contains {_values(arg if isinstance(arg, list) else [arg])}"
    if op == "missing":
        return f"{field} {'unknown' if arg else 'known'}"
    return f"{field} is {arg}"


def target_words(action: Action, policy: RoutingPolicy) -> str:
    if action.team:
        return f"team {next((t.name for t in policy.teams if t.key == action.team), action.team)}"
    if action.rep:
        return f"rep {next((r.name for t in policy.teams for r in t.reps if r.key == action.rep), action.rep)}"
    if action.queue:
        return f"queue {action.queue}"
    return "the account owner"


def rule_words(rule: Rule, policy: RoutingPolicy) -> str:
    tests = [condition_words(t) for t in rule.when.required()]
    if rule.when.any:
        tests.append("any of: " + "; ".join(condition_words(t) for t in rule.when.any))
    when = ", ".join(tests) if tests else "every lead"
    words = f"{when} go to {target_words(rule.assign, policy)}"
    return f"{rule.note}; rule: {words}" if rule.note else f"leads with {words}"


def why_words(rule_id: str, policy: RoutingPolicy) -> str:
    """Why a rule (or an owner route) sent a lead where it went, in one sentence."""
    if rule_id in OWNER_WORDS:
        return OWNER_WORDS[rule_id]
    if rule_id == "fallback":
        return f"no rule placed the lead, so the fallback took it: {target_words(policy.fallback, policy)}"
    rule = next((r for r in policy.rules if r.id == rule_id), None)
    if rule is None:
        return f"rule {rule_id} (no longer in the routing rules)"
    return rule_words(rule, policy)

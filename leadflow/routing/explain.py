"""Why did I get this lead: the decision's trace, built only when someone reads it.

Routing is deterministic, so the rule-by-rule walk is redone from the facts the decision
kept; the hot path never pays for it. What the walk cannot redo (the ledger and loads seen,
which the caller changes afterwards) was captured when the decision was made.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from leadflow.routing.compile import Check, CRule
from leadflow.routing.index import CompiledPolicy
from leadflow.routing.rotation import Rotation

OWNER_ROUTES = ("account-owner", "prior-owner")


def _plain(value: Any) -> Any:
    """JSON-safe copy: dates and other scalars as text (the domain does not import the DB layer)."""
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [_plain(v) for v in value]
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)


def _show(value: Any) -> str:
    return "unknown" if value is None else repr(value)


def why_not(check: Check, facts: Mapping[str, Any]) -> str:
    """One failed condition, in words."""
    if check.op == "any":
        return "none of: " + "; ".join(why_not(s, facts) for s in check.subs)
    name, arg = check.field, check.arg
    value = f"{name} is {_show(facts.get(name or ''))}"
    if check.op == "in":
        return f"{value}, not one of [{', '.join(_show(v) for v in arg)}]"
    if check.op == "not_in":
        return f"{value}, which is excluded"
    if check.op == "equals":
        return f"{value}, not {_show(arg)}"
    if check.op == "range":
        low, high = arg
        bounds = " and ".join(
            t
            for t in (
                low is not None and f"at least {low:g}",
                high is not None and f"at most {high:g}",
            )
            if t
        )
        return f"{value}, needs {bounds}"
    if check.op == "contains":
        return f"{value}, contains none of {arg if isinstance(arg, list) else [arg]}"
    return f"{value}, {'present' if arg else 'missing'}"


def rule_failures(rule: CRule, facts: Mapping[str, Any]) -> list[str]:
    """Why the rule does not match this lead ([] when it does)."""
    return [why_not(check, facts) for check in rule.checks if not check.fn(facts)]


def _rules_tested(
    c: CompiledPolicy, facts: Mapping[str, Any], decided: str, notes: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    skipped = {n["route"]: n["why_not"] for n in notes}
    tested: list[dict[str, Any]] = []
    for rule in c.rules:
        failures = rule_failures(rule, facts)
        entry: dict[str, Any] = {"rule": rule.id, "matched": not failures}
        if failures:
            entry["why_not"] = failures
        elif rule.id == decided:
            entry["decided"] = True
            tested.append(entry)
            break
        else:
            entry["skipped"] = skipped.get(rule.id, "its target could not take the lead")
        tested.append(entry)
    return tested


def explainer(
    c: CompiledPolicy,
    facts: dict[str, Any],
    notes: list[dict[str, Any]],
    rotation: Rotation | None,
    now: datetime | None,
) -> Callable[[Any], dict[str, Any]]:
    def build(decision: Any) -> dict[str, Any]:
        by_owner = decision.rule_id in OWNER_ROUTES
        return {
            "policy": c.version,
            "now": now.isoformat() if now else None,
            "facts": _plain({k: v for k, v in facts.items() if k != "ledger_before"}),
            "routes_not_taken": _plain(notes),
            "rules": [] if by_owner else _rules_tested(c, facts, decision.rule_id, notes),
            "rules_note": "not tested: the owner took the lead first"
            if by_owner
            else "in file order, up to the rule that placed the lead",
            "rotation": rotation.as_dict() if rotation else None,
            "outcome": {
                "rule": decision.rule_id,
                "rep": decision.rep,
                "team": decision.team,
                "queue": decision.queue,
                "reason": decision.reason,
            },
        }

    return build

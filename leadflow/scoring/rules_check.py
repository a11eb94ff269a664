"""Fit rules and disqualifiers that can never fire, found before a lead is scored (pure).

Values are compared through the one normaliser (leadflow.scoring.values.normal_form), so
"UK" and "Manufacturing" do match; what is reported is what no lead can ever hold: a country
that is not one, a number test on a text field, yes/no on a field that is not yes/no.
"""

from __future__ import annotations

from leadflow.scoring.policy import ScoringPolicy, Test
from leadflow.scoring.values import normal_form

BOOLEAN_FIELDS = frozenset({"is_free_mail", "is_disposable", "is_role_address", "has_website"})
NUMBER_FIELDS = frozenset({"employees"})


def _listed(test: Test) -> list[object]:
    if test.any_of is not None:
        return list(test.any_of)
    return [test.equals] if test.equals is not None else []


def _problems(test: Test) -> list[str]:
    found = []
    for value in _listed(test):
        if test.field == "country" and (
            not isinstance(value, str) or len(str(normal_form("country", value))) != 2
        ):
            found.append(
                f"country {value!r} is not a country leadflow knows (use ISO codes, e.g. GB)"
            )
        if test.field in BOOLEAN_FIELDS and not isinstance(value, bool):
            found.append(f"{test.field} holds only true/false, never {value!r}")
    if (test.min is not None or test.max is not None) and test.field not in NUMBER_FIELDS:
        found.append(f"{test.field} is text: a min/max test on it never holds")
    if test.contains_any is not None and test.field in BOOLEAN_FIELDS | NUMBER_FIELDS:
        found.append(f"{test.field} is not text: contains_any never holds")
    return found


def never_matching(policy: ScoringPolicy) -> list[str]:
    """One message per value or test that no lead can satisfy, naming the rule."""
    messages = []
    for kind, rules in (("disqualifier", policy.disqualifiers), ("fit rule", policy.fit_rules)):
        for rule in rules:
            messages += [f"{kind} {rule.id!r}: {problem}" for problem in _problems(rule)]
    return messages

"""Which value a lead keeps when a row joins it: one named rule per field, from the policy.

Rules: fill_blanks (only empty fields take the row's value), newest_non_empty (the row is the
newer source), most_trusted_source (the row wins when its source ranks above the lead's),
longest, keep_both (email and phone: the lead keeps its value, the row's is kept beside it).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from fnmatch import fnmatch
from typing import Any

from leadflow.dedupe.policy import SURVIVING_FIELDS, Survivorship

# Derived columns that follow the field they are computed from.
COMPANIONS = {"company": ("company_key",), "phone": ("phone_e164",)}


@dataclass(frozen=True)
class Outcome:
    changes: dict[str, Any] = field(default_factory=dict)  # column -> the value the lead takes
    kept: tuple[tuple[str, str], ...] = ()  # (email|phone, value) kept beside the lead's own


def _blank(value: Any) -> bool:
    return value is None or value == ""


def source_rank(source: str | None, ranking: Sequence[str]) -> int:
    """Position of the first pattern the source matches; unknown sources rank last."""
    if source is None:
        return len(ranking)
    return next((k for k, pattern in enumerate(ranking) if fnmatch(source, pattern)), len(ranking))


def _replaces(rule: str, old: Any, new: Any, row_wins_trust: bool) -> bool:
    if _blank(new):
        return False
    if _blank(old):
        return True
    if rule == "newest_non_empty":
        return bool(new != old)
    if rule == "longest":
        return len(str(new)) > len(str(old))
    if rule == "most_trusted_source":
        return row_wins_trust and new != old
    return False  # fill_blanks, keep_both


def survive(
    current: Mapping[str, Any],
    incoming: Mapping[str, Any],
    policy: Survivorship,
    *,
    current_source: str | None = None,
    incoming_source: str | None = None,
) -> Outcome:
    """The changes a row makes to a lead, and the second emails/phones it leaves beside it."""
    ranking = policy.source_ranking
    row_wins_trust = source_rank(incoming_source, ranking) < source_rank(current_source, ranking)
    changes: dict[str, Any] = {}
    kept: list[tuple[str, str]] = []
    for name in SURVIVING_FIELDS:
        old, new = current.get(name), incoming.get(name)
        rule = policy.rule_for(name)
        if name == "email":
            if not _blank(new) and not _blank(old) and new != old:
                kept.append(("email", str(new)))
            continue
        if _replaces(rule, old, new, row_wins_trust):
            changes[name] = new
            changes.update({c: incoming.get(c) for c in COMPANIONS.get(name, ())})
            continue
        if rule == "keep_both" and not _blank(new) and _same_phone(current, incoming) is False:
            kept.append((name, str(new)))
        # A derived column left empty (an unparseable phone) still takes the row's value.
        for companion in COMPANIONS.get(name, ()):
            if _blank(current.get(companion)) and not _blank(incoming.get(companion)):
                changes[companion] = incoming.get(companion)
    return Outcome(changes, tuple(kept))


def _same_phone(current: Mapping[str, Any], incoming: Mapping[str, Any]) -> bool:
    """Same number when both parse to E.164; else the same text."""
    a, b = current.get("phone_e164"), incoming.get("phone_e164")
    if a and b:
        return bool(a == b)
    return bool(current.get("phone") == incoming.get("phone"))

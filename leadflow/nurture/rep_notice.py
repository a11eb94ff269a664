"""Who reads a rep notification and why the lead is theirs, in words: the rep's zone and
language, and a rule's note or a description built from its conditions. Pure.

Built once per send batch from the routing policy (read duck-typed: teams with reps and
working hours, rules with id, note and when), so nurture does not depend on routing.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from leadflow.nurture.locale import resolve_locale

UTC = ZoneInfo("UTC")
# Words for the conditions and fixed routes, per language; a missing language reads English.
WORDS: dict[str, dict[str, str]] = {
    "en": {
        "territory": "territory",
        "region": "region",
        "segment": "company size",
        "product_line": "product line",
        "temperature": "temperature",
        "sep": "; ",
        "is": "{field} is {values}",
        "or": " or ",
        "unknown": "unknown",
        "account-owner": "you own this lead's account",
        "prior-owner": "you worked this person's earlier lead",
        "fallback": "no routing rule matched; your team takes the rest",
        "handoff": "handed over to you from {rep}",
        "rule": "routing rule {rule}",
    },
    "zh": {
        "territory": "区域",
        "region": "大区",
        "segment": "公司规模",
        "product_line": "产品线",
        "temperature": "热度",
        "sep": "；",
        "is": "{field}为{values}",
        "or": "或",
        "unknown": "未知",
        "account-owner": "您是该客户账户的负责人",
        "prior-owner": "此人之前的线索由您跟进",
        "fallback": "没有匹配的分配规则，由您的团队接手",
        "handoff": "由 {rep} 转交给您",
        "rule": "分配规则 {rule}",
    },
}
SHORTHANDS = ("territory", "region", "segment", "product_line", "temperature")


@dataclass(frozen=True)
class RepReader:
    zone: ZoneInfo = UTC
    locale: str = "en"


def _words(locale: str) -> dict[str, str]:
    return WORDS.get(locale.split("-")[0], WORDS["en"])


def describe_conditions(when: Any, locale: str) -> str:
    """A rule's conditions in words: "territory is north_america; company size is enterprise"."""
    w, parts = _words(locale), []
    for name in SHORTHANDS:
        values = getattr(when, name, None)
        if values:
            shown = w["or"].join(str(v) if v is not None else w["unknown"] for v in values)
            parts.append(w["is"].format(field=w[name], values=shown))
    for test in [*getattr(when, "all", []), *getattr(when, "any", [])]:
        operator, value = test.operator()
        parts.append(f"{test.field} {operator} {value}")
    return w["sep"].join(parts)


def describe_route(rule_id: str, rules: Mapping[str, Any], locale: str) -> str:
    """Why the lead is the rep's: the rule's note (its author's own words), else its conditions."""
    w = _words(locale)
    if rule_id in ("account-owner", "prior-owner", "fallback"):
        return w[rule_id]
    if rule_id.startswith("handoff:"):
        return w["handoff"].format(rep=rule_id.split(":", 1)[1])
    rule = rules.get(rule_id)
    if rule is None:
        return w["rule"].format(rule=rule_id)
    return (
        getattr(rule, "note", None)
        or describe_conditions(rule.when, locale)
        or w["rule"].format(rule=rule_id)
    )


@dataclass(frozen=True)
class RepDirectory:
    readers: Mapping[str, RepReader] = field(default_factory=dict)
    rules: Mapping[str, Any] = field(default_factory=dict)

    def reader(self, rep_key: str | None) -> RepReader:
        return self.readers.get(rep_key or "", RepReader())

    def why(self, rule_id: str | None, locale: str) -> str:
        return describe_route(rule_id or "fallback", self.rules, locale)


def _zone(*hours: Any) -> ZoneInfo:
    found = next((h.time_zone for h in hours if h is not None), None)
    return ZoneInfo(found) if found else UTC


def rep_directory(teams: Iterable[Any], rules: Iterable[Any], locales: Any) -> RepDirectory:
    """Each rep's zone (their working hours, else the team's) and language (their own
    ``locale`` if set, else from their name as for a lead, never from the team's country)."""
    readers: dict[str, RepReader] = {}
    for team in teams:
        for rep in team.reps:
            explicit = getattr(rep, "locale", None)
            tag = resolve_locale(locales, explicit=explicit, names=(rep.name,)).locale
            readers[rep.key] = RepReader(_zone(rep.working_hours, team.working_hours), tag)
    return RepDirectory(readers, {rule.id: rule for rule in rules})

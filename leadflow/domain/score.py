"""ICP fit plus engagement: a 0-100 score, a temperature, and the rules behind them."""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache
from dataclasses import dataclass

from leadflow.config.scoring import FitRule, ScoringPolicy
from leadflow.domain.types import LeadView, RuleHit


@dataclass(frozen=True)
class ScoreResult:
    fit: int
    engagement: int
    score: int
    temperature: str
    hits: tuple[RuleHit, ...]


_HAN = re.compile(r"[\u3400-\u9fff]")


@lru_cache(maxsize=1024)
def _word_pattern(word: str) -> re.Pattern[str]:
    return re.compile(rf"(?<![a-z0-9]){re.escape(word.lower())}(?![a-z0-9])")


def _contains(text: str, word: str) -> bool:
    """Latin words match whole words ("coo" is not in "coordinator"); Chinese has no spaces."""
    if _HAN.search(word):
        return word in text
    return _word_pattern(word).search(text.lower()) is not None


def _fires(rule: FitRule, value: object) -> bool:
    if rule.missing is not None:
        return (value in (None, "")) == rule.missing
    if value in (None, ""):
        return False
    if rule.equals is not None:
        return value == rule.equals
    if rule.any_of is not None:
        return value in rule.any_of
    if rule.contains_any is not None:
        return any(_contains(str(value), word) for word in rule.contains_any)
    number = value if isinstance(value, (int, float)) else None
    if number is None:
        return False
    return (rule.min is None or number >= rule.min) and (rule.max is None or number <= rule.max)


def fit_hits(lead: LeadView, rules: Iterable[FitRule]) -> list[RuleHit]:
    """Every rule that fires; within a ``group`` only the first one that fires counts."""
    hits, groups_fired = [], set()
    for rule in rules:
        if rule.group and rule.group in groups_fired:
            continue
        value = getattr(lead, rule.field)
        if _fires(rule, value):
            hits.append(RuleHit(rule.id, rule.field, value, rule.points))
            if rule.group:
                groups_fired.add(rule.group)
    return hits


def temperature_for(score: int, policy: ScoringPolicy) -> str:
    if score >= policy.thresholds.hot:
        return "hot"
    if score >= policy.thresholds.warm:
        return "warm"
    return "cold"


def score_lead(lead: LeadView, policy: ScoringPolicy, engagement: int = 0) -> ScoreResult:
    hits = tuple(fit_hits(lead, policy.fit_rules))
    fit = max(0, min(100, sum(hit.points for hit in hits)))
    engaged = max(0, min(policy.engagement.max_total, engagement))
    total = min(100, fit + engaged)
    return ScoreResult(fit, engaged, total, temperature_for(total, policy), hits)


def engagement_points(event_type: str, url: str | None, policy: ScoringPolicy) -> tuple[str, int]:
    """Signal name and points for one human engagement event."""
    points = policy.engagement
    if event_type == "click" and url and points.pricing_url_marker in url:
        return "pricing_click", points.click + points.pricing_visit
    if event_type == "visit" and url and points.pricing_url_marker in url:
        return "pricing_visit", points.pricing_visit
    return event_type, getattr(points, event_type, 0)

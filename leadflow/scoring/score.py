"""A lead's score: fit + qualification + decayed engagement, with the rules behind every point.

Outputs: score 0-100, temperature (hot/warm/cold, or disqualified), grade A-D from fit
alone, purchase class A/B/C from the expected timeframe (seed 003).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from operator import attrgetter

from leadflow.scoring.policy import Disqualifier, FitRule, ScoringPolicy, Test
from leadflow.scoring.engagement_decay import EngagementResult
from leadflow.scoring.qualification import Verdict
from leadflow.core.types import LeadView, RuleHit
from leadflow.scoring.values import Band, normal_form

FIT_FIELDS = ("industry", "employees", "revenue_band", "title", "country")
_HAN = re.compile(r"[\u3400-\u9fff]")


@dataclass(frozen=True)
class ScoreResult:
    fit: int
    engagement: int
    qualification: int
    score: int
    temperature: str
    grade: str
    purchase_class: str | None
    hits: tuple[RuleHit, ...]
    disqualified_by: RuleHit | None = None
    verdicts: tuple[Verdict, ...] = ()
    missing: tuple[str, ...] = field(default_factory=tuple)

    def reasons(self, top: int | None = 3) -> list[str]:
        """The rules that weigh most (``top`` of them, or all), for a person reading a list."""
        if self.disqualified_by:
            return [f"disqualified: {self.disqualified_by.rule_id}"]
        ranked = sorted(self.hits, key=lambda h: -abs(h.points))[:top]
        out = [f"{h.rule_id} {h.points:+d}" for h in ranked]
        out += [f"{v.model} qualified +{v.points}" for v in self.verdicts if v.points]
        if self.engagement:
            out.append(f"engagement +{self.engagement}")
        return out


@lru_cache(maxsize=1024)
def _any_word(words: tuple[str, ...]) -> Callable[[str], bool]:
    """Whether ``text`` holds any of ``words``: Latin words as whole words ("coo" is not in
    "coordinator"), Chinese ones anywhere (no spaces). One search for all the words: a title
    rule lists twenty, and each word was a lower-casing and a search of every lead's title."""
    han = tuple(w for w in words if _HAN.search(w))
    latin = [re.escape(w.lower()) for w in words if not _HAN.search(w)]
    # A failed boundary backtracks into the next alternative ("vp" then "vp sales").
    either = re.compile(rf"(?<![a-z0-9])(?:{'|'.join(latin)})(?![a-z0-9])") if latin else None

    def found(text: str) -> bool:
        if any(w in text for w in han):
            return True
        return either is not None and either.search(text.lower()) is not None

    return found


@lru_cache(maxsize=4096)
def _normal(field: str, value: object) -> object:
    return normal_form(field, value)


@lru_cache(maxsize=1024)
def _normal_set(field: str, values: tuple[object, ...]) -> frozenset[object]:
    """An ``any_of`` list in normal form, built once per rule, not once per lead."""
    return frozenset(_normal(field, v) for v in values)


def holds(test: Test, value: object) -> bool:
    if test.missing is not None:
        return (value in (None, "")) == test.missing
    if value in (None, ""):
        return False
    if test.equals is not None:
        return bool(_normal(test.field, value) == _normal(test.field, test.equals))
    if test.any_of is not None:
        return _normal(test.field, value) in _normal_set(test.field, tuple(test.any_of))
    if test.contains_any is not None:
        return _any_word(tuple(test.contains_any))(str(value))
    if isinstance(value, Band):
        return value.within(test.min, test.max)
    number = value if isinstance(value, (int, float)) and not isinstance(value, bool) else None
    if number is None:
        return False
    return (test.min is None or number >= test.min) and (test.max is None or number <= test.max)


def fit_hits(lead: LeadView, rules: Iterable[FitRule]) -> list[RuleHit]:
    """Every rule that fires; within a ``group`` only the first one that fires counts."""
    hits, groups_fired = [], set()
    for rule in rules:
        if rule.group and rule.group in groups_fired:
            continue
        value = getattr(lead, rule.field)
        if holds(rule, value):
            hits.append(RuleHit(rule.id, rule.field, value, rule.points))
            if rule.group:
                groups_fired.add(rule.group)
    return hits


def disqualified_by(lead: LeadView, rules: Iterable[Disqualifier]) -> RuleHit | None:
    for rule in rules:
        value = getattr(lead, rule.field)
        if holds(rule, value):
            return RuleHit(rule.id, rule.field, value, 0)
    return None


def temperature_for(score: int, policy: ScoringPolicy) -> str:
    if score >= policy.thresholds.hot:
        return "hot"
    if score >= policy.thresholds.warm:
        return "warm"
    return "cold"


def grade_for(fit: int, policy: ScoringPolicy) -> str:
    grades = policy.grades
    return "A" if fit >= grades.A else "B" if fit >= grades.B else "C" if fit >= grades.C else "D"


def purchase_class_for(months: int | None, policy: ScoringPolicy) -> str | None:
    if months is None:
        return None
    classes = policy.purchase_classes
    return (
        "A"
        if months <= classes.A_within_months
        else "B"
        if months <= classes.B_within_months
        else "C"
    )


@dataclass(frozen=True)
class FitPart:
    """What the lead's own fields earn: a function of the fields the rules name, nothing else."""

    hits: tuple[RuleHit, ...]
    fit: int
    missing: tuple[str, ...]
    blocker: RuleHit | None


def fit_part(lead: LeadView, policy: ScoringPolicy) -> FitPart:
    hits = tuple(fit_hits(lead, policy.fit_rules))
    return FitPart(
        hits,
        max(0, min(100, sum(hit.points for hit in hits))),
        tuple(name for name in FIT_FIELDS if getattr(lead, name) in (None, "")),
        disqualified_by(lead, policy.disqualifiers),
    )


class FitMemo:
    """Fit per distinct combination of the fields the policy reads: leads of one company,
    country and title band share it, so a batch (or a whole re-score) evaluates each
    combination's rules once. Bounded: cleared when full."""

    def __init__(self, policy: ScoringPolicy, limit: int = 200_000):
        named = {rule.field for rule in policy.fit_rules}
        named |= {rule.field for rule in policy.disqualifiers}
        self.fields = tuple(sorted(named | set(FIT_FIELDS)))
        self._key = attrgetter(*self.fields)  # one C call for the whole key, not a genexpr
        self.policy, self.limit = policy, limit
        self.parts: dict[tuple[object, ...], FitPart] = {}
        # What a caller derives from a part's hits (the JSON of a decision), by the id of the
        # hits tuple; it lives as long as the memo, so it is cleared with the parts.
        self.derived: dict[int, tuple[object, object]] = {}

    def __call__(self, lead: LeadView) -> FitPart:
        key = self._key(lead)
        part = self.parts.get(key)
        if part is None:
            if len(self.parts) >= self.limit:
                self.parts.clear()
                self.derived.clear()
            part = self.parts[key] = fit_part(lead, self.policy)
        return part


_memo_lock = threading.Lock()
_shared_memo: FitMemo | None = None


def shared_fit_memo(policy: ScoringPolicy) -> FitMemo:
    """The memo of the policy in force, kept from batch to batch: a campaign's companies,
    countries and title bands come again in every batch of it. A policy edited on disk is a
    new object (policy_loader keeps one per file text), so its first batch starts afresh."""
    global _shared_memo
    with _memo_lock:
        if _shared_memo is None or _shared_memo.policy is not policy:
            _shared_memo = FitMemo(policy)
        return _shared_memo


def score_lead(
    lead: LeadView,
    policy: ScoringPolicy,
    engagement: EngagementResult | int = 0,
    verdicts: Sequence[Verdict] = (),
    timeframe_months: int | None = None,
    part: FitPart | None = None,
) -> ScoreResult:
    """``part``: the lead's fit when the caller already has it (a FitMemo)."""
    engaged = engagement if isinstance(engagement, int) else engagement.total
    engaged = max(0, engaged)
    part = part or fit_part(lead, policy)
    hits, fit, missing, blocker = part.hits, part.fit, part.missing, part.blocker
    vetoed = next((v for v in verdicts if v.verdict == "disqualified"), None)
    if blocker is None and vetoed is not None:
        blocker = RuleHit(f"{vetoed.model}:disqualified", "qualification", vetoed.reason, 0)
    qualification = sum(v.points for v in verdicts)
    purchase = purchase_class_for(timeframe_months, policy)
    if blocker:
        return ScoreResult(
            fit,
            engaged,
            qualification,
            0,
            "disqualified",
            "D",
            purchase,
            hits,
            blocker,
            tuple(verdicts),
            missing,
        )
    total = max(0, min(100, fit + qualification + engaged))
    return ScoreResult(
        fit,
        engaged,
        qualification,
        total,
        temperature_for(total, policy),
        grade_for(fit, policy),
        purchase,
        hits,
        None,
        tuple(verdicts),
        missing,
    )

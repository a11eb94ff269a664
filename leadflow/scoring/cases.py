"""Scoring golden cases: a lead and its engagement in, points, rules and temperature out.

Same file format as the routing cases (`leadflow.core.golden`), with `kind: scoring`. Events
happen `days_ago` before the case's moment (a fixed Monday noon UTC unless `now` is given), a
minute apart in file order, so daily caps and decay apply as they would live.
"""

from __future__ import annotations

from dataclasses import fields
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, field_validator

from leadflow.core.golden import CaseResult, case_files, differences
from leadflow.core.policy_loader import PolicyModel, StrictModel, load_policy
from leadflow.core.types import LeadView
from leadflow.scoring.engagement_decay import Event, engagement_score
from leadflow.scoring.engagement_policy import EngagementPolicy
from leadflow.scoring.policy import ScoringPolicy
from leadflow.scoring.score import score_lead

DEFAULT_NOW = datetime(2026, 11, 9, 12, 0, tzinfo=UTC)
LEAD_FIELDS = tuple(f.name for f in fields(LeadView) if f.name not in {"id", "email"})


class CaseEvent(StrictModel):
    type: str
    days_ago: float = Field(default=0, ge=0)
    url: str | None = None
    machine: bool = False


class ScoringExpect(StrictModel):
    """Only what is given is compared; `rules` is the set of fit rules that fired."""

    fit: int | None = None
    score: int | None = None
    temperature: str | None = None
    rules: list[str] | None = None
    grade: str | None = None
    disqualified_by: str | None = None

    def given(self) -> dict[str, Any]:
        wanted = {
            k: getattr(self, k) for k in type(self).model_fields if k in self.model_fields_set
        }
        if "rules" in wanted:
            wanted["rules"] = sorted(wanted["rules"])
        return wanted


class ScoringCase(StrictModel):
    name: str
    note: str | None = None
    lead: dict[str, Any] = {}
    events: list[CaseEvent] = []
    now: datetime | None = None
    expect: ScoringExpect

    @field_validator("lead")
    @classmethod
    def _known_fields(cls, lead: dict[str, Any]) -> dict[str, Any]:
        unknown = sorted(set(lead) - set(LEAD_FIELDS))
        if unknown:
            raise ValueError(
                f"unknown lead field(s) {', '.join(unknown)}; known: {', '.join(LEAD_FIELDS)}"
            )
        return lead


class ScoringCaseFile(PolicyModel):
    kind: Literal["scoring"]
    cases: list[ScoringCase] = Field(min_length=1)

    def reference_errors(self) -> list[tuple[tuple[object, ...], str]]:
        names = [case.name for case in self.cases]
        return [
            (("cases", i, "name"), f"case name {name!r} is used twice")
            for i, name in enumerate(names)
            if name in names[:i]
        ]


def load_scoring_cases(path: Path) -> ScoringCaseFile:
    return load_policy(path, ScoringCaseFile)


def case_events(case: ScoringCase, now: datetime) -> list[Event]:
    return [
        Event(e.type, now - timedelta(days=e.days_ago, minutes=i), e.url, e.machine)
        for i, e in enumerate(case.events)
    ]


def check_scoring_case(
    case: ScoringCase, icp: ScoringPolicy, signals: EngagementPolicy
) -> CaseResult:
    now = case.now or DEFAULT_NOW
    lead = LeadView(id=0, email="case@example.com", **case.lead)
    result = score_lead(lead, icp, engagement_score(case_events(case, now), signals, now))
    actual = {
        "fit": result.fit,
        "score": result.score,
        "temperature": result.temperature,
        "rules": sorted(hit.rule_id for hit in result.hits),
        "grade": result.grade,
        "disqualified_by": result.disqualified_by.rule_id if result.disqualified_by else None,
    }
    expected = case.expect.given()
    diff = differences(expected, actual)
    trace = {"hits": [f"{h.rule_id} {h.points:+d} ({h.field}={h.value!r})" for h in result.hits]}
    return CaseResult(case.name, not diff, expected, actual, diff, trace)


def run_scoring_cases(
    cases_file: Path, icp: ScoringPolicy, signals: EngagementPolicy
) -> list[CaseResult]:
    """Score every case of the file (or folder); raises ConfigError on a broken file."""
    return [
        check_scoring_case(case, icp, signals)
        for path in case_files(cases_file)
        for case in load_scoring_cases(path).cases
    ]

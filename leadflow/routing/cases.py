"""Test routing rules like code: golden cases (a lead and prior state in, rep or queue and rule out).

A cases file is YAML (`version` and `cases`), validated like a policy so a typo names its line.
Each case may set the state the decision depends on: account owner, prior owner, reps who
rejected the lead (and rules they said placed it wrongly), round-robin ledgers, loads (leads
today and this week), reps unavailable for a reason of their own, and the clock `now`.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, field_validator, model_validator

from leadflow.core.golden import CaseResult, case_files, differences
from leadflow.core.policy_loader import PolicyModel, StrictModel, load_policy
from leadflow.routing.policy import LEAD_FIELDS, RoutingPolicy
from leadflow.routing.route import DERIVED, RouteDecision, lead_facts, route_lead


class Load(StrictModel):
    day: int = Field(default=0, ge=0)
    week: int = Field(default=0, ge=0)


class Expect(StrictModel):
    """Only what is given is compared."""

    rule: str
    rep: str | None = None
    queue: str | None = None
    team: str | None = None
    territory: str | None = None  # the derived facts, when the case is about deriving them
    segment: str | None = None

    @model_validator(mode="after")
    def _rep_or_queue(self) -> Expect:
        if not {"rep", "queue", "team"} & self.model_fields_set:
            raise ValueError("expect a rep, a team or a queue (null to expect none)")
        return self

    def given(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in KEYS if k in self.model_fields_set}


KEYS = ("rule", "rep", "team", "queue", "territory", "segment")


class Case(StrictModel):
    name: str
    note: str | None = None
    lead: dict[str, Any] = {}
    now: datetime | None = None
    account_owner: str | None = None
    prior_owner: str | None = None
    exclude: list[str] = []  # reps who rejected it as a wrong match or let its SLA pass
    skip_rules: list[str] = []  # rules whose pick was rejected as a wrong match
    ledgers: dict[str, dict[str, int]] = {}
    loads: dict[str, Load] = {}
    unavailable: dict[str, str] = {}
    expect: Expect

    @field_validator("lead")
    @classmethod
    def _known_fields(cls, lead: dict[str, Any]) -> dict[str, Any]:
        unknown = sorted(set(lead) - set(LEAD_FIELDS))
        if unknown:
            raise ValueError(
                f"unknown lead field(s) {', '.join(unknown)}; known: {', '.join(LEAD_FIELDS)}"
            )
        return lead


class CaseFile(PolicyModel):
    kind: Literal["routing"] = "routing"
    cases: list[Case] = Field(min_length=1)

    def reference_errors(self) -> list[tuple[tuple[object, ...], str]]:
        seen: set[str] = set()
        errors: list[tuple[tuple[object, ...], str]] = []
        for i, case in enumerate(self.cases):
            if case.name in seen:
                errors.append((("cases", i, "name"), f"case name {case.name!r} is used twice"))
            seen.add(case.name)
        return errors


def load_cases(path: Path) -> CaseFile:
    return load_policy(path, CaseFile)


def case_facts(case: Case, policy: RoutingPolicy) -> dict[str, Any]:
    pinned = {k: v for k, v in case.lead.items() if k in DERIVED}
    return lead_facts(case.lead, policy, **pinned)


def route_case(case: Case, policy: RoutingPolicy) -> RouteDecision:
    return route_lead(
        case_facts(case, policy),
        policy,
        case.ledgers,
        case.account_owner,
        set(case.exclude),
        prior_owner=case.prior_owner,
        now=case.now,
        unavailable=case.unavailable,
        loads={rep: (load.day, load.week) for rep, load in case.loads.items()},
        skip_rules=set(case.skip_rules),
    )


def check_case(case: Case, policy: RoutingPolicy) -> CaseResult:
    facts = case_facts(case, policy)
    decision = route_case(case, policy)
    actual = {
        "rule": decision.rule_id,
        "rep": decision.rep,
        "team": decision.team,
        "queue": decision.queue,
        "territory": facts.get("territory"),
        "segment": facts.get("segment"),
    }
    expected = case.expect.given()
    diff = differences(expected, actual)
    return CaseResult(case.name, not diff, expected, actual, diff, decision.trace)


def run_cases(cases_file: Path, policy: RoutingPolicy) -> list[CaseResult]:
    """Route every case of the file (or folder) with `policy`; raises ConfigError on a broken file."""
    return [
        check_case(case, policy)
        for path in case_files(cases_file)
        for case in load_cases(path).cases
    ]

"""Scoring: golden cases against the real policy files, and the rule mechanics."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
import yaml

from leadflow.scoring.engagement_policy import EngagementPolicy, load_engagement
from leadflow.scoring.policy import ScoringPolicy, load_scoring
from leadflow.scoring.engagement_decay import Event, engagement_score
from leadflow.scoring.score import score_lead
from tests.factories import SCORING_DIR, make_lead_view, make_scoring_policy

CASES: list[dict[str, Any]] = [case for path in sorted((SCORING_DIR / "cases").glob("*.yaml"))
                               for case in yaml.safe_load(path.read_text("utf-8"))]
NOW = datetime(2026, 11, 9, 12, 0, tzinfo=timezone.utc)


@pytest.fixture(scope="module")
def icp() -> ScoringPolicy:
    return load_scoring(SCORING_DIR)


@pytest.fixture(scope="module")
def signals() -> EngagementPolicy:
    return load_engagement(SCORING_DIR)


def events_of(case: dict[str, Any]) -> list[Event]:
    return [Event(e["type"], NOW - timedelta(days=e.get("days_ago", 0), minutes=i), e.get("url"),
                  e.get("machine", False)) for i, e in enumerate(case.get("events", []))]


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_real_policy_scores_golden_case(case: dict[str, Any], icp: ScoringPolicy, signals: EngagementPolicy) -> None:
    lead = make_lead_view(**case["lead"])
    result = score_lead(lead, icp, engagement_score(events_of(case), signals, NOW))
    expect = case["expect"]
    assert {hit.rule_id for hit in result.hits} == set(expect["rules"])
    assert (result.fit, result.score, result.temperature) == (expect["fit"], expect["score"],
                                                               expect["temperature"])
    if "grade" in expect:
        assert result.grade == expect["grade"]
    if "disqualified_by" in expect:
        assert result.disqualified_by is not None and result.disqualified_by.rule_id == expect["disqualified_by"]


def test_golden_cases_have_unique_names() -> None:
    names = [c["name"] for c in CASES]
    assert len(names) == len(set(names))


def test_engagement_beyond_max_total_is_capped() -> None:
    policy = make_scoring_policy()
    result = score_lead(make_lead_view(), policy, engagement=500)
    assert (result.engagement, result.score) == (500, 100)


def test_negative_engagement_never_lowers_the_score() -> None:
    policy = make_scoring_policy(fit_rules=[{"id": "us", "field": "country", "equals": "US", "points": 30}])
    result = score_lead(make_lead_view(country="US"), policy, engagement=-20)
    assert (result.engagement, result.score) == (0, 30)


# --- rule mechanics -------------------------------------------------------------------------

def test_missing_rule_fires_only_on_blank_values() -> None:
    policy = make_scoring_policy(fit_rules=[
        {"id": "no-company", "field": "company", "missing": True, "points": -10}])
    assert [h.rule_id for h in score_lead(make_lead_view(company=""), policy).hits] == ["no-company"]
    assert score_lead(make_lead_view(company="Acme"), policy).hits == ()


def test_range_rule_ignores_non_numeric_and_blank_values() -> None:
    policy = make_scoring_policy(fit_rules=[
        {"id": "big", "field": "employees", "min": 100, "points": 10}])
    assert score_lead(make_lead_view(employees=None), policy).hits == ()
    assert score_lead(make_lead_view(employees=99), policy).hits == ()
    assert [h.rule_id for h in score_lead(make_lead_view(employees=100), policy).hits] == ["big"]


def test_contains_any_is_case_insensitive() -> None:
    policy = make_scoring_policy(fit_rules=[
        {"id": "boss", "field": "title", "contains_any": ["Director"], "points": 20}])
    assert [h.rule_id for h in score_lead(make_lead_view(title="SALES DIRECTOR"), policy).hits] == ["boss"]


def test_each_hit_records_the_field_and_value_it_looked_at() -> None:
    policy = make_scoring_policy(fit_rules=[
        {"id": "served", "field": "country", "any_of": ["US", "CA"], "points": 10}])
    (hit,) = score_lead(make_lead_view(country="CA"), policy).hits
    assert (hit.rule_id, hit.field, hit.value, hit.points) == ("served", "country", "CA", 10)


def test_temperature_uses_the_policy_thresholds() -> None:
    policy = make_scoring_policy(
        thresholds={"hot": 30, "warm": 10},
        fit_rules=[{"id": "us", "field": "country", "equals": "US", "points": 30}])
    assert score_lead(make_lead_view(country="US"), policy).temperature == "hot"
    assert score_lead(make_lead_view(), policy, engagement=10).temperature == "warm"
    assert score_lead(make_lead_view(), policy, engagement=9).temperature == "cold"


# --- title words against the real policy --------------------------------------------------

def rule_ids(title: str, icp: ScoringPolicy) -> set[str]:
    return {hit.rule_id for hit in score_lead(make_lead_view(title=title), icp).hits}


def test_coordinator_is_not_a_decision_maker(icp: ScoringPolicy) -> None:
    # "coo" (chief operating officer) must not match inside "Coordinator".
    assert "title-decision-maker" not in rule_ids("Marketing Coordinator", icp)


@pytest.mark.parametrize("title", ["International Sales Manager", "Internal Audit Lead"])
def test_international_or_internal_is_not_an_intern(title: str, icp: ScoringPolicy) -> None:
    # "intern" must not match inside "International" / "Internal": it would disqualify a buyer.
    assert score_lead(make_lead_view(title=title), icp).disqualified_by is None

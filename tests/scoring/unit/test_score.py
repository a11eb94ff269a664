"""Scoring: golden cases against the real policy files, and the rule mechanics."""

from __future__ import annotations


from pathlib import Path

import pytest

from leadflow.scoring.engagement_policy import EngagementPolicy, load_engagement
from leadflow.scoring.policy import ScoringPolicy, load_scoring
from leadflow.scoring.score import score_lead
from leadflow.core.errors import ConfigError
from leadflow.core.golden import case_files
from leadflow.scoring.cases import (
    ScoringCase,
    ScoringExpect,
    check_scoring_case,
    load_scoring_cases,
)
from tests.factories import SCORING_DIR, make_lead_view, make_scoring_policy

CASES = [
    case for path in case_files(SCORING_DIR / "cases") for case in load_scoring_cases(path).cases
]


@pytest.fixture(scope="module")
def icp() -> ScoringPolicy:
    return load_scoring(SCORING_DIR)


@pytest.fixture(scope="module")
def signals() -> EngagementPolicy:
    return load_engagement(SCORING_DIR)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_real_policy_scores_golden_case(
    case: ScoringCase, icp: ScoringPolicy, signals: EngagementPolicy
) -> None:
    result = check_scoring_case(case, icp, signals)
    assert result.passed, result.diff


def test_a_scoring_case_compares_only_what_it_gives(
    icp: ScoringPolicy, signals: EngagementPolicy
) -> None:
    case = ScoringCase(
        name="x",
        lead={"country": "US", "industry": "Software"},
        expect=ScoringExpect(temperature="cold", rules=["country-served"]),
    )
    result = check_scoring_case(case, icp, signals)
    assert not result.passed
    assert result.diff == [
        "rules: expected ['country-served'], got ['country-served', 'industry-core']"
    ]


def test_a_broken_scoring_case_file_names_its_line(tmp_path: Path) -> None:
    (tmp_path / "c.yaml").write_text(
        "version: 1\nkind: scoring\ncases:\n  - name: a\n"
        "    lead: {contry: US}\n    expect: {fit: 0}\n",
        encoding="utf-8",
    )
    with pytest.raises(ConfigError) as caught:
        load_scoring_cases(tmp_path / "c.yaml")
    assert caught.value.line == 5 and "contry" in caught.value.message


def test_engagement_beyond_max_total_is_capped() -> None:
    policy = make_scoring_policy()
    result = score_lead(make_lead_view(), policy, engagement=500)
    assert (result.engagement, result.score) == (500, 100)


def test_negative_engagement_never_lowers_the_score() -> None:
    policy = make_scoring_policy(
        fit_rules=[{"id": "us", "field": "country", "equals": "US", "points": 30}]
    )
    result = score_lead(make_lead_view(country="US"), policy, engagement=-20)
    assert (result.engagement, result.score) == (0, 30)


# --- rule mechanics -------------------------------------------------------------------------


def test_missing_rule_fires_only_on_blank_values() -> None:
    policy = make_scoring_policy(
        fit_rules=[{"id": "no-company", "field": "company", "missing": True, "points": -10}]
    )
    assert [h.rule_id for h in score_lead(make_lead_view(company=""), policy).hits] == [
        "no-company"
    ]
    assert score_lead(make_lead_view(company="Acme"), policy).hits == ()


def test_range_rule_ignores_non_numeric_and_blank_values() -> None:
    policy = make_scoring_policy(
        fit_rules=[{"id": "big", "field": "employees", "min": 100, "points": 10}]
    )
    assert score_lead(make_lead_view(employees=None), policy).hits == ()
    assert score_lead(make_lead_view(employees=99), policy).hits == ()
    assert [h.rule_id for h in score_lead(make_lead_view(employees=100), policy).hits] == ["big"]


def test_contains_any_is_case_insensitive() -> None:
    policy = make_scoring_policy(
        fit_rules=[{"id": "boss", "field": "title", "contains_any": ["Director"], "points": 20}]
    )
    assert [h.rule_id for h in score_lead(make_lead_view(title="SALES DIRECTOR"), policy).hits] == [
        "boss"
    ]


def test_each_hit_records_the_field_and_value_it_looked_at() -> None:
    policy = make_scoring_policy(
        fit_rules=[{"id": "served", "field": "country", "any_of": ["US", "CA"], "points": 10}]
    )
    (hit,) = score_lead(make_lead_view(country="CA"), policy).hits
    assert (hit.rule_id, hit.field, hit.value, hit.points) == ("served", "country", "CA", 10)


def test_temperature_uses_the_policy_thresholds() -> None:
    policy = make_scoring_policy(
        thresholds={"hot": 30, "warm": 10},
        fit_rules=[{"id": "us", "field": "country", "equals": "US", "points": 30}],
    )
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

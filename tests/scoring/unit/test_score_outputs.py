"""Grades, purchase classes, disqualifiers and the policy's own checks."""

from __future__ import annotations

import pytest

from leadflow.scoring.policy import ScoringPolicy, load_scoring
from leadflow.scoring.score import grade_for, purchase_class_for, score_lead
from leadflow.core.errors import ConfigError
from tests.factories import SCORING_DIR, make_lead_view


@pytest.fixture(scope="module")
def icp() -> ScoringPolicy:
    return load_scoring(SCORING_DIR)


@pytest.mark.parametrize(
    "fit, grade", [(100, "A"), (60, "A"), (59, "B"), (40, "B"), (39, "C"), (20, "C"), (19, "D")]
)
def test_grade_comes_from_fit_alone(icp: ScoringPolicy, fit: int, grade: str) -> None:
    assert grade_for(fit, icp) == grade


@pytest.mark.parametrize(
    "months, klass", [(0, "A"), (3, "A"), (4, "B"), (12, "B"), (13, "C"), (None, None)]
)
def test_purchase_class_by_expected_signing_time(
    icp: ScoringPolicy, months: int | None, klass: str | None
) -> None:
    assert purchase_class_for(months, icp) == klass


@pytest.mark.parametrize(
    "field, value, rule",
    [
        ("title", "Marketing Intern", "student"),
        ("domain", "rivalflow.example", "competitor"),
        ("country", "KP", "cannot-sell-there"),
        ("is_disposable", True, "disposable-address"),
    ],
)
def test_each_disqualifier_rules_the_lead_out(
    icp: ScoringPolicy, field: str, value: object, rule: str
) -> None:
    fields = {
        "industry": "Software",
        "employees": 1000,
        "title": "CTO",
        "country": "US",
        field: value,
    }
    lead = make_lead_view(**fields)
    result = score_lead(lead, icp, engagement=40)
    assert (result.temperature, result.score, result.grade, result.disqualified_by.rule_id) == (
        "disqualified",
        0,
        "D",
        rule,
    )


def test_a_lead_missing_every_fit_field_scores_with_what_it_has_and_says_so(
    icp: ScoringPolicy,
) -> None:
    result = score_lead(make_lead_view(), icp)
    assert result.missing == ("industry", "employees", "revenue_band", "title", "country")
    assert (result.score, result.temperature) == (0, "cold")


def test_overlapping_bands_are_a_load_error(tmp_path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "icp.yaml").write_text(
        "version: 1\nthresholds: {hot: 70, warm: 40}\nfit_rules:\n"
        "  - {id: mid, group: size, field: employees, min: 100, max: 500, points: 10}\n"
        "  - {id: big, group: size, field: employees, min: 400, points: 20}\n",
        encoding="utf-8",
    )
    with pytest.raises(ConfigError) as info:
        load_scoring(tmp_path)
    assert info.value.line == 5 and "overlaps" in info.value.message


def test_missing_thresholds_are_a_load_error(tmp_path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "icp.yaml").write_text("version: 1\nfit_rules: []\n", encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_scoring(tmp_path)
    assert info.value.field == "thresholds"


def test_reasons_name_the_rules_that_weigh_most(icp: ScoringPolicy) -> None:
    result = score_lead(
        make_lead_view(industry="Software", employees=1000, title="CTO", country="US"), icp
    )
    assert result.reasons()[:2] == ["industry-core +25", "size-sweet-spot +25"]

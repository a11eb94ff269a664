"""Qualification models from the seeds, evaluated on answers."""

from __future__ import annotations

import pytest

from leadflow.scoring.qualification_policy import QualificationPolicy, load_qualification
from leadflow.core.answers import parse_answer
from leadflow.scoring.qualification import evaluate
from leadflow.scoring.score import score_lead
from tests.factories import SCORING_DIR, make_lead_view, make_scoring_policy


@pytest.fixture(scope="module")
def models() -> QualificationPolicy:
    return load_qualification(SCORING_DIR)


def test_bant_qualifies_only_with_all_four(models: QualificationPolicy) -> None:
    bant = models.model("bant")
    assert bant is not None
    full = evaluate(bant, {"budget": True, "authority": True, "need": True, "time": True})
    three = evaluate(bant, {"budget": True, "authority": True, "need": True, "time": False})
    partial = evaluate(bant, {"budget": True})
    assert (full.verdict, full.points, full.sub_score) == ("qualified", 15, 100)
    assert (three.verdict, three.points) == ("not_qualified", 0)
    assert (partial.verdict, partial.answered) == ("incomplete", 1)


def test_the_nine_questions_have_a_hard_disqualifier(models: QualificationPolicy) -> None:
    nine = models.model("nine")
    assert nine is not None
    answers = {q.id: True for q in nine.questions}  # every yes, including "locked in elsewhere"
    result = evaluate(nine, answers)
    assert result.verdict == "disqualified" and "someone else" in result.reason
    lead = score_lead(
        make_lead_view(country="US"),
        make_scoring_policy(
            fit_rules=[{"id": "us", "field": "country", "equals": "US", "points": 90}]
        ),
        verdicts=[result],
    )
    assert (lead.temperature, lead.score, lead.disqualified_by.rule_id) == (
        "disqualified",
        0,
        "nine:disqualified",
    )


def test_value_model_is_high_value_above_ten_points(models: QualificationPolicy) -> None:
    value20 = models.model("value20")
    assert value20 is not None and len(value20.questions) == 20
    ids = [q.id for q in value20.questions]
    ten = evaluate(value20, {qid: i < 10 for i, qid in enumerate(ids)})
    eleven = evaluate(value20, {qid: i < 11 for i, qid in enumerate(ids)})
    assert (ten.verdict, eleven.verdict) == ("not_qualified", "qualified")
    assert sum(eleven.by_dimension.values()) == 11 and len(eleven.by_dimension) == 4


def test_a_qualified_model_adds_its_points_to_the_score(models: QualificationPolicy) -> None:
    bant = models.model("bant")
    assert bant is not None
    verdict = evaluate(bant, {q.id: True for q in bant.questions})
    policy = make_scoring_policy(
        fit_rules=[{"id": "us", "field": "country", "equals": "US", "points": 60}]
    )
    result = score_lead(make_lead_view(country="US"), policy, verdicts=[verdict])
    assert (result.qualification, result.score, result.temperature) == (15, 75, "hot")


@pytest.mark.parametrize(
    "raw, answer",
    [
        ("yes", True),
        ("Y", True),
        ("是", True),
        ("1", True),
        ("no", False),
        ("否", False),
        ("没有", False),
        ("maybe", None),
    ],
)
def test_answers_are_read_as_people_write_them(raw: str, answer: bool | None) -> None:
    assert parse_answer(raw) is answer

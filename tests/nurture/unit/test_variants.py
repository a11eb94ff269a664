"""A/B variants: deterministic assignment by weight, promotion, content, Wilson intervals."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from leadflow.nurture.policy import Step, Variant
from leadflow.nurture.variants import assign_variant, variant_content, wilson

VARIANTS = [Variant(key="a", weight=3), Variant(key="b", weight=1, subject="Shorter subject")]


def test_a_lead_always_gets_the_same_variant_and_shares_follow_the_weights():
    picks = [assign_variant(VARIANTS, "nurture-core", 1, lead).variant for lead in range(1, 4001)]
    assert picks == [
        assign_variant(VARIANTS, "nurture-core", 1, lead).variant for lead in range(1, 4001)
    ]
    share_b = picks.count("b") / len(picks)
    assert 0.22 < share_b < 0.28  # weight 1 of 4, within sampling noise for 4000 leads
    # Another step or sequence shuffles leads independently.
    other = [assign_variant(VARIANTS, "nurture-core", 2, lead).variant for lead in range(1, 4001)]
    assert other != picks


def test_a_promoted_winner_goes_to_everyone_and_no_variants_means_no_assignment():
    assert {
        assign_variant(VARIANTS, "s", 0, lead, promoted="b").variant for lead in range(200)
    } == {"b"}
    assert assign_variant(VARIANTS, "s", 0, 7, promoted="b").promoted
    assert assign_variant([], "s", 0, 7) is None


def test_a_variant_changes_only_what_it_names():
    step = Step(
        template="nurture_2_case_study",
        subject="Default",
        subjects={"zh-CN": "默认"},
        variants=[Variant(key="a"), Variant(key="b", subject="B subject", template="other")],
    )
    assert variant_content(step, "a") == ("nurture_2_case_study", "Default", {"zh-CN": "默认"})
    assert variant_content(step, "b") == (
        "other",
        "B subject",
        {},
    )  # its subject, not the step's Chinese one
    assert variant_content(step, None) == ("nurture_2_case_study", "Default", {"zh-CN": "默认"})


def test_variants_are_validated():
    with pytest.raises(ValidationError, match="must differ"):
        Step(template="t", subject="s", variants=[Variant(key="a"), Variant(key="a")])
    with pytest.raises(ValidationError, match="at least two"):
        Step(template="t", subject="s", variants=[Variant(key="a")])
    with pytest.raises(ValidationError):
        Variant(key="a", weight=0)


def test_wilson_interval():
    low, high = wilson(20, 100)
    assert round(low, 4) == 0.1334 and round(high, 4) == 0.2888  # the textbook 20 of 100
    assert wilson(0, 0) == (0.0, 1.0)
    assert wilson(0, 50)[0] == 0.0 and wilson(50, 50)[1] == 1.0

"""check_rules: unreachable rules, overlaps (who wins and why), gaps only the fallback takes."""

from __future__ import annotations

from typing import Any

from leadflow.routing.policy import load_routing
from leadflow.routing.check import Finding, check_rules
from tests.factories import ROUTING_DIR, make_routing_policy

NORDICS = {"nordics": {"countries": ["NO", "SE"]}, "dach": {"countries": ["DE", "AT", "CH"]}}


def findings(rules: list[dict[str, Any]], **more: Any) -> list[Finding]:
    return check_rules(
        make_routing_policy(rules=rules, territories=more.pop("territories", NORDICS), **more)
    )


def of_kind(found: list[Finding], kind: str) -> list[Finding]:
    return [f for f in found if f.kind == kind]


def test_shipped_policy_has_no_unreachable_rule_and_one_known_gap() -> None:
    found = check_rules(load_routing(ROUTING_DIR))
    assert not of_kind(found, "unreachable")
    gaps = of_kind(found, "gap")
    assert len(gaps) == 1 and gaps[0].example["territory"] == ["unknown"]
    assert "partner-referrals" in gaps[0].message  # a lead from a partner is covered anywhere
    overlap = next(f for f in found if f.rules[0] == "na-enterprise")
    assert overlap.rules == ("na-enterprise", "na-commercial") and "listed first" in overlap.message


def test_a_narrower_rule_after_a_broader_one_is_shadowed() -> None:
    found = findings(
        [
            {"id": "nordics", "when": {"territory": ["nordics"]}, "assign": {"team": "north"}},
            {
                "id": "nordics-large",
                "when": {"territory": ["nordics"], "segment": ["large"]},
                "assign": {"rep": "zed"},
            },
        ]
    )
    [unreachable] = of_kind(found, "unreachable")
    assert unreachable.rules == ("nordics-large", "nordics")
    assert "only when those rules' reps are all unavailable" in unreachable.message


def test_a_rule_behind_a_queue_never_fires() -> None:
    found = findings(
        [
            {"id": "review", "when": {"territory": ["nordics"]}, "assign": {"queue": "review"}},
            {
                "id": "nordics",
                "when": {"territory": ["nordics"], "temperature": ["hot"]},
                "assign": {"team": "north"},
            },
        ]
    )
    assert "it never fires" in of_kind(found, "unreachable")[0].message


def test_contradictory_conditions_match_no_lead() -> None:
    found = findings(
        [
            {
                "id": "odd",
                "when": {"segment": ["large"], "all": [{"field": "segment", "equals": "small"}]},
                "assign": {"team": "north"},
            }
        ]
    )
    assert "matches no lead shape" in of_kind(found, "unreachable")[0].message


def test_specific_first_then_general_is_an_overlap_not_a_shadow() -> None:
    found = findings(
        [
            {
                "id": "nordics-large",
                "when": {"territory": ["nordics"], "segment": ["large"]},
                "assign": {"rep": "zed"},
            },
            {"id": "nordics", "when": {"territory": ["nordics"]}, "assign": {"team": "north"}},
        ]
    )
    assert not of_kind(found, "unreachable")
    [overlap] = of_kind(found, "overlap")
    assert overlap.rules == ("nordics-large", "nordics") and overlap.severity == "info"
    assert overlap.example == {
        "territory": "nordics",
        "segment": "large",
        "product_line": None,
        "temperature": "hot",
    }


def test_a_score_condition_makes_a_rule_conditional_not_a_shadow() -> None:
    found = findings(
        [
            {
                "id": "hot-nordics",
                "when": {"territory": ["nordics"], "all": [{"field": "score", "min": 80}]},
                "assign": {"rep": "zed"},
            },
            {"id": "nordics", "when": {"territory": ["nordics"]}, "assign": {"team": "north"}},
        ]
    )
    assert not of_kind(found, "unreachable")
    assert "when its tests on other fields hold" in of_kind(found, "overlap")[0].message


def test_a_country_test_is_judged_against_the_territory_countries() -> None:
    found = findings(
        [
            {
                "id": "norway",
                "when": {"all": [{"field": "country", "equals": "NO"}]},
                "assign": {"team": "north"},
            },
            {"id": "nordics", "when": {"territory": ["nordics"]}, "assign": {"team": "north"}},
            {
                "id": "germany",
                "when": {"territory": ["dach"], "all": [{"field": "country", "in": ["NO"]}]},
                "assign": {"team": "north"},
            },
        ]
    )
    [never] = of_kind(found, "unreachable")
    assert never.rules == ("germany",)  # no DACH country is NO


def test_gaps_are_merged_into_a_few_boxes_covering_exactly_the_gap() -> None:
    found = findings(
        [
            {
                "id": "nordics-large",
                "when": {"territory": ["nordics"], "segment": ["large"]},
                "assign": {"team": "north"},
            }
        ]
    )
    gaps = of_kind(found, "gap")
    covered = {
        (t, s, p, h)
        for f in gaps
        for t in f.example["territory"]
        for s in f.example["segment"]
        for p in f.example["product_line"]
        for h in f.example["temperature"]
    }
    temps = ("hot", "warm", "cold", "disqualified", "unknown")
    every = {
        (t, s, "unknown", h)
        for t in ("nordics", "dach", "unknown")
        for s in ("small", "large", "unknown")
        for h in temps
    }
    assert covered == every - {("nordics", "large", "unknown", h) for h in temps}
    assert len(gaps) == 2
    assert all("reach only the fallback" in f.message for f in gaps)


def test_an_any_group_only_counts_branches_that_can_hold() -> None:
    found = findings(
        [
            {
                "id": "either",
                "when": {
                    "any": [
                        {"field": "territory", "equals": "nordics"},
                        {"field": "segment", "equals": "large"},
                    ]
                },
                "assign": {"team": "north"},
            },
            {"id": "rest", "when": {}, "assign": {"team": "north"}},
        ]
    )
    [overlap] = of_kind(found, "overlap")
    # nordics x 3 segments + large x (dach, unknown), times 5 temperatures; no product lines
    assert "on 25 lead shape(s)" in overlap.message
    assert "other fields" not in overlap.message  # the `any` is judged on the shape itself


def test_a_place_in_two_territories_is_reported() -> None:
    found = findings([], territories={**NORDICS, "scandinavia": {"countries": ["NO", "DK"]}})
    [territory] = of_kind(found, "territory")
    assert (
        territory.message
        == "NO is in territories nordics and scandinavia; nordics wins (listed first)"
    )

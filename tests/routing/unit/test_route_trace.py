"""Why did I get this lead: every rule tested in order, routes not taken, the rotation."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from leadflow.routing.policy import load_routing
from leadflow.routing.route import capacity_windows, lead_facts, route_lead
from tests.factories import ROUTING_DIR, make_routing_policy, rep

NORDIC = {
    "territory": "nordics",
    "segment": "large",
    "product_line": None,
    "temperature": "hot",
    "score": 40,
}
RULES = [
    {
        "id": "partners",
        "when": {"all": [{"field": "channel", "equals": "partner"}]},
        "assign": {"queue": "desk"},
    },
    {
        "id": "top",
        "when": {"territory": ["nordics"], "all": [{"field": "score", "min": 80}]},
        "assign": {"rep": "anna"},
    },
    {"id": "nordics", "when": {"territory": ["nordics"]}, "assign": {"team": "north"}},
    {"id": "after", "when": {}, "assign": {"queue": "never-reached"}},
]


def test_trace_lists_each_rule_tested_in_order_with_why_not() -> None:
    decision = route_lead(
        NORDIC, make_routing_policy(rules=RULES), {"north": {"anna": 2, "bo": 1, "cai": 1}}
    )
    rules = decision.trace["rules"]
    assert [r["rule"] for r in rules] == [
        "partners",
        "top",
        "nordics",
    ]  # stops at the rule that placed it
    assert rules[0] == {
        "rule": "partners",
        "matched": False,
        "why_not": ["channel is unknown, not 'partner'"],
    }
    assert rules[1]["why_not"] == ["score is 40, needs at least 80"]
    assert rules[2] == {"rule": "nordics", "matched": True, "decided": True}
    rotation = decision.trace["rotation"]
    assert rotation["ledger_before"] == {"anna": 2, "bo": 1, "cai": 1}
    assert rotation["picked"] == decision.rep == "bo"
    assert rotation["ledger_after"] == {"anna": 2, "bo": 2, "cai": 1} == decision.ledger_after


def test_trace_is_json_and_names_the_route_not_taken() -> None:
    policy = make_routing_policy(rules=RULES)
    now = datetime(2026, 11, 9, 12, tzinfo=timezone.utc)
    decision = route_lead(
        {**NORDIC, "score": 95}, policy, {}, account_owner="zed", exclude={"zed", "anna"}, now=now
    )
    trace = json.loads(json.dumps(decision.trace))
    assert trace["now"] == "2026-11-09T12:00:00+00:00"
    assert trace["routes_not_taken"][0] == {
        "route": "account-owner",
        "rep": "zed",
        "why_not": "rejected this lead",
    }
    assert trace["routes_not_taken"][1] == {
        "route": "top",
        "rep": "anna",
        "why_not": "rejected this lead",
    }
    assert trace["rules"][1] == {"rule": "top", "matched": True, "skipped": "rejected this lead"}
    assert trace["rotation"]["unavailable"] == {"anna": "rejected this lead"}
    assert trace["outcome"]["rep"] == "bo"


def test_an_owner_decision_tests_no_rule() -> None:
    decision = route_lead(NORDIC, make_routing_policy(rules=RULES), {}, account_owner="zed")
    assert decision.rule_id == "account-owner"
    assert decision.trace["rules"] == [] and "owner" in decision.trace["rules_note"]
    assert decision.ledger_after is None  # owners do not advance the round robin


def test_a_team_nobody_can_take_shows_its_rotation_among_routes_not_taken() -> None:
    policy = make_routing_policy(
        rules=RULES[:3],
        teams=[
            {
                "key": "north",
                "name": "North",
                "reps": [rep("anna"), rep("bo")],
                "working_hours": {"time_zone": "Europe/Oslo", "hours": "09:00-17:00"},
            },
            {"key": "catch-all", "name": "Catch-all", "reps": [rep("zed")]},
        ],
    )
    night = datetime(2026, 11, 9, 23, tzinfo=timezone.utc)
    decision = route_lead(NORDIC, policy, {}, now=night)
    assert (decision.rule_id, decision.rep) == ("fallback", "zed")
    skipped = decision.trace["routes_not_taken"][0]
    assert skipped["route"] == "nordics"
    assert (
        skipped["rotation"]["unavailable"]["anna"]
        == "outside working hours (Tue 00:00 Europe/Oslo)"
    )
    # It says why: the matching team is off work, not that no rule could place the lead.
    assert decision.reason == (
        "rules matched but nobody in north works now (out of hours or away); "
        "round robin in catch-all"
    )


def test_the_trace_is_not_part_of_equality_and_inputs_keep_their_shape() -> None:
    policy = make_routing_policy(rules=RULES)
    one, two = route_lead(NORDIC, policy, {}), route_lead(NORDIC, policy, {})
    assert one == two
    assert one.inputs["territory"] == "nordics" and one.inputs["ledger_before"] == {
        "anna": 0,
        "bo": 0,
        "cai": 0,
    }
    assert "ledger_before" not in one.trace["facts"]


def test_lead_facts_derive_places_from_a_lead() -> None:
    policy = make_routing_policy(
        territories={"nordics": {"region": "north", "countries": ["NO", "SE"]}},
        segments={"big": {"min_employees": 100, "revenue_bands": ["$1B+"]}},
    )
    facts = lead_facts(
        {"country": "NO", "revenue_band": "$1B+", "score": 12}, policy, campaign="c1"
    )
    assert (facts["territory"], facts["region"], facts["segment"]) == ("nordics", "north", "big")
    assert (facts["score"], facts["campaign"]) == (12, "c1")


def test_capacity_windows_are_the_reps_own_day_and_week() -> None:
    windows = capacity_windows(
        load_routing(ROUTING_DIR), datetime(2026, 11, 11, 3, tzinfo=timezone.utc)
    )
    # Wednesday 03:00 UTC is Tuesday 22:00 in New York (UTC-5) and Wednesday 11:00 in Shanghai.
    assert windows["alice.morgan"] == (
        datetime(2026, 11, 10, 5, tzinfo=timezone.utc),
        datetime(2026, 11, 9, 5, tzinfo=timezone.utc),
    )
    assert windows["li.ming"] == (
        datetime(2026, 11, 10, 16, tzinfo=timezone.utc),
        datetime(2026, 11, 8, 16, tzinfo=timezone.utc),
    )
    assert windows["ivy.nguyen"] == (
        datetime(2026, 11, 11, tzinfo=timezone.utc),
        datetime(2026, 11, 9, tzinfo=timezone.utc),
    )


# --- the indexed fast path agrees with a plain reading of the rules ----------------------------

VALUES = {
    "territory": ["nordics", None],
    "segment": ["small", "large", None],
    "product_line": ["a", "b", None],
    "temperature": ["hot", "warm", None],
    "score": [0, 50, 90, None],
    "title": ["VP Sales", "cto", "", None],
}
CONDITION = st.one_of(
    st.builds(
        lambda f, v: {"field": f, "in": v},
        st.sampled_from(["segment", "product_line", "temperature"]),
        st.lists(
            st.sampled_from(["small", "large", "a", "b", "hot", "warm", None]),
            min_size=1,
            max_size=3,
        ),
    ),
    st.builds(
        lambda f, v: {"field": f, "not_in": v},
        st.sampled_from(["segment", "product_line"]),
        st.lists(st.sampled_from(["small", "a", None]), min_size=1, max_size=2),
    ),
    st.builds(
        lambda v: {"field": "segment", "equals": v}, st.sampled_from(["small", "large", None])
    ),
    st.builds(lambda lo: {"field": "score", "min": lo}, st.sampled_from([10, 50, 90])),
    st.builds(lambda hi: {"field": "score", "max": hi}, st.sampled_from([10, 50, 90])),
    st.builds(lambda v: {"field": "title", "contains": v}, st.sampled_from(["vp", ["cto", "ceo"]])),
    st.builds(
        lambda f, m: {"field": f, "missing": m},
        st.sampled_from(["title", "product_line"]),
        st.booleans(),
    ),
)
RULE = st.fixed_dictionaries(
    {},
    optional={
        "segment": st.lists(st.sampled_from(["small", "large", None]), min_size=1, max_size=2),
        "all": st.lists(CONDITION, max_size=2),
        "any": st.lists(CONDITION, min_size=1, max_size=2),
    },
)


def holds(cond: dict[str, Any], facts: dict[str, Any]) -> bool:
    value = facts.get(cond["field"])
    if "in" in cond:
        return value in cond["in"]
    if "not_in" in cond:
        return value not in cond["not_in"]
    if "equals" in cond:
        return value == cond["equals"]
    if "contains" in cond:
        needles = [cond["contains"]] if isinstance(cond["contains"], str) else cond["contains"]
        return isinstance(value, str) and any(n in value.lower() for n in needles)
    if "missing" in cond:
        return (value in (None, "")) == cond["missing"]
    return isinstance(value, int) and cond.get("min", value) <= value <= cond.get("max", value)


def matches(when: dict[str, Any], facts: dict[str, Any]) -> bool:
    if "segment" in when and facts["segment"] not in when["segment"]:
        return False
    return all(holds(c, facts) for c in when.get("all", [])) and (
        "any" not in when or any(holds(c, facts) for c in when["any"])
    )


@settings(max_examples=200, deadline=None)
@given(
    whens=st.lists(RULE, min_size=1, max_size=8),
    leads=st.lists(
        st.fixed_dictionaries({k: st.sampled_from(v) for k, v in VALUES.items()}),
        min_size=1,
        max_size=20,
    ),
)
def test_the_index_picks_the_first_rule_a_plain_reading_would(
    whens: list[dict[str, Any]], leads: list[dict[str, Any]]
) -> None:
    rules = [
        {"id": f"r{i}", "when": when, "assign": {"queue": f"r{i}"}} for i, when in enumerate(whens)
    ]
    policy = make_routing_policy(rules=rules, segments={"small": {"max_employees": 9}, "large": {}})
    for facts in leads:
        expected = next(
            (f"r{i}" for i, when in enumerate(whens) if matches(when, facts)), "fallback"
        )
        decision = route_lead(facts, policy, {})
        assert decision.rule_id == expected, (facts, whens)
        tested = decision.trace["rules"]  # the trace walks the rules plainly, in order
        misses = tested if expected == "fallback" else tested[:-1]
        assert not any(t["matched"] for t in misses)
        assert expected == "fallback" or tested[-1] == {
            "rule": expected,
            "matched": True,
            "decided": True,
        }

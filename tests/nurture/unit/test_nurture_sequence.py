"""Entry, delays, branches, exits and the tick planner: pure, no database, no clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from leadflow.nurture.policy import EntryRules, NurturePolicy, Sequence
from leadflow.nurture.plan import DueStep, Planner
from leadflow.nurture.sequence import (
    EntryFacts,
    ExitFacts,
    after_send,
    entry_matches,
    exit_reason,
    first_due,
    may_reenter,
    resolve_branch,
    suppression_kind,
)

TUESDAY_10_NY = datetime(2026, 11, 10, 15, tzinfo=UTC)


def sequence(steps: list[dict[str, Any]], **extra: Any) -> Sequence:
    return Sequence.model_validate(
        {
            "key": "s",
            "name": "S",
            "enter": {"temperatures": ["warm"]},
            "steps": [{"template": "t", "subject": "x", **s} for s in steps],
            **extra,
        }
    )


def policy(seq: Sequence, **send_policy: Any) -> NurturePolicy:
    return NurturePolicy.model_validate(
        {
            "version": 1,
            "sequences": [seq.model_dump()],
            "send_policy": send_policy,
            "holidays": {"US": ["2026-11-26"]},
        }
    )


@pytest.mark.parametrize(
    ("rules", "facts", "enters"),
    [
        ({"temperatures": ["warm"]}, EntryFacts(temperature="warm"), True),
        ({"temperatures": ["warm"]}, EntryFacts(temperature="hot"), False),
        ({"grades": ["A", "B"]}, EntryFacts(grade="C"), False),
        (
            {"campaigns": ["webinar-analytics"]},
            EntryFacts(campaigns=frozenset({"webinar-analytics", "x"})),
            True,
        ),
        (
            {"product_lines": ["automation"]},
            EntryFacts(product_lines=frozenset({"analytics"})),
            False,
        ),
        (
            {"rejected_not_ready": True},
            EntryFacts(temperature="hot", rejected_not_ready=True),
            True,
        ),
        ({"rejected_not_ready": True}, EntryFacts(temperature="warm"), False),
        (
            {"temperatures": ["warm"], "grades": ["A"]},
            EntryFacts(temperature="warm", grade="A"),
            True,
        ),
    ],
)
def test_entry_rules_must_all_hold(rules: dict[str, Any], facts: EntryFacts, enters: bool) -> None:
    assert entry_matches(EntryRules.model_validate(rules), facts) is enters


def test_re_entry_only_after_the_configured_quiet_period_and_never_after_an_unsubscribe() -> None:
    once, again = sequence([{}]), sequence([{}], reentry={"after_days": 30})
    ended = TUESDAY_10_NY - timedelta(days=31)
    assert not may_reenter(once, ended, "all steps sent", TUESDAY_10_NY)
    assert may_reenter(again, ended, "all steps sent", TUESDAY_10_NY)
    assert not may_reenter(
        again, TUESDAY_10_NY - timedelta(days=29), "all steps sent", TUESDAY_10_NY
    )
    assert not may_reenter(again, ended, "unsubscribed", TUESDAY_10_NY)


def test_delays_add_days_hours_and_business_days() -> None:
    seq = sequence(
        [{"delay_hours": 2}, {"delay_days": 1, "delay_hours": 6}, {"delay_business_days": 3}]
    )
    assert first_due(seq, TUESDAY_10_NY) == TUESDAY_10_NY + timedelta(hours=2)
    assert after_send(seq, 0, TUESDAY_10_NY) == (1, TUESDAY_10_NY + timedelta(days=1, hours=6))
    friday = datetime(2026, 11, 13, 15, tzinfo=UTC)
    assert after_send(seq, 1, friday) == (
        2,
        datetime(2026, 11, 18, 15, tzinfo=UTC),
    )  # Mon, Tue, Wed


def test_branches_jump_forward_on_clicks_or_their_absence() -> None:
    seq = sequence(
        [
            {},
            {"branches": [{"if_clicked": 1, "goto": 3}]},
            {"branches": [{"if_not_clicked": 2, "goto": "end"}]},
        ]
    )
    assert resolve_branch(seq, 1, set()) == (1, None)
    index, branch = resolve_branch(seq, 1, {1})
    assert index == 2 and branch is not None and branch.goto == 3
    assert resolve_branch(seq, 2, set())[0] is None  # nothing clicked: the sequence ends
    assert resolve_branch(seq, 2, {2}) == (2, None)


def test_exits_suppression_first_then_assigned_hot_replied() -> None:
    seq = sequence([{}])
    assert (
        exit_reason(seq, ExitFacts(suppression="unsubscribed", status="routed")) == "unsubscribed"
    )
    assert exit_reason(seq, ExitFacts(suppression="hard_bounce")) == "bounced"
    assert exit_reason(seq, ExitFacts(suppression="manual")) == "suppressed"
    assert exit_reason(seq, ExitFacts(status="routed", temperature="hot")) == "assigned"
    assert exit_reason(seq, ExitFacts(status="nurturing", temperature="hot")) == "became_hot"
    assert (
        exit_reason(seq, ExitFacts(status="pool", temperature="hot")) is None
    )  # sales handed it back
    assert exit_reason(seq, ExitFacts(status="nurturing", replied=True)) == "replied"
    no_reply_rule = sequence([{}], exit_on=["unsubscribed", "bounced", "complained"])
    assert (
        exit_reason(no_reply_rule, ExitFacts(status="nurturing", replied=True, temperature="hot"))
        is None
    )


def test_suppression_reads_the_list_first_then_the_leads_flag() -> None:
    assert suppression_kind("complained", True, "unsubscribed") == "complained"
    assert suppression_kind(None, True, "unsubscribed") == "unsubscribed"
    assert suppression_kind(None, True, "hard bounce") == "hard_bounce"
    assert suppression_kind(None, True, "legal hold") == "manual"
    assert suppression_kind(None, False, None) is None


def due(**facts: Any) -> DueStep:
    return DueStep(
        1,
        "s",
        facts.pop("step", 0),
        TUESDAY_10_NY,
        "US",
        "NY",
        None,
        ExitFacts(status="nurturing", temperature="warm", **facts),
    )


def test_planner_sends_inside_the_window_and_schedules_the_next_step() -> None:
    planner = Planner(policy(sequence([{}, {"delay_days": 2}])))
    action = planner.plan(due(), TUESDAY_10_NY)
    assert (action.kind, action.step, action.next_step) == ("send", 0, 1)
    assert action.next_due == TUESDAY_10_NY + timedelta(days=2)
    assert action.zone is not None and action.zone.zone.key == "America/New_York"


def test_planner_defers_outside_the_window_and_on_a_holiday() -> None:
    planner = Planner(policy(sequence([{}])))
    saturday = datetime(2026, 11, 14, 15, tzinfo=UTC)
    action = planner.plan(due(), saturday)
    assert (action.kind, action.rule, action.at) == (
        "defer",
        "window",
        datetime(2026, 11, 16, 14, tzinfo=UTC),
    )
    thanksgiving = datetime(2026, 11, 26, 15, tzinfo=UTC)
    assert planner.plan(due(), thanksgiving).rule == "holiday"


def test_planner_defers_for_the_cap_and_counts_what_it_was_told() -> None:
    planner = Planner(policy(sequence([{}]), cap={"max_emails": 2, "per_days": 7}))
    sends = [TUESDAY_10_NY - timedelta(days=1), TUESDAY_10_NY - timedelta(hours=1)]
    action = planner.plan(due(), TUESDAY_10_NY, sends)
    assert (action.kind, action.rule) == ("defer", "cap")
    assert action.at == TUESDAY_10_NY + timedelta(days=6)


def test_planner_exits_before_anything_else_and_ends_on_a_branch() -> None:
    planner = Planner(policy(sequence([{}, {"branches": [{"if_not_clicked": 1, "goto": "end"}]}])))
    assert planner.plan(due(suppression="unsubscribed"), TUESDAY_10_NY).rule == "unsubscribed"
    assert planner.plan(due(step=1), TUESDAY_10_NY).kind == "end"
    lead_gone = DueStep(1, "s", 0, TUESDAY_10_NY, exit_facts=ExitFacts(status=None))
    assert planner.plan(lead_gone, TUESDAY_10_NY).rule == "lead gone"
    unknown = DueStep(1, "removed", 0, TUESDAY_10_NY)
    assert planner.plan(unknown, TUESDAY_10_NY).kind == "exit"

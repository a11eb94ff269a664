"""Stopping in time: exits, suppression checked at send time, bounces, branches, entry, re-entry, retries."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update
from typer.testing import CliRunner

from leadflow.cli.nurture import nurture_app
from leadflow.core.db import session_scope
from leadflow.engagement.tokens import make_token
from leadflow.engagement.record import unsubscribe
from leadflow.core.models import Assignment, EngagementEvent, Lead, Suppression
from tasks.nurture import queue_due_steps
from tasks.outbox import send_outbox
from tests.nurture.integration.nurture_support import (
    MONDAY,
    add_lead,
    decisions,
    enroll,
    enrollment,
    outbox,
    tick,
    use_policy,
)

pytestmark = pytest.mark.db
DAY = timedelta(days=1)
THREE_STEPS = """\
version: 2
sequences:
  - key: s
    name: S
    enter: {temperatures: [warm, cold]}
    reentry: {after_days: 30}
    steps:
      - {template: nurture_1_welcome, subject: one, timing: immediate}
      - template: nurture_2_case_study
        subject: two
        delay_days: 1
        timing: immediate
        branches: [{if_clicked: 1, goto: 3}]
      - {template: nurture_3_pricing, subject: three, delay_days: 1, timing: immediate}
"""


@pytest.fixture
def started(recorder, tmp_path, monkeypatch):  # type: ignore[no-untyped-def]
    """A lead that received step 1 on Monday; step 2 falls due on Tuesday."""
    use_policy(tmp_path / "policy", monkeypatch, THREE_STEPS)
    lead = add_lead("ada@example.org", MONDAY, "GB")
    enroll([lead], MONDAY)
    assert tick(recorder, MONDAY).sent == 1
    return lead


def set_lead(lead_id: int, **values: object) -> None:
    with session_scope() as session:
        session.execute(update(Lead).where(Lead.id == lead_id).values(**values))


def subjects(recorder) -> list[str]:  # type: ignore[no-untyped-def]
    return [r.message["Subject"] for r in recorder.messages]


def test_one_click_unsubscribe_stops_even_an_email_already_queued(started, recorder, leadflow_env):
    queued = queue_due_steps.fn(MONDAY + DAY)
    first = outbox(started)[0]
    assert unsubscribe(
        make_token(leadflow_env.secret_key.get_secret_value(), "u", first.id), MONDAY + DAY
    )
    summary = send_outbox.fn(queued, MONDAY + DAY)
    assert (summary.sent, summary.skipped) == (0, 1) and subjects(recorder) == ["one"]
    assert outbox(started)[1].error == "suppressed: unsubscribed"
    tick(recorder, MONDAY + 3 * DAY)
    assert subjects(recorder) == ["one"] and enrollment(started).exit_reason == "unsubscribed"


def test_a_manual_suppression_is_checked_at_send_time(started, recorder):
    queued = queue_due_steps.fn(MONDAY + DAY)
    shown = CliRunner().invoke(
        nurture_app,
        [
            "suppress",
            "ADA@example.org",
            "--reason",
            "manual",
            "--note",
            "asked by phone",
            "--at",
            "2026-11-10T10:00:00",
        ],
    )
    assert shown.exit_code == 0, shown.output
    assert send_outbox.fn(queued, MONDAY + DAY).skipped == 1 and subjects(recorder) == ["one"]
    assert outbox(started)[1].error == "suppressed: manual"
    with session_scope() as session:
        entry = session.get(Suppression, "ada@example.org")
        assert (entry.reason, entry.note) == ("manual", "asked by phone")
    assert decisions("suppress", started)[0].rule_id == "suppression:manual"


def test_a_listed_address_leaves_the_sequence_at_the_next_due_step(started, recorder):
    with session_scope() as session:
        session.add(Suppression(email="ada@example.org", reason="complained", suppressed_at=MONDAY))
    tick(recorder, MONDAY + DAY)
    assert subjects(recorder) == ["one"] and enrollment(started).exit_reason == "complained"
    assert decisions("exit", started)[0].rule_id == "exit:complained"


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"temperature": "hot"}, "became_hot"),
        ({"status": "routed", "owner_rep": "anna"}, "assigned"),
    ],
)
def test_a_lead_that_turned_hot_or_was_assigned_leaves(started, recorder, change, reason):
    set_lead(started, **change)
    tick(recorder, MONDAY + DAY)
    assert subjects(recorder) == ["one"]
    assert (enrollment(started).status, enrollment(started).exit_reason) == ("exited", reason)
    assert decisions("exit", started)[0].inputs["step"] == 2


def test_a_reply_ends_the_sequence(started, recorder):
    with session_scope() as session:
        session.add(
            EngagementEvent(
                provider="mailbox",
                provider_event_id="r1",
                type="reply",
                lead_id=started,
                occurred_at=MONDAY + timedelta(hours=3),
            )
        )
    tick(recorder, MONDAY + DAY)
    assert subjects(recorder) == ["one"] and enrollment(started).exit_reason == "replied"


def test_a_hard_bounce_lists_the_address_and_ends_the_sequence(recorder, tmp_path, monkeypatch):
    use_policy(tmp_path / "policy", monkeypatch, THREE_STEPS)
    lead = add_lead("nobody@example.org", MONDAY, "GB")
    enroll([lead], MONDAY)
    assert tick(recorder, MONDAY).bounced == 1 and recorder.messages == []
    with session_scope() as session:
        assert session.get(Suppression, "nobody@example.org").reason == "hard_bounce"
        assert session.get(Lead, lead).suppression_reason == "hard bounce"
    assert (enrollment(lead).status, enrollment(lead).exit_reason) == ("exited", "bounced")
    assert outbox(lead)[0].status == "bounced" and decisions("suppress", lead)


def test_a_click_on_step_one_sends_step_three_in_place_of_step_two(started, recorder):
    with session_scope() as session:
        session.add(
            EngagementEvent(
                provider="tracking",
                provider_event_id="c1",
                type="click",
                lead_id=started,
                outbound_email_id=outbox(started)[0].id,
                occurred_at=MONDAY + timedelta(hours=1),
            )
        )
    tick(recorder, MONDAY + DAY)
    tick(recorder, MONDAY + 3 * DAY)
    assert subjects(recorder) == ["one", "three"]
    assert [r.step for r in outbox(started)] == [0, 2] and enrollment(started).status == "completed"
    branch = decisions("branch", started)[0]
    assert branch.outcome == "s: step 3 instead of 2" and branch.reason == "clicked step 1"


def test_without_a_click_every_step_goes_out_in_order(started, recorder):
    tick(recorder, MONDAY + DAY)
    tick(recorder, MONDAY + 2 * DAY)
    assert subjects(recorder) == ["one", "two", "three"]
    assert enrollment(started).status == "completed" and decisions("branch", started) == []


def test_re_entry_waits_for_the_policy_and_gets_its_own_outbox_keys(started, recorder):
    tick(recorder, MONDAY + DAY)
    tick(recorder, MONDAY + 2 * DAY)
    assert enroll([started], MONDAY + 10 * DAY) == 0  # 30 days must pass since the run ended
    assert enroll([started], MONDAY + 33 * DAY) == 1
    tick(recorder, MONDAY + 33 * DAY)
    assert subjects(recorder) == ["one", "two", "three", "one"]
    assert outbox(started)[-1].dedupe_key.endswith(":r2:0") and enrollment(started).entry_count == 2


def test_a_lead_handed_back_as_not_ready_enters_the_recycle_sequence(recorder, leadflow_env):
    lead = add_lead("ada@example.org", MONDAY, "US", "CA", temperature="hot", status="pool")
    with session_scope() as session:
        session.add(
            Assignment(
                lead_id=lead,
                rep="anna",
                rule_id="r",
                status="rejected",
                reason="not_ready",
                assigned_at=MONDAY - DAY,
                sla_due_at=MONDAY + DAY,
                closed_at=MONDAY,
            )
        )
    tick(recorder, MONDAY)
    recycle = enrollment(lead, "not-ready-recycle")
    # Five business days in California, and 11 November (Veterans Day) is no business day.
    assert recycle.status == "active" and recycle.next_due_at == MONDAY + 8 * DAY
    assert decisions("enroll", lead)[0].rule_id == "sequence:not-ready-recycle"
    tick(recorder, MONDAY + 8 * DAY)  # 02:00 in California: the window holds it
    tick(recorder, MONDAY + 8 * DAY + timedelta(hours=7))
    assert [r.at for r in recorder.to("ada@example.org")] == [MONDAY + 8 * DAY + timedelta(hours=7)]


def test_a_4xx_waits_for_its_backoff_then_goes_exactly_once(recorder, tmp_path, monkeypatch):
    use_policy(tmp_path / "policy", monkeypatch, THREE_STEPS)
    recorder.greylist["ada@example.org"] = 2
    lead = add_lead("ada@example.org", MONDAY, "GB")
    enroll([lead], MONDAY)
    assert tick(recorder, MONDAY).deferred == 1
    row = outbox(lead)[0]
    assert (row.status, row.attempts, row.next_attempt_at) == (
        "pending",
        1,
        MONDAY + timedelta(minutes=5),
    )
    assert tick(recorder, MONDAY + timedelta(minutes=2)).deferred == 0  # still backing off
    assert tick(recorder, MONDAY + timedelta(minutes=5)).deferred == 1
    assert outbox(lead)[0].next_attempt_at == MONDAY + timedelta(minutes=20)  # then 15 minutes
    assert tick(recorder, MONDAY + timedelta(minutes=20)).sent == 1
    tick(recorder, MONDAY + timedelta(hours=1))
    assert len(recorder.to("ada@example.org")) == 1
    assert (outbox(lead)[0].status, outbox(lead)[0].attempts) == ("sent", 3)
    assert [d.outcome for d in decisions("send-retry", lead)] == [
        "retry at 2026-11-09 10:05 UTC",
        "retry at 2026-11-09 10:20 UTC",
    ]
    with session_scope() as session:
        assert session.scalar(select(Lead.suppressed).where(Lead.id == lead)) is False

"""`leadflow nurture suppress | unknown | resolve`: the person's side of suppression and unknown sends."""

from __future__ import annotations


import pytest
from typer.testing import CliRunner

from leadflow.cli.nurture import nurture_app
from leadflow.core.db import session_scope
from sqlalchemy import update

from leadflow.core.models import OutboundEmail, Suppression
from tests.nurture.integration.nurture_support import (
    MONDAY,
    add_lead,
    decisions,
    enroll,
    enrollment,
    outbox,
)

pytestmark = pytest.mark.db


def run(*args: str):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(nurture_app, list(args))


def test_suppress_lists_the_address_once_and_ends_its_sequences(leadflow_env):
    lead = add_lead("ada@example.org", MONDAY, "GB")
    enroll([lead], MONDAY)
    first = run(
        "suppress", "Ada@Example.org", "--reason", "complained", "--at", "2026-11-09T11:00:00"
    )
    again = run("suppress", "ada@example.org", "--reason", "manual")
    assert first.exit_code == again.exit_code == 0
    assert "suppressed (complained)" in first.output and "already suppressed" in again.output
    with session_scope() as session:
        assert (
            session.get(Suppression, "ada@example.org").reason == "complained"
        )  # the first reason stands
    assert enrollment(lead).exit_reason == "suppressed: complained"
    assert [d.outcome for d in decisions("suppress", lead)] == [
        "suppressed: complained",
        "already suppressed",
    ]


def test_suppress_refuses_what_is_not_an_address_or_a_reason(leadflow_env):
    assert run("suppress", "not-an-address").exit_code == 2
    assert run("suppress", "a@example.org", "--reason", "because").exit_code == 2


def test_only_an_email_of_unknown_fate_can_be_resolved(leadflow_env):
    lead = add_lead("ada@example.org", MONDAY, "GB")
    enroll([lead], MONDAY)
    from tasks.nurture import queue_due_steps

    queue_due_steps.fn(MONDAY)
    pending = outbox(lead)[0]
    refused = run("resolve", str(pending.id), "--as", "sent")
    assert refused.exit_code == 2 and f"{pending.id} (pending)" in refused.output
    assert run("resolve", "999999", "--as", "drop").exit_code == 2
    assert "0 email(s) of unknown fate" in run("unknown").output
    assert run("resolve", "--as", "drop").exit_code == 2  # neither ids nor --all


def test_one_command_settles_every_email_of_unknown_fate(leadflow_env):
    leads = [add_lead(f"a{i}@example.org", MONDAY, "GB") for i in range(5)]
    enroll(leads, MONDAY)
    from tasks.nurture import queue_due_steps

    queue_due_steps.fn(MONDAY)
    rows = [outbox(lead)[0] for lead in leads]
    with session_scope() as session:  # as a dead send whose DATA got no answer leaves them
        session.execute(
            update(OutboundEmail)
            .where(OutboundEmail.id.in_([r.id for r in rows[:4]]))
            .values(status="unknown")
        )
    one = run("resolve", str(rows[0].id), "--as", "resend", "--by", "ops-ana")
    every = run("resolve", "--all", "--as", "sent", "--note", "seen in the server log")
    assert one.exit_code == every.exit_code == 0, every.output
    assert "3 outbox row(s) settled as sent" in every.output
    assert [r.status for r in outbox()] == ["pending", "sent", "sent", "sent", "pending"]
    made = decisions("resolve")
    assert [(d.outcome, d.actor) for d in made[:1]] == [("resend", "ops-ana")]
    assert [d.inputs["outbox_id"] for d in made] == [r.id for r in rows[:4]]
    assert run("resolve", "--all", "--as", "drop").output.startswith("0 outbox row(s)")

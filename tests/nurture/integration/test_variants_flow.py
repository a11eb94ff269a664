"""A/B variants end to end: each send's variant is stored and decided, the report counts human
signals per variant, and a winner is promoted only after the minimum sample."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from leadflow.cli.ab import ab_app
from leadflow.core.db import session_scope
from leadflow.core.models import EngagementEvent, OutboundEmail
from leadflow.nurture.policy import load_nurture
from leadflow.nurture.variant_store import variant_results
from tests.nurture.integration.nurture_support import add_lead, decisions, enroll, tick, use_policy

pytestmark = pytest.mark.db
TUESDAY_10_UTC = datetime(2026, 11, 10, 10, tzinfo=UTC)
AB = """\
version: 2
send_policy: {default_zone: UTC, holidays_file: holidays.yaml}
sequences:
  - key: s
    name: S
    enter: {temperatures: [warm]}
    steps:
      - template: nurture_1_welcome
        subject: "Plain subject"
        min_sample: 5
        variants:
          - {key: plain, weight: 1}
          - {key: question, weight: 1, subject: "Ready to route leads right?"}
"""


def test_variants_are_assigned_recorded_reported_and_promoted(
    recorder, leadflow_env, tmp_path, monkeypatch
):
    use_policy(tmp_path / "policy", monkeypatch, AB)
    leads = [add_lead(f"lead{n}@example.org", TUESDAY_10_UTC, "GB") for n in range(20)]
    assert enroll(leads, TUESDAY_10_UTC) == 20
    assert tick(recorder, TUESDAY_10_UTC).sent == 20
    with session_scope() as session:
        rows = session.scalars(select(OutboundEmail).order_by(OutboundEmail.id)).all()
        by_variant = {r.variant for r in rows}
        # A machine click and a human click on the same "question" email: only the human counts.
        question = next(r for r in rows if r.variant == "question")
        for n, machine in enumerate((True, False)):
            session.add(
                EngagementEvent(
                    provider="tracking",
                    provider_event_id=f"e{n}",
                    type="click",
                    lead_id=question.lead_id,
                    outbound_email_id=question.id,
                    is_machine=machine,
                    occurred_at=TUESDAY_10_UTC + timedelta(hours=1),
                )
            )
    assert by_variant == {"plain", "question"}
    subjects = {m.to: m.message["Subject"] for m in recorder.messages}
    for row in rows:
        assert (
            subjects[row.to_addr]
            == {"plain": "Plain subject", "question": "Ready to route leads right?"}[row.variant]
        )
    assigned = decisions("variant")
    assert len(assigned) == 20 and {d.rule_id for d in assigned} == {"variant:s:1"}

    with session_scope() as session:
        results = {r.variant: r for r in variant_results(session, "s", 0)}
    assert sum(r.sent for r in results.values()) == 20 and results["question"].clicked == 1
    assert results["plain"].clicked == 0
    shown = CliRunner().invoke(ab_app, ["report", "s", "1"])
    assert shown.exit_code == 0 and "question" in shown.output and "95% CI" in shown.output

    assert CliRunner().invoke(ab_app, ["promote", "s", "1", "question", "--force"]).exit_code == 0
    assert len(decisions("variant-promote")) == 1

    late = [add_lead(f"late{n}@example.org", TUESDAY_10_UTC, "GB") for n in range(6)]
    enroll(late, TUESDAY_10_UTC + timedelta(days=1))
    tick(recorder, TUESDAY_10_UTC + timedelta(days=1))
    with session_scope() as session:
        assert set(
            session.scalars(select(OutboundEmail.variant).where(OutboundEmail.lead_id.in_(late)))
        ) == {"question"}
    assert load_nurture(tmp_path / "policy").sequences[0].steps[0].min_sample == 5


def test_promotion_before_the_minimum_sample_is_refused(
    recorder, leadflow_env, tmp_path, monkeypatch
):
    use_policy(tmp_path / "policy", monkeypatch, AB)
    lead = add_lead("only@example.org", TUESDAY_10_UTC, "GB")
    enroll([lead], TUESDAY_10_UTC)
    tick(recorder, TUESDAY_10_UTC)
    refused = CliRunner().invoke(ab_app, ["promote", "s", "1", "plain"])
    assert refused.exit_code == 2 and "not enough sends yet (need 5 each)" in refused.output
    assert decisions("variant-promote") == []
    assert CliRunner().invoke(ab_app, ["promote", "s", "1", "nosuch", "--force"]).exit_code == 2

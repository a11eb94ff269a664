"""The contact-pressure cap across sequences: emails over it wait (the due time moves), none is lost."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.nurture.integration.nurture_support import (
    MONDAY,
    add_lead,
    decisions,
    enroll,
    enrollment,
    run_ticks,
    use_policy,
)

pytestmark = pytest.mark.db
TWO_SEQUENCES = """\
version: 2
send_policy:
  cap: {max_emails: 2, per_days: 7}
sequences:
  - key: a
    name: A
    enter: {temperatures: [warm]}
    steps:
      - {template: nurture_1_welcome, subject: a1, timing: immediate}
      - {template: nurture_2_case_study, subject: a2, delay_days: 1, timing: immediate}
      - {template: nurture_3_pricing, subject: a3, delay_days: 1, timing: immediate}
  - key: b
    name: B
    enter: {temperatures: [warm]}
    steps:
      - {template: nurture_1_welcome, subject: b1, timing: immediate}
      - {template: nurture_2_case_study, subject: b2, delay_days: 1, timing: immediate}
"""


def test_the_cap_defers_across_sequences_and_every_step_still_goes_out(
    recorder, tmp_path, monkeypatch
):
    use_policy(tmp_path / "policy", monkeypatch, TWO_SEQUENCES)
    lead = add_lead("ada@example.org", MONDAY, "GB")
    assert enroll([lead], MONDAY) == 2
    run_ticks(recorder, MONDAY, MONDAY + timedelta(days=16), timedelta(hours=2))

    received = [(r.at, r.message["Subject"]) for r in recorder.to("ada@example.org")]
    assert sorted(s for _, s in received) == [
        "a1",
        "a2",
        "a3",
        "b1",
        "b2",
    ]  # deferred, never dropped
    times = [at for at, _ in received]
    for at in times:  # no 7-day span holds more than two
        assert sum(1 for other in times if at - timedelta(days=7) < other <= at) <= 2, received
    assert received[:2] == [(MONDAY, "a1"), (MONDAY, "b1")]
    assert {s for at, s in received if at == MONDAY + timedelta(days=7)} == {"a2", "b2"}
    assert received[-1] == (MONDAY + timedelta(days=14), "a3")

    capped = decisions("defer", lead)
    assert {d.rule_id for d in capped} == {"send-rule:cap"}
    assert {(d.inputs["sequence"], d.inputs["step"]) for d in capped} == {
        ("a", 2),
        ("b", 2),
        ("a", 3),
    }
    assert capped[0].inputs["deferred_to"].startswith("2026-11-16T10:00")
    assert enrollment(lead, "a").status == enrollment(lead, "b").status == "completed"

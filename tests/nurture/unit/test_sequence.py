"""Nurture sequence arithmetic: when each step falls due, and when the sequence ends."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError

from leadflow.nurture.policy import load_nurture
from leadflow.nurture.sequence import after_send, first_due, sequence_for
from tests.factories import TEMPLATES_DIR, make_sequence

ENROLLED = datetime(2026, 11, 2, 9, 30, tzinfo=UTC)


def test_first_step_is_due_its_delay_after_enrollment() -> None:
    assert first_due(make_sequence([2, 5]), ENROLLED) == datetime(2026, 11, 4, 9, 30, tzinfo=UTC)


def test_first_step_with_no_delay_is_due_at_enrollment() -> None:
    assert first_due(make_sequence([0, 3]), ENROLLED) == ENROLLED


def test_next_step_counts_its_delay_from_when_the_previous_one_was_sent() -> None:
    sent_late = ENROLLED + timedelta(hours=30)  # the send ran later than due
    assert after_send(make_sequence([0, 3, 4]), 0, sent_late) == (1, sent_late + timedelta(days=3))


def test_fractional_delays_are_honoured() -> None:
    assert after_send(make_sequence([0, 0.5]), 0, ENROLLED) == (1, ENROLLED + timedelta(hours=12))


def test_sending_the_last_step_completes_the_sequence() -> None:
    assert after_send(make_sequence([0, 3, 4]), 2, ENROLLED) == (3, None)


def test_one_step_sequence_completes_after_its_only_send() -> None:
    assert after_send(make_sequence([1]), 0, ENROLLED) == (1, None)


def test_walking_a_sequence_visits_every_step_once_with_cumulative_delays() -> None:
    sequence = make_sequence([0, 3, 4])
    step, due, sent = 0, first_due(sequence, ENROLLED), []
    while due is not None:
        sent.append((step, due))
        step, due = after_send(sequence, step, due)
    assert sent == [
        (0, ENROLLED),
        (1, ENROLLED + timedelta(days=3)),
        (2, ENROLLED + timedelta(days=7)),
    ]


@pytest.mark.parametrize("delays", [[-1], []])
def test_negative_delays_and_empty_sequences_are_rejected(delays: list[float]) -> None:
    with pytest.raises(ValidationError):
        make_sequence(delays)


@pytest.mark.parametrize(
    ("temperature", "enters"), [("warm", True), ("cold", True), ("hot", False), (None, False)]
)
def test_real_policy_nurtures_warm_and_cold_but_never_hot_leads(
    temperature: str | None, enters: bool
) -> None:
    # Hot leads go to a rep; nurturing them too would double-touch the buyer.
    assert (sequence_for(load_nurture(TEMPLATES_DIR), temperature) is not None) is enters

"""Nurture sequence arithmetic: when the next step is due."""

from __future__ import annotations

from datetime import datetime, timedelta

from leadflow.config.nurture import Sequence


def first_due(sequence: Sequence, enrolled_at: datetime) -> datetime:
    return enrolled_at + timedelta(days=sequence.steps[0].delay_days)


def after_send(sequence: Sequence, sent_step: int, sent_at: datetime) -> tuple[int, datetime | None]:
    """(next step index, when it is due); None when the sequence is complete."""
    following = sent_step + 1
    if following >= len(sequence.steps):
        return following, None
    return following, sent_at + timedelta(days=sequence.steps[following].delay_days)

"""Nurture sequences: who enters, which steps, how long between them."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field

from leadflow.config.loader import PolicyModel, StrictModel, load_policy


class Step(StrictModel):
    template: str
    subject: str
    delay_days: float = Field(ge=0)


class Sequence(StrictModel):
    key: str
    name: str
    enter_temperatures: list[str]
    steps: list[Step] = Field(min_length=1)


class NurturePolicy(PolicyModel):
    sequences: list[Sequence] = Field(min_length=1)
    rep_notification_template: str = "rep_notification"

    def sequence(self, key: str) -> Sequence:
        return next(s for s in self.sequences if s.key == key)

    def sequence_for(self, temperature: str | None) -> Sequence | None:
        return next((s for s in self.sequences if temperature in s.enter_temperatures), None)


def load_nurture(directory: Path) -> NurturePolicy:
    return load_policy(directory / "sequences.yaml", NurturePolicy)

"""What a tick does with one due enrollment: exit, end by a branch, defer, or send. Pure.

Order matters and is the policy: exits first (nothing goes to a suppressed, assigned,
hot or replying lead), then branches (which step it would be), then the send rules
(cap, then window, quiet hours and holidays), which only ever move the time later.
"""

from __future__ import annotations

from collections.abc import Sequence as Seq
from dataclasses import dataclass, field
from datetime import datetime

from leadflow.nurture.policy import Branch, NurturePolicy, Sequence
from leadflow.nurture.timezones import LeadZone, zone_for
from leadflow.nurture.send_window import Calendar, calendar_for, plan_send
from leadflow.nurture.sequence import ExitFacts, after_send, exit_reason, resolve_branch
from leadflow.nurture.consent import NO_FACTS, ConsentFacts, consent_block

ENROLLABLE_STATUSES = ("new", "nurturing", "pool")


@dataclass(frozen=True)
class DueStep:
    """One active enrollment whose step is due, with the facts the rules read."""

    enrollment_id: int
    sequence: str
    step: int  # 0-based index of the due step
    due_at: datetime
    country: str | None = None
    state: str | None = None
    phone_e164: str | None = None
    exit_facts: ExitFacts = field(default_factory=ExitFacts)
    clicked: frozenset[int] = frozenset()  # 1-based numbers of this run's steps clicked
    consent: ConsentFacts = NO_FACTS  # recorded consent and topic choices


@dataclass(frozen=True)
class Action:
    kind: str  # exit | end | defer | send
    rule: str | None = None  # exit reason, or the send rule that deferred it
    step: int | None = None  # index to send (send), or still due (defer)
    at: datetime | None = None  # defer: until when
    next_step: int | None = None
    next_due: datetime | None = None
    branch: Branch | None = None
    zone: LeadZone | None = None


class Planner:
    """Plans due steps under one policy; calendars are cached per zone, sequence and country."""

    def __init__(self, policy: NurturePolicy):
        self.policy = policy
        self._calendars: dict[tuple[str, str, str | None], Calendar] = {}

    def zone(self, country: str | None, state: str | None, phone: str | None) -> LeadZone:
        return zone_for(country, state, phone, self.policy.send_policy.default_zone)

    def calendar(self, sequence: Sequence, zone: LeadZone, country: str | None) -> Calendar:
        key = (zone.zone.key, sequence.key, country)
        if key not in self._calendars:
            self._calendars[key] = calendar_for(
                zone.zone,
                self.policy.window_for(sequence),
                self.policy.send_policy.quiet_hours,
                self.policy.holidays_in(country),
            )
        return self._calendars[key]

    def calendar_for_lead(
        self, sequence: Sequence, country: str | None, state: str | None, phone: str | None
    ) -> Calendar:
        return self.calendar(sequence, self.zone(country, state, phone), country)

    def plan(self, due: DueStep, at: datetime, sends: Seq[datetime] = ()) -> Action:
        """``sends``: this lead's marketing emails already sent or queued (for the cap)."""
        sequence = next((s for s in self.policy.sequences if s.key == due.sequence), None)
        if sequence is None:
            return Action("exit", rule="sequence removed from the policy")
        leaving = exit_reason(sequence, due.exit_facts)
        if leaving is None:  # consent withdrawn, a topic turned off, or never given where required
            leaving = consent_block(
                self.policy.consent, due.country, due.consent, sequence.topic_key
            )
        if leaving is None and due.exit_facts.status not in ENROLLABLE_STATUSES:
            leaving = f"lead {due.exit_facts.status or 'gone'}"
        if leaving is not None:
            return Action("exit", rule=leaving)
        if due.step >= len(sequence.steps):
            return Action("end", rule="no such step any more")
        index, branch = resolve_branch(sequence, due.step, set(due.clicked))
        if index is None:
            return Action("end", rule="branch", branch=branch)
        zone = self.zone(due.country, due.state, due.phone_e164)
        calendar = self.calendar(sequence, zone, due.country)
        when = plan_send(
            at, calendar, sequence.steps[index].timing, sends, self.policy.send_policy.cap
        )
        if when.deferred:
            return Action(
                "defer", rule=when.rule, step=due.step, at=when.at, branch=branch, zone=zone
            )
        next_step, next_due = after_send(sequence, index, at, calendar)
        return Action(
            "send", step=index, next_step=next_step, next_due=next_due, branch=branch, zone=zone
        )

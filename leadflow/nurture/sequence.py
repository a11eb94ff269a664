"""Nurture sequence logic: who enters, when each step is due, branches and exits.

Pure: plain facts in, answers out; the tasks gather the facts in batches.
Step indexes here are 0-based (as stored); branch rules speak 1-based step numbers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from leadflow.nurture.policy import Branch, EntryRules, NurturePolicy, Sequence, Step
from leadflow.nurture.send_window import (
    BUSINESS_DAYS,
    Calendar,
    add_business_days,
    add_calendar_days,
)
from leadflow.core.statuses import LeadStatus

# Without a lead's calendar, business days are counted Monday to Friday in UTC.
UTC_CALENDAR = Calendar(
    zone=ZoneInfo("UTC"), days=BUSINESS_DAYS, open_hours=((time.min, time.max),)
)
ASSIGNED_STATUSES = frozenset({LeadStatus.ROUTED, LeadStatus.ACCEPTED})
# What a suppression's reason means as an exit; any other reason (manual) still stops the sequence.
SUPPRESSION_EXITS = {
    "unsubscribed": "unsubscribed",
    "hard_bounce": "bounced",
    "complained": "complained",
}
_LEAD_REASONS = {
    "unsubscribed": "unsubscribed",
    "hard bounce": "hard_bounce",
    "complained": "complained",
}


@dataclass(frozen=True)
class EntryFacts:
    temperature: str | None = None
    grade: str | None = None
    campaigns: frozenset[str] = field(default_factory=frozenset)
    product_lines: frozenset[str] = field(default_factory=frozenset)
    rejected_not_ready: bool = False


@dataclass(frozen=True)
class ExitFacts:
    temperature: str | None = None
    status: str | None = None
    owner_rep: str | None = None
    suppression: str | None = None  # unsubscribed | hard_bounce | complained | manual
    replied: bool = False


def entry_matches(rules: EntryRules, facts: EntryFacts) -> bool:
    if rules.temperatures is not None and facts.temperature not in rules.temperatures:
        return False
    if rules.grades is not None and facts.grade not in rules.grades:
        return False
    if rules.campaigns is not None and not facts.campaigns & set(rules.campaigns):
        return False
    if rules.product_lines is not None and not facts.product_lines & set(rules.product_lines):
        return False
    return rules.rejected_not_ready is None or rules.rejected_not_ready == facts.rejected_not_ready


def may_reenter(
    sequence: Sequence, ended_at: datetime | None, exit_reason: str | None, at: datetime
) -> bool:
    """A finished run may start again only as the sequence's re-entry policy allows."""
    after = sequence.reentry.after_days
    if after is None or ended_at is None or exit_reason in SUPPRESSION_EXITS.values():
        return False
    return at - ended_at >= timedelta(days=after)


def step_due(step: Step, moment: datetime, calendar: Calendar | None = None) -> datetime:
    """When ``step`` falls due, counting its delay from ``moment``: calendar days in the lead's
    zone (same wall-clock time), then elapsed hours, then business days in their calendar."""
    calendar = calendar or UTC_CALENDAR
    due = add_calendar_days(calendar.zone, moment, step.delay_days)
    due += timedelta(hours=step.delay_hours)
    return add_business_days(calendar, due, step.delay_business_days)


def first_due(
    sequence: Sequence, enrolled_at: datetime, calendar: Calendar | None = None
) -> datetime:
    return step_due(sequence.steps[0], enrolled_at, calendar)


def after_send(
    sequence: Sequence, sent_step: int, sent_at: datetime, calendar: Calendar | None = None
) -> tuple[int, datetime | None]:
    """(next step index, when it is due); None when the sequence is complete."""
    following = sent_step + 1
    if following >= len(sequence.steps):
        return following, None
    return following, step_due(sequence.steps[following], sent_at, calendar)


def resolve_branch(
    sequence: Sequence, index: int, clicked: set[int]
) -> tuple[int | None, Branch | None]:
    """The step to send when step ``index`` comes due: itself, a later one, or None (the end).

    ``clicked`` holds the 1-based numbers of this run's steps the lead clicked. The first
    branch that holds wins; the jumped-to step goes out in place of the due one.
    """
    for branch in sequence.steps[index].branches:
        if branch.holds(clicked):
            return (None if branch.goto == "end" else branch.goto - 1), branch
    return index, None


def suppression_kind(
    table_reason: str | None, lead_suppressed: bool, lead_reason: str | None
) -> str | None:
    """One word for why an address must not be mailed: the list first, then the lead's flag."""
    if table_reason:
        return table_reason
    if lead_suppressed:
        return _LEAD_REASONS.get((lead_reason or "").strip().lower(), "manual")
    return None


def exit_reason(sequence: Sequence, facts: ExitFacts) -> str | None:
    """The exit rule this lead now meets, or None to carry on."""
    if facts.suppression is not None:
        return SUPPRESSION_EXITS.get(facts.suppression, "suppressed")
    rules = set(sequence.exit_on)
    if "assigned" in rules and (facts.status in ASSIGNED_STATUSES or facts.owner_rep):
        return "assigned"
    # A hot lead belongs to sales; one sales handed back (the pool) may be nurtured again.
    if "became_hot" in rules and facts.temperature == "hot" and facts.status != LeadStatus.POOL:
        return "became_hot"
    if "replied" in rules and facts.replied:
        return "replied"
    return None


def sequence_for(policy: NurturePolicy, temperature: str | None) -> Sequence | None:
    """The first sequence a lead with only this temperature known would enter."""
    facts = EntryFacts(temperature=temperature)
    return next((s for s in policy.sequences if entry_matches(s.enter, facts)), None)

"""May we email this lead about this topic, and may we track what they do with it? Pure.

The answer comes from, in order: the lead's own choice of topics (preference centre), the
latest consent record for the purpose (a grant or a withdrawal, whatever its source), then
the default of the lead's country (opt-in required, or allowed until they say no).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class Purpose(StrEnum):
    MARKETING_EMAIL = "marketing_email"
    TRACKING = "tracking"


class LawfulBasis(StrEnum):
    CONSENT = "consent"
    LEGITIMATE_INTEREST = "legitimate_interest"
    CONTRACT = "contract"
    LEGAL_OBLIGATION = "legal_obligation"


class ConsentBlock(StrEnum):
    """Why nurture may not go out: an exit reason and a decision's rule."""

    NO_CONSENT = "no_consent"  # opt-in required and none recorded
    WITHDRAWN = "consent_withdrawn"  # the latest record withdraws it
    TOPIC_OFF = "topic_unsubscribed"  # the lead turned this topic off


@dataclass(frozen=True)
class ConsentFacts:
    """What one lead has told us: latest grant per purpose, and topic choices."""

    latest: Mapping[str, bool] = field(default_factory=dict)  # purpose -> granted
    topics: Mapping[str, bool] = field(default_factory=dict)  # topic -> subscribed


NO_FACTS = ConsentFacts()


def _allowed(
    policy: Any, country: str | None, facts: ConsentFacts, purpose: Purpose
) -> tuple[bool, str]:
    """(allowed, what decided it) for one purpose."""
    if purpose.value in facts.latest:
        granted = facts.latest[purpose.value]
        return granted, "recorded grant" if granted else "recorded withdrawal"
    region, rule = policy.rule_for(country)
    default = getattr(rule, purpose.value)
    return default == "opt_out", f"{region} default {default}"


def consent_block(
    policy: Any, country: str | None, facts: ConsentFacts, topic: str
) -> ConsentBlock | None:
    """Why a marketing email about ``topic`` may not go to this lead, or None when it may."""
    if facts.topics.get(topic) is False:
        return ConsentBlock.TOPIC_OFF
    allowed, why = _allowed(policy, country, facts, Purpose.MARKETING_EMAIL)
    if allowed:
        return None
    return ConsentBlock.WITHDRAWN if why == "recorded withdrawal" else ConsentBlock.NO_CONSENT


def consent_reason(policy: Any, country: str | None, facts: ConsentFacts, purpose: Purpose) -> str:
    """The words a decision records: "recorded grant", "eu default opt_in"..."""
    return _allowed(policy, country, facts, purpose)[1]


def tracking_allowed(policy: Any, country: str | None, facts: ConsentFacts) -> bool:
    """Open pixel and tracked links only where consent allows tracking."""
    return _allowed(policy, country, facts, Purpose.TRACKING)[0]

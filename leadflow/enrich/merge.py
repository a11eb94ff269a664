"""Survivorship: which value a lead keeps when its own answer and providers' offers differ."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from leadflow.enrich.policy import ENRICH_FIELDS

LEAD = "lead"


@dataclass(frozen=True)
class Offer:
    """What one provider knows about the lead's company, restricted to the fields it may fill."""

    provider: str
    fields: Mapping[str, Any]
    trust: int = 0


def _blank(value: Any) -> bool:
    return value is None or value == ""


def missing_fields(lead: Mapping[str, Any], policy: str) -> set[str]:
    """Fields worth asking a provider for: blanks, or every field when providers may overwrite."""
    if policy == "lead_answer_wins":
        return {f for f in ENRICH_FIELDS if _blank(lead.get(f))}
    return set(ENRICH_FIELDS)


def _winner(
    field: str, current: Any, offers: Sequence[Offer], policy: str, lead_trust: int
) -> tuple[Any, str] | None:
    candidates = [(o.fields[field], o) for o in offers if not _blank(o.fields.get(field))]
    if not candidates:
        return None
    if policy == "lead_answer_wins":
        return (candidates[0][0], candidates[0][1].provider) if _blank(current) else None
    if policy == "first_provider_wins":
        return candidates[0][0], candidates[0][1].provider
    # most_trusted: ties go to the lead, then to chain order (max keeps the first maximum).
    value, offer = max(candidates, key=lambda c: c[1].trust)
    if not _blank(current) and lead_trust >= offer.trust:
        return None
    return value, offer.provider


def merge_offers(
    lead: Mapping[str, Any],
    offers: Sequence[Offer],
    policy: str = "lead_answer_wins",
    lead_trust: int = 0,
) -> dict[str, tuple[Any, str]]:
    """Field -> (value, provider) for every field that changes on the lead."""
    chosen: dict[str, tuple[Any, str]] = {}
    for field in ENRICH_FIELDS:
        if field == "state":
            continue
        won = _winner(field, lead.get(field), offers, policy, lead_trust)
        if won is not None and won[0] != lead.get(field):
            chosen[field] = won
    country = chosen["country"][0] if "country" in chosen else lead.get("country")
    # A head office's state would mislocate a person who sits in another country.
    same_place = [o for o in offers if _blank(country) or o.fields.get("country") == country]
    won = _winner("state", lead.get("state"), same_place, policy, lead_trust)
    if won is not None and won[0] != lead.get("state"):
        chosen["state"] = won
    return chosen

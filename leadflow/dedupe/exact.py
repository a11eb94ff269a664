"""Exact-email dedup within a batch and against the leads we already hold."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from leadflow.core.types import CleanLead

MERGEABLE_FIELDS = (
    "first_name",
    "last_name",
    "full_name",
    "company",
    "company_key",
    "title",
    "phone",
    "phone_e164",
    "country",
    "state",
    "city",
    "employees",
    "industry",
    "product_line",
    "purchase_timeframe_months",
)


@dataclass
class MergePlan:
    """What one batch does to the lead table."""

    # email -> the first clean row of that email in the batch (becomes the new lead)
    creates: dict[str, CleanLead] = field(default_factory=dict)
    # (row, into_email, kind) for every row that joins a lead instead of creating one; "fuzzy"
    # rows join a stored lead under another address (leadflow/dedupe/merging)
    merges: list[tuple[CleanLead, str, Literal["existing", "batch", "fuzzy"]]] = field(
        default_factory=list
    )


def plan_batch(
    rows: Iterable[CleanLead],
    existing_emails: set[str],
    mailbox: Callable[[str], str] | None = None,
) -> MergePlan:
    """First row of an email creates its lead unless we hold it; every later row merges.

    With ``mailbox``, rows whose addresses deliver to one mailbox (jdoe@ and j.doe+x@gmail.com)
    join the first such row's lead; a mailbox matching a stored lead is for the fuzzy step.
    """
    plan = MergePlan()
    first: dict[str, str] = {}  # mailbox -> the email that creates its lead
    for row in rows:
        box = mailbox(row.email) if mailbox else row.email
        if row.email in existing_emails:
            plan.merges.append((row, row.email, "existing"))
        elif box in first:
            plan.merges.append((row, first[box], "batch"))
        else:
            first[box] = row.email
            plan.creates[row.email] = row
    return plan


def fields_to_fill(current: Mapping[str, Any], incoming: CleanLead) -> dict[str, Any]:
    """New information appended to a lead: only blanks are filled, nothing is overwritten."""
    filled: dict[str, Any] = {}
    for name in MERGEABLE_FIELDS:
        new = getattr(incoming, name)
        if new not in (None, "") and current.get(name) in (None, ""):
            filled[name] = new
    return filled

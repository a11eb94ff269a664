"""Per-rep load, acceptance, rejection reasons and SLA breaches (pure)."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from statistics import median

from leadflow.report.rows import AssignmentRow, Window
from leadflow.core.statuses import AssignmentStatus


@dataclass(frozen=True)
class RepRow:
    rep: str
    assigned: int
    open: int  # still offered, waiting for the rep
    accepted: int  # including those later reclaimed for want of follow-up
    rejected: int
    expired: int  # no answer within the SLA: offered to the next rep
    reclaimed: int
    sla_breaches: int
    median_hours_to_accept: float | None
    reject_reasons: Counter[str] = field(default_factory=Counter)

    @property
    def acceptance(self) -> float | None:
        """Accepted out of the offers no longer open (open ones are not counted yet)."""
        decided = self.assigned - self.open
        return self.accepted / decided if decided else None


def responded_at(a: AssignmentRow) -> datetime | None:
    """When the rep answered the offer: accepting or rejecting. Expiry and reclaim are the system's."""
    if a.accepted_at is not None:
        return a.accepted_at
    return (
        a.closed_at if a.status in (AssignmentStatus.ACCEPTED, AssignmentStatus.REJECTED) else None
    )


def breached(a: AssignmentRow, as_of: datetime) -> bool:
    """The rep answered after the SLA was due, or has still not answered and it is due."""
    answer = responded_at(a)
    return (answer or as_of) > a.sla_due_at


def _rep_row(rep: str, mine: Sequence[AssignmentRow], as_of: datetime) -> RepRow:
    status = Counter(a.status for a in mine)
    hours = [(a.accepted_at - a.assigned_at).total_seconds() / 3600 for a in mine if a.accepted_at]
    return RepRow(
        rep=rep,
        assigned=len(mine),
        open=status[AssignmentStatus.OFFERED],
        accepted=sum(
            a.accepted_at is not None or a.status == AssignmentStatus.ACCEPTED for a in mine
        ),
        rejected=status[AssignmentStatus.REJECTED],
        expired=status[AssignmentStatus.EXPIRED],
        reclaimed=status[AssignmentStatus.RECLAIMED],
        sla_breaches=sum(breached(a, as_of) for a in mine),
        median_hours_to_accept=median(hours) if hours else None,
        reject_reasons=Counter(
            a.reason or "no reason" for a in mine if a.status == AssignmentStatus.REJECTED
        ),
    )


def rep_table(
    assignments: Sequence[AssignmentRow], window: Window, as_of: datetime
) -> list[RepRow]:
    """One row per rep over the assignments offered in the window, busiest first."""
    by_rep: dict[str, list[AssignmentRow]] = defaultdict(list)
    for a in assignments:
        if a.assigned_at in window:
            by_rep[a.rep].append(a)
    rows = [_rep_row(rep, mine, as_of) for rep, mine in by_rep.items()]
    return sorted(rows, key=lambda r: (-r.assigned, r.rep))

"""The funnel by stage, the MQL/SQL gap and funnel health against the trailing norm (pure)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from statistics import median

from leadflow.report.rows import FUNNEL, AssignmentRow, LeadRow, Window

DAY = 86400.0
# Seed 002: above 100% of the norm is excellent, 70-100% good but watch, below 70% a warning.
WATCH_FLOOR = 0.70


@dataclass(frozen=True)
class StageRow:
    stage: str
    count: int
    conversion: float | None  # from the previous stage; None for the first stage or after zero
    days_to_next: float | None  # median days a lead spent here before the next stage


@dataclass(frozen=True)
class Gap:
    """MQLs that sales has not (yet) accepted, and where they are."""

    mqls: int
    sqls: int
    where: Counter[str] = field(default_factory=Counter)

    @property
    def gap(self) -> int:
        return self.mqls - self.sqls

    @property
    def rate(self) -> float | None:
        return self.gap / self.mqls if self.mqls else None


@dataclass(frozen=True)
class HealthRow:
    stage: str
    current: int
    norm: float | None  # mean entries per period over the trailing periods
    ratio: float | None
    band: str  # excellent | watch | warning | no history


def cohort(leads: Sequence[LeadRow], window: Window) -> list[LeadRow]:
    """Leads created in the window, with how far each has got by now."""
    return [lead for lead in leads if lead.created_at in window]


def rate(numerator: int, denominator: int) -> float | None:
    return numerator / denominator if denominator else None


def _days_in_stage(leads: Sequence[LeadRow], stage: str, following: str) -> float | None:
    spans = []
    for lead in leads:
        start, end = lead.entered(stage), lead.entered(following)
        if start is not None and end is not None and end >= start:
            spans.append((end - start).total_seconds() / DAY)
    return median(spans) if spans else None


def funnel(leads: Sequence[LeadRow]) -> list[StageRow]:
    """Stage counts, step conversion and median time in stage over the given leads."""
    counts = [sum(lead.reached(stage) for lead in leads) for stage in FUNNEL]
    rows = []
    for i, stage in enumerate(FUNNEL):
        conversion = rate(counts[i], counts[i - 1]) if i else None
        following = FUNNEL[i + 1] if i + 1 < len(FUNNEL) else None
        days = _days_in_stage(leads, stage, following) if following else None
        rows.append(StageRow(stage, counts[i], conversion, days))
    return rows


def _latest_assignment(assignments: Sequence[AssignmentRow]) -> dict[int, AssignmentRow]:
    latest: dict[int, AssignmentRow] = {}
    for a in sorted(assignments, key=lambda a: a.assigned_at):
        latest[a.lead_id] = a
    return latest


GAP_PLACES = {
    "offered": "waiting for the rep",
    "rejected": "rejected by the rep",
    "reclaimed": "reclaimed after the SLA",
    "expired": "expired, not re-offered yet",
    "accepted": "accepted, stage not recorded",
}


def mql_sql_gap(leads: Sequence[LeadRow], assignments: Sequence[AssignmentRow]) -> Gap:
    """Marketing-qualified leads sales has not accepted, by where each one is now."""
    latest = _latest_assignment(assignments)
    mqls = [lead for lead in leads if lead.reached("mql")]
    open_mqls = [lead for lead in mqls if not lead.reached("sql")]
    where = Counter(
        GAP_PLACES.get(latest[lead.id].status, latest[lead.id].status)
        if lead.id in latest
        else "never routed"
        for lead in open_mqls
    )
    return Gap(len(mqls), len(mqls) - len(open_mqls), where)


def band(ratio: float | None) -> str:
    if ratio is None:
        return "no history"
    if ratio > 1.0:
        return "excellent"
    return "watch" if ratio >= WATCH_FLOOR else "warning"


def entries(leads: Sequence[LeadRow], stage: str, window: Window) -> int:
    """How many leads entered ``stage`` during the window (a flow, not a cohort)."""
    return sum(lead.entered(stage) in window for lead in leads)


def health(leads: Sequence[LeadRow], window: Window, trailing: int = 3) -> list[HealthRow]:
    """Each stage's entries this period against the mean of the ``trailing`` periods before it.

    Periods with no activity at all (before the pipeline existed) are not history, so they
    do not drag the norm down.
    """
    history = [window.shifted(k) for k in range(1, trailing + 1)]
    active = [w for w in history if any(entries(leads, s, w) for s in FUNNEL)]
    rows = []
    for stage in FUNNEL:
        current = entries(leads, stage, window)
        norm = sum(entries(leads, stage, w) for w in active) / len(active) if active else None
        ratio = current / norm if norm else None
        rows.append(HealthRow(stage, current, norm, ratio, band(ratio)))
    return rows

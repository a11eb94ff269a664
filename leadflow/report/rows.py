"""Plain rows the reports compute over: no sessions, no ORM, so every number is testable by hand."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

# The funnel, in order; a lead that reached a stage has passed every stage before it.
FUNNEL = ("lead", "mql", "sql", "opportunity", "won")
STAGE_LABELS = {
    "lead": "Lead",
    "mql": "MQL",
    "sql": "SQL",
    "opportunity": "Opportunity",
    "won": "Won",
}
STAGE_PLURALS = {
    "lead": "Leads",
    "mql": "MQLs",
    "sql": "SQLs",
    "opportunity": "Opportunities",
    "won": "Deals won",
}


@dataclass(frozen=True)
class LeadRow:
    id: int
    created_at: datetime
    campaign_id: int | None  # the campaign that first brought the lead in
    stage_at: dict[str, datetime] = field(default_factory=dict)  # first entry into mql, sql, ...
    won_amount: float = 0.0

    def reached(self, stage: str) -> bool:
        """Reached ``stage`` or any later one (a won deal was an opportunity, even if unrecorded)."""
        return stage == "lead" or any(s in self.stage_at for s in FUNNEL[FUNNEL.index(stage) :])

    def entered(self, stage: str) -> datetime | None:
        return self.created_at if stage == "lead" else self.stage_at.get(stage)


@dataclass(frozen=True)
class CampaignRow:
    id: int
    name: str
    channel: str
    cost: float | None


@dataclass(frozen=True)
class TouchRow:
    lead_id: int
    campaign_id: int
    touches: int
    first_touch_at: datetime
    last_touch_at: datetime


@dataclass(frozen=True)
class AssignmentRow:
    lead_id: int
    rep: str
    status: str  # offered | accepted | rejected | reclaimed
    reason: str | None
    assigned_at: datetime
    sla_due_at: datetime
    closed_at: datetime | None
    accepted_at: datetime | None


@dataclass(frozen=True)
class Window:
    """[start, end): the period a report covers."""

    start: datetime
    end: datetime

    @classmethod
    def ending(cls, end: datetime, length: timedelta) -> Window:
        return cls(end - length, end)

    def __contains__(self, moment: object) -> bool:
        return isinstance(moment, datetime) and self.start <= moment < self.end

    def shifted(self, periods: int) -> Window:
        """The window ``periods`` lengths earlier."""
        step = (self.end - self.start) * periods
        return Window(self.start - step, self.end - step)


@dataclass
class Dataset:
    """Everything the reports read, loaded once."""

    leads: list[LeadRow]
    campaigns: list[CampaignRow]
    touches: list[TouchRow]
    assignments: list[AssignmentRow]
    as_of: datetime

"""One report for one period: every computation over the same loaded rows."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from leadflow.report.attribution import CampaignStats, Credit, by_campaign, credit
from leadflow.report.funnel import Gap, HealthRow, StageRow, cohort, funnel, health, mql_sql_gap
from leadflow.report.reps import RepRow, rep_table
from leadflow.report.rows import Dataset, Window

PERIOD = re.compile(r"^\s*(\d+)\s*([dwq]?)\s*$", re.IGNORECASE)
UNIT_DAYS = {"": 1, "d": 1, "w": 7, "q": 91}
TRAILING_PERIODS = 3


def parse_period(text: str) -> timedelta:
    """ "30d", "12w", "1q" (a quarter is 91 days) or a bare number of days."""
    match = PERIOD.match(text)
    if not match or int(match.group(1)) <= 0:
        raise ValueError(f"period {text!r} is not like 30d, 12w or 1q")
    return timedelta(days=int(match.group(1)) * UNIT_DAYS[match.group(2).lower()])


def period_label(length: timedelta) -> str:
    return f"{length.days}d"


@dataclass(frozen=True)
class Report:
    window: Window
    as_of: datetime
    trailing: int
    funnel: list[StageRow]
    gap: Gap
    health: list[HealthRow]
    reps: list[RepRow]
    campaigns: list[CampaignStats]
    credit: dict[str, dict[int, Credit]]
    campaign_names: dict[int, str]

    @property
    def period(self) -> str:
        return period_label(self.window.end - self.window.start)


def build(data: Dataset, length: timedelta, trailing: int = TRAILING_PERIODS) -> Report:
    window = Window.ending(data.as_of, length)
    leads = cohort(data.leads, window)
    mine = {lead.id for lead in leads}
    return Report(
        window=window,
        as_of=data.as_of,
        trailing=trailing,
        funnel=funnel(leads),
        gap=mql_sql_gap(leads, [a for a in data.assignments if a.lead_id in mine]),
        health=health(data.leads, window, trailing),
        reps=rep_table(data.assignments, window, data.as_of),
        campaigns=by_campaign(leads, data.campaigns),
        credit=credit(leads, data.touches),
        campaign_names={c.id: c.name for c in data.campaigns},
    )

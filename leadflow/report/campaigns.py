"""Marketing's view: campaigns with their funnel and cost per outcome, over one period.

The same report `leadflow report` prints, loaded once for a page.
"""

from __future__ import annotations

from datetime import datetime

from leadflow.core.clock import as_utc
from leadflow.core.db import session_scope
from leadflow.report.build import Report, build, parse_period
from leadflow.report.queries import load

PERIODS = ("7d", "30d", "1q")


def campaign_report(period: str = "30d", at: datetime | None = None) -> Report:
    """The report for the period ending now; an unknown period raises ValueError."""
    length = parse_period(period)
    with session_scope() as session:
        return build(load(session, as_of=as_utc(at)), length)

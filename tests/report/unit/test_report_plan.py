"""Planning backwards from a won target, overall and per channel, over the fixture."""

from __future__ import annotations

from datetime import datetime, timezone

from leadflow.report.funnel import cohort
from leadflow.report.plan import plan
from leadflow.report.rows import Window
from tests.factories import make_report_dataset

DATA = make_report_dataset()
WINDOW = Window(
    datetime(2026, 11, 1, tzinfo=timezone.utc), datetime(2026, 11, 11, tzinfo=timezone.utc)
)
LEADS = cohort(DATA.leads, WINDOW)


def test_target_needs_count_over_won_per_stage() -> None:
    # Measured: 6 leads, 5 MQL, 4 SQL, 3 opps, 2 won. 3 wins need 3 x count / 2, rounded up:
    # leads 9, MQLs 7.5 -> 8, SQLs 6, opps 4.5 -> 5, won 3.
    result = plan(LEADS, DATA.campaigns, 3)
    assert result.reachable
    assert [s.needed for s in result.stages] == [9, 8, 6, 5, 3]


def test_channels_share_the_target_by_their_wins() -> None:
    result = plan(LEADS, DATA.campaigns, 10)
    assert [s.needed for s in result.stages] == [30, 25, 20, 15, 10]
    trade_show, webinar = result.channels
    # One win each: 5 wins each. trade show 3 leads, 2 MQL, 2 SQL per win -> 15, 10, 10.
    assert (trade_show.channel, trade_show.won_share, trade_show.won_target) == (
        "trade_show",
        0.5,
        5.0,
    )
    assert (trade_show.leads, trade_show.mqls, trade_show.sqls) == (15, 10, 10)
    # webinar 3 leads, 3 MQL, 2 SQL per win -> 15, 15, 10.
    assert (webinar.channel, webinar.leads, webinar.mqls, webinar.sqls) == ("webinar", 15, 15, 10)
    assert webinar.lead_to_won == 1 / 3


def test_no_wins_measured_says_where_the_funnel_stops() -> None:
    no_wins = [
        lead for lead in LEADS if lead.id in (2, 3, 4)
    ]  # 3 leads, 3 MQL, 2 SQL, 1 opp, 0 won
    result = plan(no_wins, DATA.campaigns, 5)
    assert not result.reachable and result.blocked_at == "opportunity -> won"
    assert [s.needed for s in result.stages] == [None] * 5
    assert all(c.leads is None and c.won_share == 0 for c in result.channels)

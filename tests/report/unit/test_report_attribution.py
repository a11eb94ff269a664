"""Sourced campaign stats and the four touch models over the fixture."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from leadflow.report.attribution import by_campaign, credit, weights
from leadflow.report.funnel import cohort
from leadflow.report.rows import TouchRow, Window
from tests.factories import make_report_dataset

DATA = make_report_dataset()
WINDOW = Window(
    datetime(2026, 11, 1, tzinfo=timezone.utc), datetime(2026, 11, 11, tzinfo=timezone.utc)
)
LEADS = cohort(DATA.leads, WINDOW)


def test_sourced_counts_costs_and_time_to_opportunity() -> None:
    webinar, tradeshow = by_campaign(LEADS, DATA.campaigns)
    # webinar: L1-L3, all MQL, SQL L1 L2, opp and won L1 (5000). Cost 1000.
    assert (webinar.leads, webinar.mqls, webinar.sqls, webinar.opportunities, webinar.won) == (
        3,
        3,
        2,
        1,
        1,
    )
    assert webinar.won_amount == 5000
    assert (webinar.cost_per(webinar.leads), webinar.cost_per(webinar.sqls)) == (
        pytest.approx(333.333, abs=0.01),
        500,
    )
    assert webinar.median_days_to_opportunity == 4.0  # L1: Nov 1 -> Nov 5
    # trade show: L4-L6; MQL L4 L6, SQL L4 L6, opps L4 L6, won L6 (3000). Cost 3000.
    assert (
        tradeshow.leads,
        tradeshow.mqls,
        tradeshow.sqls,
        tradeshow.opportunities,
        tradeshow.won,
    ) == (3, 2, 2, 2, 1)
    assert (tradeshow.won_amount, tradeshow.cost_per(tradeshow.won), tradeshow.cost_per(0)) == (
        3000,
        3000,
        None,
    )
    assert tradeshow.median_days_to_opportunity == 3.5  # L4 4 days, L6 3 days


def test_credit_per_model_by_hand() -> None:
    got = credit(LEADS, DATA.touches)
    # Opportunities: L1 (webinar Nov 1 x1, trade show Nov 3-4 x2; won 5000), L4 (trade show; its webinar
    # touch came after the opportunity), L6 (no touches: its sourcing campaign, trade show; won 3000).
    assert (got["first_touch"][1].won_amount, got["first_touch"][2].won_amount) == (5000, 3000)
    assert (got["first_touch"][1].opportunities, got["first_touch"][2].opportunities) == (1, 2)
    assert 1 not in got["last_touch"] and (
        got["last_touch"][2].opportunities,
        got["last_touch"][2].won_amount,
    ) == (3, 8000)
    # linear by touches: L1 is 1/3 webinar, 2/3 trade show.
    assert got["linear"][1].won_amount == pytest.approx(5000 / 3)
    assert got["linear"][2].won_amount == pytest.approx(10000 / 3 + 3000)
    assert got["linear"][2].opportunities == pytest.approx(2 / 3 + 2)
    # position with two touches: half each.
    assert (got["position"][1].won_amount, got["position"][2].won_amount) == (2500, 5500)


def test_position_based_gives_the_ends_forty_percent() -> None:
    day = [datetime(2026, 11, d, tzinfo=timezone.utc) for d in (1, 2, 3, 4)]
    touches = [TouchRow(1, c, 1, day[i], day[i]) for i, c in enumerate((10, 20, 30, 40))]
    # 40% first, 40% last, the 20% left split over the two in the middle.
    assert weights("position", touches) == pytest.approx({10: 0.4, 20: 0.1, 30: 0.1, 40: 0.4})
    assert weights("first_touch", touches) == {10: 1.0} and weights("last_touch", touches) == {
        40: 1.0
    }
    assert weights("linear", touches) == pytest.approx({10: 0.25, 20: 0.25, 30: 0.25, 40: 0.25})
    with pytest.raises(ValueError, match="unknown attribution model"):
        weights("data_driven", touches)

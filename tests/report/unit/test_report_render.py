"""Periods, the markdown and Rich rows, and the hand-drawn SVG charts."""

from __future__ import annotations

from datetime import timedelta

import pytest

from leadflow.report.build import build, parse_period
from leadflow.report.funnel import HealthRow, StageRow
from leadflow.report.svg import funnel_chart, health_gauge
from leadflow.report.tables import funnel_markdown, markdown, pct
from tests.factories import make_report_dataset


@pytest.mark.parametrize(
    ("text", "days"), [("30d", 30), ("12w", 84), ("1q", 91), ("7", 7), (" 2W ", 14)]
)
def test_periods(text: str, days: int) -> None:
    assert parse_period(text) == timedelta(days=days)


@pytest.mark.parametrize("text", ["", "0d", "30m", "d30", "-5d"])
def test_bad_periods(text: str) -> None:
    with pytest.raises(ValueError, match="not like 30d"):
        parse_period(text)


def test_percentages_keep_small_rates_visible() -> None:
    assert (pct(None), pct(0.0), pct(0.011), pct(0.2), pct(2.97)) == (
        "—",
        "0%",
        "1.1%",
        "20%",
        "297%",
    )


def test_markdown_tables_escape_pipes_and_say_when_empty() -> None:
    assert markdown("T", [{"a": "x|y", "b": "1"}]) == "### T\n\n| a | b |\n|---|---|\n| x/y | 1 |\n"
    assert markdown("T", [], "nothing") == "### T\n\n_nothing_\n"


def test_funnel_markdown_of_the_fixture() -> None:
    text = funnel_markdown(build(make_report_dataset(), timedelta(days=10)))
    # 6 leads, 5 MQLs (83%), gap 1 of 5; health of leads 6 against a norm of 1: 600%, excellent.
    assert "| Lead | 6 | — | 1.5 |" in text and "| MQL | 5 | 83% | 1.0 |" in text
    assert "| gap (MQL not SQL) | 1 (20%) |" in text
    assert "| Lead | 6 | 1.0 | 600% | ▲ excellent (>100%) |" in text


def test_funnel_chart_labels_counts_and_steps() -> None:
    svg = funnel_chart(
        [
            StageRow("lead", 200, None, 1.0),
            StageRow("mql", 50, 0.25, None),
            StageRow("sql", 0, 0.0, None),
        ]
    )
    assert svg.startswith("<svg") and svg.count("<rect") == 3
    assert ">200<" in svg and ">50<" in svg and "↓ 25% convert" in svg and "↓ 0% convert" in svg


def test_health_gauge_colours_by_band_and_draws_no_bar_without_history() -> None:
    assert "#cf222e" in health_gauge(HealthRow("won", 3, 5.0, 0.6, "warning"))
    empty = health_gauge(HealthRow("won", 3, None, None, "no history"))
    assert (
        empty.count("<rect") == 1 and empty.count("<line") == 2
    )  # the track and the 70% / 100% marks

"""The one progress bar: a total from the start, log lines above it, the last row always shown."""

from __future__ import annotations

import io
import logging
import sys

import pytest
from rich.console import Console
from rich.progress import Progress

from leadflow.cli.progress import bar_wanted, logs_above_the_bar, polled_bar, row_bar
from leadflow.ingest.progress import campaign_counter, count_rows
from tests.conftest import ROOT


def test_the_total_is_the_files_data_rows() -> None:
    assert count_rows(str(ROOT / "examples" / "webinar_analytics_2026-11.csv")) == 192
    assert count_rows(str(ROOT / "no-such-file.csv")) is None


def test_a_log_line_goes_above_the_bar_not_into_it(monkeypatch: pytest.MonkeyPatch) -> None:
    terminal = io.StringIO()
    monkeypatch.setattr(sys, "stderr", terminal)
    # As Prefect's console handler: it keeps the stream it found at setup.
    handler = logging.StreamHandler(terminal)
    logger = logging.getLogger("prefect")
    logger.addHandler(handler)
    screen = io.StringIO()
    try:
        with (
            Progress(console=Console(file=screen, force_terminal=True, width=60)) as progress,
            logs_above_the_bar(terminal),
        ):
            progress.add_task("ingest", total=10)
            logger.warning("hello from the flow")
    finally:
        logger.removeHandler(handler)
    assert "hello from the flow" not in terminal.getvalue()
    assert "hello from the flow\n" in screen.getvalue()
    assert handler.stream is terminal  # put back afterwards


def test_every_row_reported_at_once_still_ends_on_the_last_row() -> None:
    """Updates are thinned out (one a row would cost more than the work), never the last one."""
    screen = io.StringIO()
    with row_bar(Console(file=screen, width=80), "score", 5000) as bar:
        report = bar.rows()
        for done in range(1, 5001):
            report(done)
    assert "5000/5000" in screen.getvalue()


def test_a_new_stage_starts_from_zero_with_its_name() -> None:
    screen = io.StringIO()
    with row_bar(Console(file=screen, width=80), "dedupe", 3) as bar:
        stages = bar.stages("dedupe")
        for done in (1, 2, 3):
            stages("reading", done)
        stages("writing", 0)
    assert "dedupe: writing" in screen.getvalue() and "0/3" in screen.getvalue()


def test_no_bar_when_stderr_is_not_a_terminal_unless_asked() -> None:
    pipe = Console(file=io.StringIO())
    terminal = Console(file=io.StringIO(), force_terminal=True)
    assert not bar_wanted(pipe, None) and bar_wanted(pipe, True)
    assert bar_wanted(terminal, None) and not bar_wanted(terminal, False)


def test_a_disabled_bar_prints_nothing() -> None:
    screen = io.StringIO()
    with row_bar(Console(file=screen, width=80), "score", 10, enabled=False) as bar:
        bar.rows()(10)
    assert screen.getvalue() == ""


@pytest.mark.db
def test_the_bar_knows_its_total_before_any_row_is_processed(leadflow_env) -> None:  # type: ignore[no-untyped-def]
    screen = io.StringIO()
    with polled_bar(
        Console(file=screen, width=80), "ingest", lambda: campaign_counter("not-started"), 192
    ):
        pass
    assert "0/192" in screen.getvalue()

"""The ingest bar: a total from the start, and log lines printed above it, not into it."""

from __future__ import annotations

import io
import logging
import sys

import pytest
from rich.console import Console
from rich.progress import Progress

from leadflow.ingest.progress import count_rows, ingest_progress, logs_above_the_bar
from tests.conftest import ROOT


def test_the_total_is_the_files_data_rows() -> None:
    assert count_rows(str(ROOT / "examples" / "webinar_analytics_2026-11.csv")) == 192
    assert count_rows(str(ROOT / "no-such-file.csv")) is None


def test_a_log_line_goes_above_the_bar_not_into_it(monkeypatch: pytest.MonkeyPatch) -> None:
    terminal = io.StringIO()
    monkeypatch.setattr(sys, "stderr", terminal)
    handler = logging.StreamHandler(
        terminal
    )  # as Prefect's console handler: the stream of its setup
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


@pytest.mark.db
def test_the_bar_knows_its_total_before_any_row_is_processed(leadflow_env) -> None:  # type: ignore[no-untyped-def]
    screen = io.StringIO()
    with ingest_progress(Console(file=screen, width=80), "not-started", total=192):
        pass
    assert "0/192" in screen.getvalue()

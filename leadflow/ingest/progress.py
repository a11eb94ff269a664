"""A Rich progress bar for an ingest running in this process, fed by the database."""

from __future__ import annotations

import logging
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, TextIO

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from sqlalchemy import case, func, select

from leadflow.core.db import session_scope
from leadflow.core.models import Campaign, SourceRecord
from leadflow.core.errors import LeadflowError
from leadflow.ingest.sources import open_source
from leadflow.core.statuses import RowStatus


def _counts(campaign: str) -> tuple[int, int]:
    """(rows staged so far, rows processed so far) for a campaign."""
    with session_scope() as session:
        done = func.sum(case((SourceRecord.status != RowStatus.STAGED, 1), else_=0))
        total, processed = session.execute(
            select(func.count(SourceRecord.id), done)
            .join(Campaign, Campaign.id == SourceRecord.campaign_id)
            .where(Campaign.name == campaign)
        ).one()
    return total or 0, processed or 0


def count_rows(path: str, encoding: str | None = None) -> int | None:
    """The file's data rows, read once up front so the bar has a total from the start."""

    try:
        with open_source(path, encoding=encoding) as (_, rows):
            return sum(1 for _ in rows)
    except LeadflowError:
        return None  # the ingest itself says what is wrong with the file


def _console_handlers() -> list[logging.Handler]:
    found = [h for name in ("", "prefect") for h in logging.getLogger(name).handlers]
    return [h for h in found if isinstance(h, logging.StreamHandler)]


@contextmanager
def logs_above_the_bar(original_stderr: TextIO) -> Iterator[None]:
    """Log handlers that wrote to the terminal write through the live display instead.

    Rich moves sys.stderr aside while a bar is shown, and prints what reaches it above the bar;
    handlers (Prefect's among them) that kept the original stream would write into the bar's line.
    """
    moved: list[tuple[logging.StreamHandler, TextIO, Any]] = []  # type: ignore[type-arg]
    if sys.stderr is not original_stderr:
        for handler in _console_handlers():
            rich_console = getattr(handler, "console", None)
            if handler.stream is original_stderr:
                moved.append((handler, handler.stream, rich_console and rich_console.file))
                handler.stream = sys.stderr
                if rich_console is not None:
                    rich_console.file = sys.stderr
    try:
        yield
    finally:
        for handler, stream, console_file in moved:
            handler.stream = stream
            if console_file is not None:
                handler.console.file = console_file  # type: ignore[attr-defined]


@contextmanager
def ingest_progress(
    console: Console, campaign: str, enabled: bool = True, total: int | None = None
) -> Iterator[None]:
    """Rows of this run processed / ``total`` (the file's rows; else rows staged so far)."""
    if not enabled:
        yield
        return
    stop = threading.Event()
    staged_before, processed_before = _counts(campaign)
    columns = (
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    original_stderr = sys.stderr
    with (
        Progress(*columns, console=console, transient=False) as progress,
        logs_above_the_bar(original_stderr),
    ):
        task_id = progress.add_task(f"ingest {campaign}", total=total)

        def show() -> None:
            staged, processed = _counts(campaign)
            done = processed - processed_before
            progress.update(
                task_id,
                total=total or (staged - staged_before) or None,
                completed=min(done, total) if total else done,
            )

        def poll() -> None:
            while not stop.wait(0.5):
                try:
                    show()
                except Exception:  # boundary: a progress bar must never break the ingest
                    continue

        poller = threading.Thread(target=poll, daemon=True)
        poller.start()
        try:
            yield
        finally:
            stop.set()
            poller.join(timeout=2)
            show()

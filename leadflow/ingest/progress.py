"""A Rich progress bar for an ingest running in this process, fed by the database."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from sqlalchemy import case, func, select

from leadflow.core.db import session_scope
from leadflow.core.models import Campaign, SourceRecord


def _counts(campaign: str) -> tuple[int, int]:
    """(rows staged so far, rows processed so far) for a campaign."""
    with session_scope() as session:
        done = func.sum(case((SourceRecord.status != "staged", 1), else_=0))
        total, processed = session.execute(
            select(func.count(SourceRecord.id), done).join(Campaign, Campaign.id == SourceRecord.campaign_id)
            .where(Campaign.name == campaign)).one()
    return total or 0, processed or 0


@contextmanager
def ingest_progress(console: Console, campaign: str, enabled: bool = True) -> Iterator[None]:
    """Show rows processed / rows staged while the body runs (polling, so flows stay untouched)."""
    if not enabled:
        yield
        return
    stop = threading.Event()
    columns = (TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=console, transient=False) as progress:
        task_id = progress.add_task(f"ingest {campaign}", total=None)

        def poll() -> None:
            while not stop.wait(0.5):
                try:
                    total, processed = _counts(campaign)
                except Exception:  # boundary: a progress bar must never break the ingest
                    continue
                progress.update(task_id, total=total or None, completed=processed)

        poller = threading.Thread(target=poll, daemon=True)
        poller.start()
        try:
            yield
        finally:
            stop.set()
            poller.join(timeout=2)
            total, processed = _counts(campaign)
            progress.update(task_id, total=total or 1, completed=processed)

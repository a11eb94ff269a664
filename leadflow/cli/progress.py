"""The one progress bar of the long commands (ingest, quarantine replay, dedupe, score file).

Every bar has its total before the first row: the file's rows counted up front, or the records
named. It is drawn on stderr, so stdout stays machine-readable (CSV, JSON), and only when stderr
is a terminal unless ``--progress`` (or LEADFLOW_PROGRESS=1) forces it; forced into a file or a
pipe, Rich writes its final state once, as a plain line. Log lines written while it is shown
go above it, each on its own line.
"""

from __future__ import annotations

import logging
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Annotated, Any, Optional, TextIO

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)

from leadflow.app.stack import temporary_server_hint

PROGRESS_ENV = "LEADFLOW_PROGRESS"
POLL_S = 0.5
MIN_UPDATE_S = 0.05

ProgressChoice = Annotated[
    Optional[bool],
    typer.Option(
        "--progress/--no-progress",
        envvar=PROGRESS_ENV,
        help="Show a progress bar on stderr (default: only when stderr is a terminal).",
    ),
]


def bar_wanted(console: Console, choice: bool | None, stdout_data: bool = False) -> bool:
    """``--progress``/``--no-progress`` (or LEADFLOW_PROGRESS) decide; else stderr a terminal.

    ``stdout_data``: the command writes its data to stdout. On a terminal that is the bar's
    screen, and rows written under a live bar would be glued to it, so no bar unless forced.
    """
    if choice is not None:
        return choice
    return console.is_terminal and not (stdout_data and sys.stdout.isatty())


def _console_handlers() -> list[logging.StreamHandler]:  # type: ignore[type-arg]
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


class RowBar:
    """Where a command is: rows done of the total. Does nothing when no bar is shown."""

    def __init__(self, progress: Progress | None = None, task: TaskID | None = None) -> None:
        self._progress, self._task = progress, task
        self._shown_at = 0.0
        self._description: str | None = None

    def update(
        self,
        done: int,
        total: int | None = None,
        description: str | None = None,
        force: bool = False,
    ) -> None:
        if self._progress is None or self._task is None:
            return
        if total is not None:
            self._progress.update(self._task, total=total)
        limit = self._progress.tasks[self._task].total
        now = time.monotonic()
        # Called once a row: the bar redraws 10 times a second, so most calls need not update
        # it; the last row of a stage and a new stage always do, or the final render lags.
        same_stage = description is None or description == self._description
        if not force and same_stage and done != limit and now - self._shown_at < MIN_UPDATE_S:
            return
        self._shown_at, self._description = now, description or self._description
        # A row counted twice (a retried batch) must not push the bar past its end.
        completed = min(done, int(limit)) if limit else done
        self._progress.update(self._task, completed=completed, description=description)

    def stages(self, name: str) -> Callable[[str, int], None]:
        """A callback ``(stage, rows of the stage done)``, shown as ``name: stage``."""
        return lambda stage, done: self.update(done, description=f"{name}: {stage}")

    def rows(self) -> Callable[[int], None]:
        """A callback ``(rows done)`` for work of one stage."""
        return lambda done: self.update(done)


@contextmanager
def row_bar(
    console: Console, description: str, total: int | None, enabled: bool = True
) -> Iterator[RowBar]:
    """A bar with ``total`` rows on ``console`` while the block runs (a no-op bar if disabled)."""
    if not enabled:
        yield RowBar()
        return
    columns = (
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    original_stderr = sys.stderr
    # stdout goes above the bar only when both share the terminal; else it carries data.
    same_screen = console.is_terminal and sys.stdout.isatty()
    with (
        Progress(*columns, console=console, redirect_stdout=same_screen) as progress,
        logs_above_the_bar(original_stderr),
    ):
        yield RowBar(progress, progress.add_task(description, total=total))


@contextmanager
def polled_bar(
    console: Console,
    description: str,
    counter: Callable[[], Callable[[], tuple[int | None, int]]],
    total: int | None = None,
    enabled: bool = True,
) -> Iterator[None]:
    """A bar for work done elsewhere (a flow): ``counter()``, called before the work starts,
    gives ``read``; ``read()`` says (total or None, rows done) whenever asked.

    ``total`` is shown from the start when known; ``read``'s total fills in when not.
    """
    if not enabled:
        yield
        return
    read = counter()
    stop = threading.Event()
    with row_bar(console, description, total) as bar:

        def show(force: bool = False) -> None:
            seen_total, done = read()
            bar.update(done, total=total or seen_total or None, force=force)

        def poll() -> None:
            while not stop.wait(POLL_S):
                try:
                    show()
                except Exception:  # boundary: a progress bar must never break the work
                    logging.getLogger(__name__).debug("progress poll failed", exc_info=True)

        poller = threading.Thread(target=poll, daemon=True)
        poller.start()
        try:
            yield
        finally:
            stop.set()
            poller.join(timeout=2)
            show(force=True)


def say_if_temporary_server(console: Console) -> None:
    """Before a flow runs: one line on stderr when no stack is up and the run will not be kept."""
    hint = temporary_server_hint()
    if hint is not None:
        console.print(f"[yellow]note:[/] {escape(hint)}", highlight=False, soft_wrap=True)

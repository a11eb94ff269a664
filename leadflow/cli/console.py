"""The CLI's one console pair and its one error exit: every command fails the same way."""

from __future__ import annotations

import os
import sys
from typing import NoReturn, TextIO

import typer
from rich.console import Console
from rich.markup import escape


def _piped_width(stream: TextIO) -> int | None:
    """A terminal sets its own width; piped or captured output gets a wide one, so a table
    cell such as an email is printed whole (``wang…`` cannot be grepped). COLUMNS still wins."""
    return None if stream.isatty() or os.environ.get("COLUMNS") else 200


# Fixed when the CLI starts, from COLUMNS as the process was given it.
console = Console(width=_piped_width(sys.stdout))
err = Console(stderr=True, width=_piped_width(sys.stderr))


def fail(message: str, code: int = 2) -> NoReturn:
    """Print ``error: message`` on stderr and exit with ``code`` (2: the input was wrong)."""
    err.print(f"[bold red]error:[/] {escape(message)}", highlight=False, soft_wrap=True)
    raise typer.Exit(code)

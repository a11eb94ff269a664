"""`leadflow up` / `down` / `status`: the local stack every other command uses."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.markup import escape
from rich.table import Table

from leadflow.cli.console import console, err
from leadflow.core.errors import LeadflowError

if TYPE_CHECKING:
    from rich.console import Console

    from leadflow.app.stack import StackRecord


def leadflow_command() -> str:
    """How to type this command here: `leadflow` if the shell finds it, else its path
    (a fresh clone's `make` installs it in .venv/bin, which is not on PATH)."""
    here = Path(sys.argv[0]).resolve()
    found = shutil.which("leadflow")
    if here.name != "leadflow" or (found and Path(found).resolve() == here):
        return "leadflow"  # found on PATH, or run as `python -m` (then PATH is the user's)
    try:
        return str(here.relative_to(Path.cwd()))
    except ValueError:
        return str(here)


def _fail(message: str) -> None:
    err.print(f"[bold red]error:[/] {escape(message)}", highlight=False, soft_wrap=True)
    raise typer.Exit(2)


def start_stack(out: Console) -> StackRecord:
    """Start or find the stack, register the deployments; the stack record."""
    from prefect.settings import PREFECT_API_URL, temporary_settings

    from flows.serve_all import register_paused
    from leadflow.app.stack import up
    from leadflow.core.db import upgrade
    from leadflow.core.settings import get_settings

    upgrade()  # the schedules start flows at once: the schema must be there first
    record, started = up(get_settings())
    out.print(f"started: {', '.join(started)}" if started else "the stack was already running")
    with temporary_settings({PREFECT_API_URL: record.prefect_api_url}):
        registered = register_paused()
    if registered:
        out.print(f"deployments registered (paused until `leadflow serve`): {len(registered)}")
    return record


def print_urls(out: Console, record: StackRecord) -> None:
    out.print(f"  Prefect UI  {record.prefect_ui_url}", highlight=False)
    out.print(f"  mailbox     {record.mailbox_url}", highlight=False)
    out.print(f"  reports     {record.reports_url}", highlight=False)


def up_command() -> None:
    """Start (or find) the Prefect server, SMTP sink and web app; every command uses them."""
    try:
        record = start_stack(console)
    except LeadflowError as exc:
        _fail(str(exc))
        return
    print_urls(console, record)
    cmd = leadflow_command()
    console.print(f"next: `{cmd} serve` runs the schedules; `{cmd} down` stops the stack")


def down_command() -> None:
    """Stop the parts of the local stack that `leadflow up` started."""
    from leadflow.app.stack import down
    from leadflow.core.settings import get_settings

    stopped = down(get_settings().data_dir)
    console.print(
        f"stopped: {', '.join(stopped)}" if stopped else "nothing started by leadflow is running"
    )


def status_command() -> None:
    """Where each part of the local stack is and whether it answers (exit 1 if one does not)."""
    from leadflow.app.stack import status
    from leadflow.core.settings import get_settings

    parts = status(get_settings())
    table = Table("part", "where", "state", title="leadflow local stack")
    for part in parts:
        table.add_row(part.name, part.where, "up" if part.answers else "[red]down[/]")
    console.print(table)
    if not all(part.answers for part in parts):
        console.print("start it with: leadflow up")
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    app.command("up")(up_command)
    app.command("down")(down_command)
    app.command("status")(status_command)

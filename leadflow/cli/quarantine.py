"""`leadflow quarantine`: list, show, export, fix and replay rows that did not make it."""

from __future__ import annotations

import json
from functools import partial
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.markup import escape
from rich.table import Table

from leadflow.core.errors import LeadflowError
from leadflow.cli.console import console, err, fail
from leadflow.cli.progress import ProgressChoice, bar_wanted, polled_bar, say_if_temporary_server

quarantine_app = typer.Typer(
    help="Rows that did not make it: see, export, fix, replay.", no_args_is_help=True
)


@quarantine_app.command("list")
def list_cmd(
    campaign: Optional[str] = None,
    reason: Annotated[Optional[str], typer.Option(help="A reason code, e.g. invalid_email")] = None,
    limit: int = 200,
) -> None:
    """Quarantined rows with their campaign, file, line and reason."""
    from leadflow.core.db import session_scope
    from leadflow.ingest.quarantine import list_rows

    with session_scope() as session:
        rows = list_rows(session, campaign, reason, limit)
    table = Table(
        "id", "campaign", "source", "line", "code", "reason", title=f"{len(rows)} quarantined rows"
    )
    for row in rows:
        table.add_row(
            str(row.id), row.campaign, row.source, str(row.line), row.code or "-", row.reason or ""
        )
    console.print(table)


@quarantine_app.command("show")
def show_cmd(record_id: int) -> None:
    """One quarantined row as received, with its reason and any earlier fixes."""
    from leadflow.core.db import session_scope
    from leadflow.ingest.quarantine import list_rows

    with session_scope() as session:
        row = next((r for r in list_rows(session) if r.id == record_id), None)
    if row is None:
        fail(f"record {record_id} is not in quarantine")
    console.print(
        f"[bold]record {row.id}[/] {row.campaign} / {row.source} line {row.line}: "
        f"{escape(row.reason or '')}"
    )
    console.print_json(json.dumps(row.payload, ensure_ascii=False))


@quarantine_app.command("export")
def export_cmd(
    out: Annotated[Path, typer.Option(help="Folder for the CSV files.")],
    campaign: Optional[str] = None,
    reason: Optional[str] = None,
) -> None:
    """Write quarantined rows as CSV (one file per source) to fix in a spreadsheet."""
    from leadflow.core.db import session_scope
    from leadflow.ingest.quarantine import export, list_rows

    with session_scope() as session:
        rows = list_rows(session, campaign, reason)
    for path in export(rows, out):
        console.print(f"wrote {path}")


@quarantine_app.command("replay")
def replay_cmd(
    fixed: Annotated[Optional[Path], typer.Argument(help="A corrected export file.")] = None,
    record: Annotated[
        Optional[int], typer.Option("--id", help="One record to fix in place.")
    ] = None,
    set_: Annotated[
        Optional[list[str]], typer.Option("--set", help="FIELD=VALUE (header or field)")
    ] = None,
    progress: ProgressChoice = None,
) -> None:
    """Send fixed rows back through the ingest path (a corrected export, or --id N --set f=v)."""
    from flows.replay import replay_quarantine
    from leadflow.ingest.progress import records_counter
    from leadflow.ingest.quarantine import apply_export, fix_fields

    try:
        if fixed is not None:
            ids = apply_export(fixed)
        elif record is not None and set_:
            changes = dict(item.split("=", 1) for item in set_ if "=" in item)
            ids = [fix_fields(record, changes)]
        else:
            fail("give a corrected export file, or --id N with --set FIELD=VALUE")
            return
    except (LeadflowError, ValueError) as exc:
        fail(str(exc))
        return
    show_bar = bar_wanted(err, progress)
    say_if_temporary_server(err)
    # The total is the records named: each is processed once, whatever campaign it belongs to.
    with polled_bar(err, "replay", partial(records_counter, ids), len(ids), show_bar):
        summaries = replay_quarantine(record_ids=ids)
    for summary in summaries:
        console.print(
            f"{summary.campaign}: {len(ids)} rows replayed, {summary.created} new, "
            f"{summary.merged} merged, {summary.quarantined} still quarantined "
            f"{dict(summary.quarantine_reasons) or ''}"
        )

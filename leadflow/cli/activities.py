"""`leadflow activities import`: a CRM's activity history in, as engagement events, times kept."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated, Optional

import typer

from leadflow.cli.console import console, fail
from leadflow.core.errors import LeadflowError

activities_app = typer.Typer(
    help="Engagement history from CRM and marketing-automation exports.", no_args_is_help=True
)


@activities_app.command("import")
def import_cmd(
    source: Path,
    as_of: Annotated[
        Optional[datetime],
        typer.Option(
            help="Date count columns (Emails Opened, pricing_page_views) are as of; default now"
        ),
    ] = None,
) -> None:
    """Import an activity log or per-lead activity counts; re-importing adds nothing twice."""
    from leadflow.core.db import session_scope
    from leadflow.scoring.activities_store import import_activities
    from leadflow.scoring.tables import read_table

    try:
        table = read_table(source)
        with session_scope() as session:
            result = import_activities(session, table, as_of=as_of)
    except LeadflowError as exc:
        fail(str(exc))
    console.print(
        f"{source.name}: {result.events} events, {result.inserted} new, "
        f"{result.already_held} already held; {result.leads_matched} leads matched, "
        f"{result.unmatched_events} events for leads we do not hold (kept)"
    )
    if result.unknown_types:
        kinds = ", ".join(f"{k} {n}" for k, n in result.unknown_types.most_common(10))
        console.print(
            f"kept with no engagement signal (add one to engagement.yaml to score them): {kinds}"
        )
    for line, reason in result.bad[:20]:
        console.print(f"  line {line}: {reason}")
    if len(result.bad) > 20:
        console.print(f"  ... and {len(result.bad) - 20} more rows not imported")

"""`leadflow accounts import FILE`: accounts and owners from a CSV or a CRM account export."""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import datetime
from pathlib import Path
from typing import Annotated, Optional

import typer

from leadflow.cli.console import console, fail
from leadflow.core.errors import LeadflowError

accounts_app = typer.Typer(help="Accounts and their owners.", no_args_is_help=True)


@accounts_app.command("import")
def accounts_import(
    file: Path,
    actor: Annotated[str, typer.Option("--as", help="Who imports (a manager or admin key).")],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of text.")] = False,
    at: Annotated[
        Optional[datetime], typer.Option("--at", help="Simulated time (ISO 8601, UTC).")
    ] = None,
) -> None:
    """Upsert accounts by domain (Salesforce, HubSpot or our headers: domain, name, owner, team)."""
    from leadflow.pipeline.accounts_import import import_accounts

    try:
        result = import_accounts(file, actor, at)
    except LeadflowError as exc:
        fail(str(exc))
    if as_json:
        print(json.dumps(asdict(result), ensure_ascii=False))
        return
    console.print(
        f"{result.rows} rows: {result.created} created, {result.updated} updated, "
        f"{result.unchanged} unchanged, {result.owners_refused} owner change(s) refused"
    )
    for problem in result.problems[:50]:
        console.print(f"  {problem}", highlight=False)


def register(app: typer.Typer) -> None:
    app.add_typer(accounts_app, name="accounts")

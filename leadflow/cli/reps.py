"""`leadflow reps`: who routes, and a departing rep's hand-off; `leadflow activity`: log a follow-up."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Optional

import typer
from rich.table import Table

from leadflow.core.errors import LeadflowError
from leadflow.cli.console import console, fail

reps_app = typer.Typer(
    help="Reps: list them, deactivate one with a hand-off, reactivate.", no_args_is_help=True
)
At = Annotated[Optional[datetime], typer.Option("--at", help="Simulated time (ISO 8601, UTC).")]


@reps_app.command("list")
def reps_list() -> None:
    """Every rep with team, weight, state and open leads."""
    from sqlalchemy import func, select

    from leadflow.core.db import session_scope
    from leadflow.core.models import Assignment, Rep
    from leadflow.routing.policy import routing_policy
    from leadflow.routing.assign import sync_reps

    table = Table("rep", "team", "weight", "state", "offered", "accepted")
    with session_scope() as session:
        sync_reps(session, routing_policy())
        counts = dict(
            ((rep, status), n)
            for rep, status, n in session.execute(
                select(Assignment.rep, Assignment.status, func.count()).group_by(
                    Assignment.rep, Assignment.status
                )
            )
        )
        for rep in session.scalars(select(Rep).order_by(Rep.team, Rep.key)):
            state = (
                f"deactivated → {rep.handed_off_to}"
                if rep.deactivated_at
                else "active"
                if rep.active
                else "inactive (not in the YAML)"
            )
            table.add_row(
                rep.key,
                rep.team,
                f"{rep.weight:g}",
                state,
                str(counts.get((rep.key, "offered"), 0)),
                str(counts.get((rep.key, "accepted"), 0)),
            )
    console.print(table)


@reps_app.command("deactivate")
def reps_deactivate(
    rep: str,
    handoff: Annotated[
        str, typer.Option("--handoff", help="A rep key, or a team key (its round robin).")
    ],
    at: At = None,
) -> None:
    """Switch a rep off and move every open lead and owned account to a rep or a team."""
    from leadflow.routing.handoff import deactivate
    from leadflow.pipeline.notify import notify_reps

    try:
        result = deactivate(rep, handoff, at)
    except LeadflowError as exc:
        fail(str(exc))
        return
    notify_reps(result.new_offers, at)
    moved = ", ".join(f"{k}: {n}" for k, n in sorted(result.leads.items())) or "none"
    owned = ", ".join(f"{k}: {n}" for k, n in sorted(result.accounts.items())) or "none"
    console.print(f"{rep} deactivated. Leads moved: {moved}. Accounts moved: {owned}.")


@reps_app.command("reactivate")
def reps_reactivate(rep: str, at: At = None) -> None:
    """Put a deactivated rep back on the rota (their old leads stay where they went)."""
    from leadflow.routing.handoff import reactivate

    try:
        reactivate(rep, at)
    except LeadflowError as exc:
        fail(str(exc))
    console.print(f"{rep} is back on the routing rota")


def activity(
    lead: str,
    what: Annotated[str, typer.Option(help="What happened: call, meeting, reply...")] = "follow-up",
    at: At = None,
) -> None:
    """Log a follow-up on an accepted lead (keeps it from returning to the pool)."""
    from leadflow.routing.ownership import lead_activity

    try:
        console.print(lead_activity(lead, what, at))
    except LeadflowError as exc:
        fail(str(exc))


def register(app: typer.Typer) -> None:
    """Add the rep commands to the main CLI."""
    app.add_typer(reps_app, name="reps")
    app.command("activity")(activity)

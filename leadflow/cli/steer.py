"""`leadflow queue`, `leadflow pool` and `leadflow owner`: the commands of people who steer.

Each acts as a named person (`--as`), prints a table or, with --json, the same rows as JSON;
the logic is in leadflow.routing (steering, listing) so a web workspace can call it too.
"""

from __future__ import annotations

import json
from datetime import datetime
from collections.abc import Callable
from typing import Annotated, Any, NoReturn, Optional, TypeVar

import typer
from rich.markup import escape
from rich.table import Table

from leadflow.cli.console import console, fail
from leadflow.core.errors import LeadflowError

queue_app = typer.Typer(
    help="Queues: leads waiting for a person, each with a deadline.", no_args_is_help=True
)
pool_app = typer.Typer(help="The shared pool (公海池): leads reps may claim.", no_args_is_help=True)
owner_app = typer.Typer(
    help="Account owners: one per customer, changed by its manager.", no_args_is_help=True
)
At = Annotated[Optional[datetime], typer.Option("--at", help="Simulated time (ISO 8601, UTC).")]
Json = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]
As = Annotated[str, typer.Option("--as", help="Who acts: a person key from routing.yaml.")]
Reason = Annotated[str, typer.Option("--reason", help="Why (recorded with the decision).")]
T = TypeVar("T")


def _fail(message: str, as_json: bool = False) -> NoReturn:
    if as_json:
        print(json.dumps({"ok": False, "error": message}, ensure_ascii=False))
        raise typer.Exit(2)
    fail(message)


def _attempt(action: Callable[[], T], as_json: bool) -> T:
    """Run one steering action; a refusal or a bad reference is printed (as JSON with --json)
    and ends the command with exit code 2."""
    try:
        return action()
    except LeadflowError as exc:
        _fail(str(exc), as_json)


def _table(rows: list[dict[str, Any]], columns: list[str], as_json: bool) -> None:
    if as_json:
        print(json.dumps(rows, ensure_ascii=False, default=str))
        return
    table = Table(*columns)
    for row in rows:
        table.add_row(*(escape("" if row.get(c) is None else str(row.get(c))) for c in columns))
    console.print(table)


@queue_app.command("list")
def queue_list(as_json: Json = False, at: At = None) -> None:
    """Every queue: its team, deadline, leads waiting and overdue."""
    from leadflow.routing.listing import queue_summary

    _table(
        queue_summary(at),
        ["queue", "team", "within_hours", "waiting", "overdue", "escalated", "next_due"],
        as_json,
    )


@queue_app.command("show")
def queue_show(
    queue: Annotated[Optional[str], typer.Argument(help="A queue name; none: all.")] = None,
    lead: Annotated[Optional[int], typer.Option("--lead", help="One lead's stays.")] = None,
    as_json: Json = False,
) -> None:
    """The leads waiting in a queue (oldest deadline first), or one lead's queue history."""
    from leadflow.routing.listing import queue_item_history, queue_items

    if lead is None:
        _table(
            queue_items(queue),
            [
                "lead_id",
                "email",
                "company",
                "country",
                "score",
                "queue",
                "team",
                "due_at",
                "escalated",
            ],
            as_json,
        )
        return
    history = _attempt(lambda: queue_item_history(lead), as_json)
    if as_json:
        print(json.dumps(history, ensure_ascii=False))
        return
    _table(
        history["stays"],
        ["queue", "team", "status", "entered_at", "due_at", "closed_by", "close_reason"],
        False,
    )
    _table(history["decisions"], ["at", "kind", "outcome", "actor", "reason"], False)


@queue_app.command("assign")
def queue_assign(
    lead: str, rep: str, actor: As, reason: Reason = "", as_json: Json = False, at: At = None
) -> None:
    """Give a queued (or pooled) lead to a rep by hand; the rep is notified with an SLA."""
    from leadflow.routing.steering import assign_lead
    from leadflow.pipeline.notify import notify_reps

    done = _attempt(lambda: assign_lead(lead, rep, actor, reason, at), as_json)
    notify_reps([done.assignment_id], at)
    _done(
        {
            "ok": True,
            "lead_id": done.lead_id,
            "rep": done.rep,
            "by": done.by,
            "assignment_id": done.assignment_id,
        },
        f"lead {done.lead_id} assigned to {done.rep}",
        as_json,
    )


def _done(row: dict[str, Any], message: str, as_json: bool) -> None:
    if as_json:
        print(json.dumps(row, ensure_ascii=False))
    else:
        console.print(message)


@pool_app.command("list")
def pool_list(
    limit: Annotated[int, typer.Option(help="At most this many.")] = 100, as_json: Json = False
) -> None:
    """Leads in the shared pool, best score first, with why each is there."""
    from leadflow.routing.listing import pool_rows

    _table(
        pool_rows(limit),
        ["lead_id", "email", "company", "country", "score", "why_in_pool"],
        as_json,
    )


@pool_app.command("claim")
def pool_claim(
    lead: str, actor: As, reason: Reason = "", as_json: Json = False, at: At = None
) -> None:
    """Claim a lead from the pool for yourself (limits: pool.claim in routing.yaml)."""
    from leadflow.routing.steering import claim_lead

    done = _attempt(lambda: claim_lead(lead, actor, reason, at), as_json)
    _done(
        {"ok": True, "lead_id": done.lead_id, "rep": done.rep, "assignment_id": done.assignment_id},
        f"lead {done.lead_id} is now {done.rep}'s",
        as_json,
    )


@pool_app.command("release")
def pool_release(
    lead: str, actor: As, reason: Reason = "", as_json: Json = False, at: At = None
) -> None:
    """Give a lead you hold back to the pool (you cannot claim it back during the cool-off)."""
    from leadflow.routing.steering import release_lead

    message = _attempt(lambda: release_lead(lead, actor, reason, at), as_json)
    _done({"ok": True, "lead": lead, "released_by": actor}, message, as_json)


@owner_app.command("set")
def owner_set(
    account: str, rep: str, actor: As, reason: Reason = "", as_json: Json = False, at: At = None
) -> None:
    """Give an account (domain or id) to a rep; only its owner's manager or an admin may."""
    from leadflow.routing.steering import set_account_owner

    message = _attempt(lambda: set_account_owner(account, rep, actor, reason, at), as_json)
    _done({"ok": True, "account": account, "owner": rep, "by": actor}, message, as_json)


def prequalified(lead: int, actor: As, as_json: Json = False, at: At = None) -> None:
    """Telesales: pass an accepted, qualified lead to the field (or, not qualified, to nurture)."""
    from leadflow.pipeline.telesales import pass_on

    message = _attempt(lambda: pass_on(lead, actor, at), as_json)
    _done({"ok": True, "lead_id": lead, "result": message}, message, as_json)


def register(app: typer.Typer) -> None:
    """Add the steering commands to the main CLI."""
    app.command("prequalified")(prequalified)
    app.add_typer(queue_app, name="queue")
    app.add_typer(pool_app, name="pool")
    app.add_typer(owner_app, name="owner")

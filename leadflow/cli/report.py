"""`leadflow report`, `leadflow plan` and `leadflow outcomes`: the funnel, attribution, planning."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.markup import escape
from rich.table import Table
from leadflow.cli.console import console, err, fail

outcomes_app = typer.Typer(
    help="Closed outcomes from the CRM: what became an opportunity, what was won.",
    no_args_is_help=True,
)
At = Annotated[
    Optional[datetime], typer.Option("--at", help="Report as of this moment (ISO 8601, UTC).")
]
PeriodOpt = Annotated[str, typer.Option("--period", help="Length of the period: 30d, 12w, 1q.")]
SHOWN = 20  # lines listed per kind; a 50k-row export should not flood the terminal
BAND_STYLE = {
    "excellent": "bold green",
    "watch": "bold yellow",
    "warning": "bold red",
    "no history": "dim",
}


def _length(period: str) -> timedelta:
    from leadflow.report.build import parse_period

    try:
        return parse_period(period)
    except ValueError as exc:
        fail(str(exc))
        raise


def rich_table(
    title: str, rows: list[dict[str, str]], empty: str = "nothing in this period"
) -> Table | str:
    if not rows:
        return f"[bold]{escape(title)}[/]: {escape(empty)}"
    table = Table(*rows[0].keys(), title=title, title_justify="left")
    for row in rows:
        table.add_row(*(escape(v) for v in row.values()))
    return table


def _health_table(report) -> Table:  # type: ignore[no-untyped-def]
    from leadflow.report.tables import health_rows

    rows = health_rows(report)
    table = Table(
        *rows[0].keys(), title="funnel health against the trailing norm", title_justify="left"
    )
    for h, row in zip(report.health, rows):
        table.add_row(
            *(escape(v) for v in list(row.values())[:-1]),
            f"[{BAND_STYLE[h.band]}]{escape(row['band'])}[/]",
        )
    return table


def load_report(length: timedelta, at: datetime | None):  # type: ignore[no-untyped-def]
    from leadflow.core.clock import as_utc
    from leadflow.core.db import session_scope
    from leadflow.report.build import build
    from leadflow.report.queries import load

    with session_scope() as session:
        return build(load(session, as_of=as_utc(at)), length)


def report(
    period: PeriodOpt = "30d",
    html: Annotated[
        Optional[Path], typer.Option("--html", help="Also write a static HTML page here.")
    ] = None,
    at: At = None,
) -> None:
    """The funnel, MQL/SQL gap, funnel health, attribution and reps for one period."""
    from leadflow.report import tables

    built = load_report(_length(period), at)
    console.print(
        f"[bold]leads created {built.window.start:%Y-%m-%d} to {built.window.end:%Y-%m-%d %H:%M} UTC[/]"
    )
    console.print(rich_table("funnel", tables.funnel_rows(built)))
    console.print(rich_table("MQL/SQL gap", tables.gap_rows(built)))
    console.print(_health_table(built))
    console.print(rich_table("campaigns (sourced)", tables.campaign_rows(built)))
    console.print(rich_table("campaign cost per outcome", tables.campaign_cost_rows(built)))
    console.print(
        rich_table(
            "won amount credited per campaign",
            tables.credit_rows(built),
            "no opportunities yet: import CRM outcomes",
        )
    )
    console.print(rich_table("reps", tables.rep_rows(built), "no leads offered to reps"))
    _targets(built.window.start, built.window.end)
    if html is not None:
        from leadflow.report.html import write

        console.print(f"HTML report written to {write(built, html)}")


def _targets(start: datetime, end: datetime) -> None:
    """Targets per territory, team and rep (routing.yaml `targets`), against this window."""
    from leadflow.routing.targets import target_rows

    def cell(row: dict, measure: str) -> str:  # type: ignore[type-arg]
        goal = row[f"{measure}_target"]
        return str(row[measure]) if goal is None else f"{row[measure]} / {goal}"

    rows = [
        {
            "scope": r["scope"],
            "key": r["key"],
            **{m: cell(r, m) for m in ("leads", "accepted", "effective")},
        }
        for r in target_rows(start, end)
    ]
    console.print(
        rich_table(
            "targets (actual / target for this period)",
            rows,
            "no targets in routing_rules/routing.yaml",
        )
    )


def plan(
    target_won: Annotated[int, typer.Option("--target-won", min=1, help="Deals to win.")],
    period: Annotated[
        str, typer.Option("--period", help="Measure conversion over this period.")
    ] = "90d",
    at: At = None,
) -> None:
    """Plan backwards: the leads, MQLs and SQLs a target of won deals needs, and from which channels."""
    from leadflow.core.clock import as_utc
    from leadflow.core.db import session_scope
    from leadflow.report import tables
    from leadflow.report.funnel import cohort
    from leadflow.report.plan import plan as make_plan
    from leadflow.report.queries import load
    from leadflow.report.rows import Window

    with session_scope() as session:
        data = load(session, as_of=as_utc(at))
    window = Window.ending(data.as_of, _length(period))
    result = make_plan(cohort(data.leads, window), data.campaigns, target_won)
    console.print(
        f"[bold]{target_won} won deals, at the rates of leads created "
        f"{window.start:%Y-%m-%d} to {window.end:%Y-%m-%d}[/]"
    )
    console.print(rich_table("needed per stage", tables.plan_rows(result)))
    if not result.reachable:
        console.print(
            f"[bold red]cannot plan:[/] no conversions measured at {result.blocked_at} in this period; "
            "import CRM outcomes or widen --period",
            soft_wrap=True,
        )
        raise typer.Exit(1)
    console.print(
        rich_table(
            "per channel (target shared by each channel's wins)", tables.channel_plan_rows(result)
        )
    )


@outcomes_app.command("import")
def outcomes_import(
    file: Annotated[Path, typer.Argument(help="CRM export (CSV) of opportunities.")],
    at: Annotated[Optional[datetime], typer.Option("--at", help="Import time (ISO 8601).")] = None,
) -> None:
    """Upsert closed and open opportunities by CRM id; unmatched rows are kept, bad rows listed."""
    from leadflow.core.db import session_scope
    from leadflow.report.outcomes import import_file

    if not file.is_file():
        fail(f"file not found: {file}")
    with session_scope() as session:
        result = import_file(session, file, at)
    console.print(
        f"{result.inserted} new, {result.updated} updated, {result.unchanged} unchanged; "
        f"{result.matched} matched to leads, {len(result.unmatched)} unmatched (kept), "
        f"{len(result.bad)} bad rows; {result.stage_changes} lifecycle stage changes",
        soft_wrap=True,
        highlight=False,
    )
    for line, who in result.unmatched[:SHOWN]:
        console.print(f"  unmatched line {line}: {escape(who)}", highlight=False)
    for line, reason in result.bad[:SHOWN]:
        err.print(f"  bad line {line}: {escape(reason)}", highlight=False)
    hidden = max(len(result.unmatched) - SHOWN, 0) + max(len(result.bad) - SHOWN, 0)
    if hidden:
        console.print(f"  ... and {hidden} more lines")


def register(app: typer.Typer) -> None:
    """Add the reporting commands to the main CLI."""
    app.command("report")(report)
    app.command("plan")(plan)
    app.add_typer(outcomes_app, name="outcomes")

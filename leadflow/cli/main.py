"""The leadflow command line."""

from __future__ import annotations

import json
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Optional

import typer
from rich.table import Table

from leadflow.cli import merges as cli_merges
from leadflow.cli import report as cli_report
from leadflow.cli import reps as cli_reps
from leadflow.cli import stack as cli_stack
from leadflow.cli import steer as cli_steer
from leadflow.cli import accounts as cli_accounts
from leadflow.cli import dedupe as cli_dedupe
from leadflow.cli.ab import ab_app
from leadflow.cli.activities import activities_app
from leadflow.cli.nurture import nurture_app
from leadflow.cli.person import person_app
from leadflow.cli.quarantine import quarantine_app
from leadflow.cli.rules import route_app, rules_app
from leadflow.cli.score import score_app
from leadflow.core.errors import LeadflowError
from leadflow.cli.console import console, err, fail
from leadflow.cli.progress import ProgressChoice, bar_wanted, polled_bar, say_if_temporary_server

if TYPE_CHECKING:
    from leadflow.core.summary import IngestSummary

app = typer.Typer(
    help="leadflow: campaign leads in, the right rep or the right nurture out.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
server_app = typer.Typer(help="The local Prefect server the demo starts.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(rules_app, name="rules")
app.add_typer(route_app, name="route")
app.add_typer(server_app, name="server")
app.add_typer(quarantine_app, name="quarantine")
app.add_typer(score_app, name="score")
app.add_typer(nurture_app, name="nurture")
app.add_typer(person_app, name="person")
app.add_typer(ab_app, name="ab")
app.add_typer(activities_app, name="activities")
cli_report.register(app)
cli_reps.register(app)
cli_merges.register(app)
cli_stack.register(app)
cli_steer.register(app)
cli_accounts.register(app)
cli_dedupe.register(app)

At = Annotated[Optional[datetime], typer.Option("--at", help="Simulated time (ISO 8601, UTC).")]


@app.callback()
def use_local_stack() -> None:
    """Every command talks to the stack `leadflow up` recorded, when it is up (no env vars)."""
    from leadflow.app.stack import adopt_stack
    from leadflow.core.settings import get_settings

    adopt_stack(get_settings())


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Create or migrate the schema to the latest version."""
    from leadflow.core.db import upgrade
    from leadflow.core.settings import get_settings

    upgrade()
    console.print(f"schema up to date at {get_settings().resolved_database_url}")
    _index_unkeyed_leads()


def _index_unkeyed_leads() -> None:
    """Leads stored before the match keys existed get them now, or fuzzy merges miss them."""
    from sqlalchemy import func, select

    from leadflow.dedupe.policy import load_matching
    from leadflow.core.db import session_scope
    from leadflow.dedupe.merging.fit import reindex
    from leadflow.core.models import Lead
    from leadflow.core.settings import get_settings

    with session_scope() as session:
        if session.scalar(select(func.count()).select_from(Lead).where(Lead.email_key.is_(None))):
            done = reindex(session, load_matching(get_settings().ingest_dir))
            console.print(f"match keys computed for {done} stored leads")


@app.command()
def ingest(
    source: Annotated[
        str, typer.Argument(help="Campaign file (CSV, TSV, XLSX, JSON, JSONL) or http(s) URL.")
    ],
    campaign: Annotated[str, typer.Option(help="Campaign name.")],
    channel: str = "other",
    product_line: Annotated[Optional[str], typer.Option()] = None,
    cost: Annotated[Optional[float], typer.Option()] = None,
    encoding: Annotated[
        Optional[str], typer.Option(help="Override encoding detection (e.g. gb18030).")
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print a machine-readable summary only.")
    ] = False,
    progress: ProgressChoice = None,
    chunks: Annotated[int, typer.Option(min=1, help=CHUNKS_HELP)] = 1,
    batch_size: Annotated[
        Optional[int],
        typer.Option(min=100, max=5000, help="Rows per batch (default: LEADFLOW_BATCH_SIZE)."),
    ] = None,
    at: At = None,
) -> None:
    """Ingest one campaign file through the ingest flow."""
    is_url = source.startswith(("http://", "https://"))
    if not is_url and not Path(source).is_file():
        fail(f"campaign file not found: {source}")
    from sqlalchemy.exc import SQLAlchemyError

    from flows.ingest import ingest_campaign
    from leadflow.core.db import db_error_message
    from leadflow.ingest.progress import campaign_counter, count_rows

    _check_ready(chunks)
    located = source if is_url else str(Path(source).resolve())
    show_bar = bar_wanted(err, False if as_json and progress is None else progress)
    total = count_rows(located, encoding) if show_bar and not is_url else None
    say_if_temporary_server(err)
    try:
        with polled_bar(
            err, f"ingest {campaign}", partial(campaign_counter, campaign), total, show_bar
        ):
            summary = ingest_campaign(
                source=located,
                campaign=campaign,
                channel=channel,
                product_line=product_line,
                cost=cost,
                encoding=encoding,
                batch_size=batch_size,
                chunks=chunks,
                now=at,
            )
    except LeadflowError as exc:
        fail(str(exc))
    except SQLAlchemyError as exc:  # one line, not a traceback; the message carries no row values
        fail(f"the database refused the run: {db_error_message(exc)}")
    if as_json:
        print(json.dumps(summary.as_dict(), ensure_ascii=False))
        return
    _print_ingest_summary(campaign, summary)


CHUNKS_HELP = (
    "Split the file into this many flow runs on the leadflow-process work pool; needs the "
    "stack (`leadflow up`) and workers (`prefect worker start --pool leadflow-process`)."
)


def _check_ready(chunks: int) -> None:
    """Policies load, and chunks have a persistent server whose workers can run them."""
    from leadflow.app.stack import require_persistent_server
    from leadflow.pipeline.policies import load_all

    try:
        load_all()
    except LeadflowError as exc:
        fail(str(exc))
    if chunks <= 1:
        return
    try:  # a temporary server has no workers: the chunks would wait forever
        require_persistent_server()
    except LeadflowError as exc:
        fail(f"--chunks runs on the leadflow-process pool of a persistent Prefect server ({exc})")


def _print_ingest_summary(campaign: str, summary: IngestSummary) -> None:
    from leadflow.ingest.normalize import alias_hint

    table = Table("measure", "value", title=f"ingest {campaign}")
    for row in summary.rows():
        table.add_row(str(row["measure"]), str(row["value"]))
    console.print(table)
    if summary.unknown_columns:
        console.print(
            "columns ignored as unknown; to map them, add under aliases: in "
            "ingest_rules/ingest.yaml:",
            highlight=False,
        )
        for header in summary.unknown_columns:
            console.print(alias_hint(header), highlight=False, markup=False)


@app.command()
def tick(at: At = None) -> None:
    """Run one nurture tick: send the sequence steps that are due."""
    from flows.nurture import nurture_tick

    say_if_temporary_server(err)
    console.print(nurture_tick(now=at))


@app.command()
def engage(at: At = None) -> None:
    """Re-score leads with new engagement and route the ones that turned hot."""
    from flows.engagement import process_engagement

    say_if_temporary_server(err)
    console.print(process_engagement(reason="cli", now=at))


@app.command()
def reclaim(at: At = None) -> None:
    """Return leads past their follow-up SLA to the pool."""
    from flows.reclaim import reclaim_sweep

    say_if_temporary_server(err)
    console.print(f"reclaimed {len(reclaim_sweep(now=at))} leads")


@app.command()
def click(token: str, at: At = None) -> None:
    """Record a click on a tracked link (what the web endpoint does), without HTTP."""
    from leadflow.engagement.record import notify_engaged, record_click

    found = record_click(token, at)
    if found is None:
        fail("not a valid click token")
    url, lead_id = found
    notify_engaged(lead_id, "click")
    console.print(f"click recorded for lead {lead_id}; the link goes to {url}")


@app.command()
def reject(
    lead: str,
    reason: Annotated[str, typer.Option(help="wrong_match or not_ready")],
    note: str = "",
    at: At = None,
) -> None:
    """A rep rejects a lead: wrong_match routes again (to someone else); not_ready goes to nurture."""
    from leadflow.core.db import session_scope
    from leadflow.pipeline.rep_actions import reroute
    from leadflow.report.views import find_lead
    from leadflow.routing.ownership import reject_lead

    try:
        with session_scope() as session:
            lead_id = find_lead(session, lead).id
        outcome = reject_lead(lead_id, reason, note, at)
    except (LeadflowError, ValueError) as exc:
        fail(str(exc))
    if outcome == "reroute":
        console.print(f"lead {lead_id} {reroute(lead_id, at)}")
    else:
        console.print(f"lead {lead_id} is back in the nurture pool")


@app.command()
def qualify(
    lead: str,
    model: Annotated[
        str, typer.Argument(help="bant, nine or value20 (scoring/qualification.yaml)")
    ],
    answers: Annotated[list[str], typer.Argument(help="question=yes|no ...")],
    source: Annotated[str, typer.Option(help="Who answered, e.g. rep:alice.morgan")] = "rep",
    timeframe: Annotated[Optional[int], typer.Option(help="Expected purchase in N months")] = None,
    at: At = None,
) -> None:
    """Record qualification answers (and the expected purchase time), then re-score the lead."""
    from leadflow.scoring.qualify import record_answers

    try:
        verdict, score = record_answers(lead, model, answers, source, timeframe, at)
    except (LeadflowError, ValueError) as exc:
        fail(str(exc))
        return
    console.print(f"{model}: {verdict.verdict} ({verdict.reason}); lead now {score}")


@app.command()
def accept(lead: str, at: At = None) -> None:
    """A rep accepts their lead: it becomes a sales-accepted lead (SQL)."""
    from leadflow.routing.ownership import accept_lead

    try:
        console.print(accept_lead(lead, at))
    except LeadflowError as exc:
        fail(str(exc))


@app.command()
def explain(
    lead: str,
    show_all: Annotated[
        bool, typer.Option("--all", help="Every decision with its inputs.")
    ] = False,
    as_json: Annotated[
        bool, typer.Option("--json", help="The lead and every decision as JSON.")
    ] = False,
) -> None:
    """Where a lead is and why; --all: every decision with rule, inputs and config version."""
    from leadflow.core.db import session_scope
    from leadflow.report.explain import render_summary, render_trace, trace_as_dict
    from leadflow.report.views import find_lead, trace

    try:
        with session_scope() as session:
            found = find_lead(session, lead)
            decisions = trace(session, found.id)
            if as_json:
                print(json.dumps(trace_as_dict(found, decisions), ensure_ascii=False, default=str))
                return
            console.print((render_trace if show_all else render_summary)(found, decisions))
    except LeadflowError as exc:
        fail(str(exc))


@app.command()
def serve() -> None:
    """Serve every deployment, and the web app unless the local stack runs it, from here."""
    from flows.serve_all import main
    from leadflow.app.stack import hostport, require_persistent_server, web_answers
    from leadflow.core.db import upgrade
    from leadflow.app.local_services import WebServer
    from leadflow.core.settings import get_settings

    try:
        api = require_persistent_server()
        upgrade()
    except LeadflowError as exc:
        fail(str(exc))
        return
    console.print(f"serving to the Prefect server at {api}")
    base_url = get_settings().public_base_url
    if web_answers(base_url):  # `leadflow up` runs it already
        console.print(f"web app on {base_url} (the local stack's)")
        main()
        return
    with WebServer(*hostport(base_url, 8470)):
        console.print(f"web app on {base_url}")
        main()


@app.command()
def demo() -> None:
    """Run the sample campaigns end to end on the local stack, and leave the stack running."""
    from leadflow.app.demo import run_demo

    try:
        stack = cli_stack.start_stack(console)
        run_demo(console, stack)
    except LeadflowError as exc:
        fail(str(exc))
        return
    console.print("[bold]explore it:[/]")
    cli_stack.print_urls(console, stack)
    console.print(f"  stop it with: {cli_stack.leadflow_command()} down (or make stop)")


@server_app.command("stop")
def server_stop() -> None:
    """Stop the local stack (the same as `leadflow down`)."""
    cli_stack.down_command()


if __name__ == "__main__":
    app()

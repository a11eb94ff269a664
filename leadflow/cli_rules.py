"""`leadflow rules ...` (check, test, schema) and `leadflow route simulate`.

Mount in leadflow/cli.py in place of its own rules app:

    from leadflow.cli_rules import route_app, rules_app
    app.add_typer(rules_app, name="rules")
    app.add_typer(route_app, name="route")

Exit codes: 2 for a broken policy or cases file (file:line named), 1 for failed golden cases
or, with --strict, for warnings from the rules check.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any, Optional

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from leadflow.errors import LeadflowError

rules_app = typer.Typer(help="Policy files (routing, scoring, sequences).", no_args_is_help=True)
route_app = typer.Typer(help="Routing previews.", no_args_is_help=True)
console = Console()
err = Console(stderr=True)

RulesDir = Annotated[Optional[Path], typer.Option("--rules", help="Routing rules folder (default: configured).")]
Strict = Annotated[bool, typer.Option("--strict", help="Warnings fail the check (exit 1).")]
Write = Annotated[bool, typer.Option("--write", help="Write schema.json into the rules folder.")]


def fail(message: str, code: int = 2) -> None:
    err.print(f"[bold red]error:[/] {escape(message)}", highlight=False, soft_wrap=True)
    raise typer.Exit(code)


def _routing(directory: Path | None) -> Any:
    from leadflow.config.routing import load_routing
    from leadflow.settings import get_settings

    try:
        return load_routing(directory or get_settings().routing_dir)
    except LeadflowError as exc:
        fail(str(exc))


@rules_app.command("check")
def rules_check(strict: Strict = False) -> None:
    """Validate every policy file (exit 2 naming file, line and field), then report routing
    rules that can never fire, rules that overlap, and lead shapes only the fallback takes."""
    from leadflow.domain.route_check import check_rules
    from leadflow.policies import load_all

    try:
        loaded = load_all()
    except LeadflowError as exc:
        fail(str(exc))
    for name, version in loaded.items():
        console.print(f"[green]ok[/] {name}: {version}")
    findings = check_rules(_routing(None))
    for finding in findings:
        colour = "yellow" if finding.severity == "warning" else "cyan"
        console.print(f"[{colour}]{finding.severity}[/] routing {finding.kind}: {escape(finding.message)}",
                      highlight=False, soft_wrap=True)
    warnings = sum(f.severity == "warning" for f in findings)
    if findings:
        console.print(f"routing rules: {warnings} warning(s), {len(findings) - warnings} note(s)")
    if strict and warnings:
        raise typer.Exit(1)


@rules_app.command("test")
def rules_test(
    cases: Annotated[Path, typer.Argument(help="A cases YAML file, or a folder of them.")],
    rules: RulesDir = None,
) -> None:
    """Route golden cases and compare rep or queue and rule; exit 1 on any mismatch."""
    from leadflow.domain.route_cases import run_cases

    if not cases.exists():
        fail(f"cases not found: {cases}")
    policy = _routing(rules)
    try:
        results = run_cases(cases, policy)
    except LeadflowError as exc:
        fail(str(exc))
    failed = [r for r in results if not r.passed]
    for result in results:
        mark = "[green]pass[/]" if result.passed else "[bold red]FAIL[/]"
        console.print(f"{mark} {escape(result.name)}", highlight=False)
    for result in failed:
        console.print(f"\n[bold red]FAIL[/] {escape(result.name)}", highlight=False)
        for line in result.diff:
            console.print(f"  {escape(line)}", highlight=False, soft_wrap=True)
        console.print("  trace:", highlight=False)
        console.print(escape(json.dumps(result.trace, ensure_ascii=False, indent=2)), highlight=False, soft_wrap=True)
    console.print(f"{len(results) - len(failed)} passed, {len(failed)} failed ({policy.config_version})")
    if failed:
        raise typer.Exit(1)


@rules_app.command("schema")
def rules_schema(write: Write = False, rules: RulesDir = None) -> None:
    """Print (or write) the JSON Schema of routing.yaml, generated from the model."""
    from leadflow.config.routing import routing_json_schema
    from leadflow.settings import get_settings

    text = json.dumps(routing_json_schema(), ensure_ascii=False, indent=2) + "\n"
    if not write:
        print(text, end="")
        return
    path = (rules or get_settings().routing_dir) / "schema.json"
    path.write_text(text, encoding="utf-8")
    console.print(f"wrote {path}")


@route_app.command("simulate")
def route_simulate(
    rules: Annotated[Path, typer.Option("--rules", help="Folder with the new routing.yaml.")],
    at: Annotated[Optional[datetime], typer.Option(
        "--at", help="Routing moment (ISO 8601, UTC); default the next hour the teams work.")] = None,
    temperature: Annotated[str, typer.Option(help="Leads of this temperature ('any' for all).")] = "hot",
    limit: Annotated[Optional[int], typer.Option(help="At most this many leads (oldest first).")] = None,
    owners: Annotated[bool, typer.Option(help="Give account owners their leads first, as routing does.")] = True,
    as_json: Annotated[bool, typer.Option("--json", help="Print the comparison as JSON.")] = False,
) -> None:
    """Route stored leads with the current and the new rules; show load per rep and what moves."""
    from leadflow.clock import as_utc
    from leadflow.domain.route_simulate import closed_teams, next_business_hour, simulate

    old, new = _routing(None), _routing(rules)
    try:
        leads = _stored_leads(temperature, limit, owners)
    except LeadflowError as exc:
        fail(str(exc))
    moment = as_utc(at) if at else next_business_hour(new, as_utc(None))
    closed = closed_teams(new, moment)
    result = simulate(leads, old, new, now=moment)
    if as_json:
        print(json.dumps({**result.as_dict(), "at": moment.isoformat(), "closed_teams": closed},
                         ensure_ascii=False, default=str))
        return
    how = "--at" if at else "the next hour the teams work; --at to choose"
    err.print(f"routing moment {moment:%a %Y-%m-%d %H:%M} UTC ({how})", highlight=False)
    if closed:
        err.print(f"closed then: {', '.join(closed)} (their leads go to the fallback; rules that need "
                  "them show as never firing)", highlight=False)
    _print_simulation(result, old.config_version, new.config_version)


def _stored_leads(temperature: str, limit: int | None, owners: bool) -> list[dict[str, Any]]:
    """Leads as routing sees them, with their account owner and the reps who rejected them."""
    from sqlalchemy import select

    from leadflow.db import session_scope
    from leadflow.domain.route import LEAD_KEYS
    from leadflow.models import Account, Assignment, Campaign, Lead

    fields = [f for f in LEAD_KEYS if f not in ("campaign", "channel")]  # those come from the campaign
    with session_scope() as session:
        query = select(Lead).order_by(Lead.id)
        if temperature != "any":
            query = query.where(Lead.temperature == temperature)
        rows = list(session.scalars(query.limit(limit) if limit else query))
        campaigns = {c.id: c for c in session.scalars(select(Campaign))}
        owner_of = dict(session.execute(select(Account.id, Account.owner_rep)).all()) if owners else {}
        rejected: dict[int, set[str]] = {}
        for lead_id, rep in session.execute(select(Assignment.lead_id, Assignment.rep).where(
                Assignment.status == "rejected", Assignment.reason == "wrong_match")):
            rejected.setdefault(lead_id, set()).add(rep)
        leads = []
        for row in rows:
            lead = {name: getattr(row, name, None) for name in fields}
            campaign = campaigns.get(row.first_campaign_id)
            lead.update(id=row.id, campaign=campaign.name if campaign else None,
                        channel=campaign.channel if campaign else None,
                        account_owner=owner_of.get(row.account_id), exclude=rejected.get(row.id, set()))
            leads.append(lead)
        return leads


def _print_simulation(result: Any, old_version: str, new_version: str) -> None:
    title = f"{result.leads} leads: {old_version} -> {new_version}"
    table = Table("rep or queue", "before", "after", "change", title=title)
    for name, before, after, change in result.load_rows():
        table.add_row(name, str(before), str(after), f"{change:+d}" if change else "")
    console.print(table)
    by_team = [m for m in result.moved if m.kind == "team"]
    console.print(f"{len(result.moved)} lead(s) would move: {len(by_team)} to another team or queue, "
                  f"{len(result.moved) - len(by_team)} within the same team (rotation order)")
    for m in by_team[:50]:
        console.print(f"  lead {m.lead_id}: {m.before} ({m.rule_before}) -> {m.after} ({m.rule_after})",
                      highlight=False)
    if len(by_team) > 50:
        console.print(f"  ... and {len(by_team) - 50} more (use --json for all)")
    if result.never_fired_after:
        console.print(f"rules that never fire with the new rules: {', '.join(result.never_fired_after)}")

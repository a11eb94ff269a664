"""`leadflow rules ...` (check, test, schema) and `leadflow route simulate`.

Mount in leadflow/cli/main.py in place of its own rules app:

    from leadflow.cli.rules import route_app, rules_app
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
from rich.markup import escape
from rich.table import Table

from leadflow.core.errors import LeadflowError
from leadflow.cli.console import console, err, fail
from leadflow.core.golden import CaseKind, CaseResult, case_files, case_kind
from leadflow.core.settings import get_settings
from leadflow.routing.cases import run_cases
from leadflow.scoring.cases import run_scoring_cases
from leadflow.scoring.engagement_policy import engagement_policy
from leadflow.scoring.policy import scoring_policy
from leadflow.core.statuses import AssignmentStatus

rules_app = typer.Typer(help="Policy files (routing, scoring, sequences).", no_args_is_help=True)
route_app = typer.Typer(help="Routing previews.", no_args_is_help=True)

RulesDir = Annotated[
    Optional[Path], typer.Option("--rules", help="Routing rules folder (default: configured).")
]
Strict = Annotated[bool, typer.Option("--strict", help="Warnings fail the check (exit 1).")]
Write = Annotated[bool, typer.Option("--write", help="Write schema.json into the rules folder.")]


def _routing(directory: Path | None) -> Any:
    from leadflow.routing.policy import load_routing

    try:
        return load_routing(directory or get_settings().routing_dir)
    except LeadflowError as exc:
        fail(str(exc))


def _scoring_never_matches() -> int:
    from leadflow.scoring.rules_check import never_matching

    messages = never_matching(scoring_policy())
    for message in messages:
        console.print(
            f"[yellow]warning[/] scoring never-matches: {escape(message)}",
            highlight=False,
            soft_wrap=True,
        )
    return len(messages)


@rules_app.command("check")
def rules_check(strict: Strict = False) -> None:
    """Validate every policy file (exit 2 naming file, line and field), then report routing
    rules that can never fire, rules that overlap, and lead shapes only the fallback takes."""
    from leadflow.nurture.dkim_signing import transport_warnings
    from leadflow.pipeline.policies import load_all
    from leadflow.routing.check import check_rules

    try:
        loaded = load_all()
    except LeadflowError as exc:
        fail(str(exc))
    for name, version in loaded.items():
        console.print(f"[green]ok[/] {name}: {version}")
    for warning in transport_warnings(get_settings()):
        console.print(
            f"[yellow]warning[/] mail: {escape(warning)}", highlight=False, soft_wrap=True
        )
    findings = check_rules(_routing(None))
    for finding in findings:
        colour = "yellow" if finding.severity == "warning" else "cyan"
        console.print(
            f"[{colour}]{finding.severity}[/] routing {finding.kind}: {escape(finding.message)}",
            highlight=False,
            soft_wrap=True,
        )
    warnings = sum(f.severity == "warning" for f in findings)
    if findings:
        console.print(f"routing rules: {warnings} warning(s), {len(findings) - warnings} note(s)")
    warnings += _scoring_never_matches()
    if strict and warnings:
        raise typer.Exit(1)


@rules_app.command("test")
def rules_test(
    cases: Annotated[
        Optional[Path],
        typer.Argument(
            help="A cases YAML file or a folder of them; default: the routing and scoring cases."
        ),
    ] = None,
    rules: RulesDir = None,
) -> None:
    """Run golden cases (routing: rule, rep, team or queue; scoring: points, rules, temperature)
    and compare them with what the policy decides; exit 1 on any mismatch."""
    settings = get_settings()
    paths = [cases] if cases else [settings.routing_dir / "cases", settings.scoring_dir / "cases"]
    missing = [str(path) for path in paths if not path.exists()]
    if missing:
        fail(f"cases not found: {', '.join(missing)}")
    try:
        results, versions = _run_golden(paths, rules)
    except LeadflowError as exc:
        fail(str(exc))
    _report_golden(results, versions)


def _run_golden(paths: list[Path], rules: Path | None) -> tuple[list[CaseResult], list[str]]:
    """Every case file under ``paths``, each run against the policy its `kind` names."""
    results: list[CaseResult] = []
    versions: dict[str, str] = {}
    for path in (f for p in paths for f in case_files(p)):
        if case_kind(path) is CaseKind.SCORING:
            icp, signals = scoring_policy(), engagement_policy()
            results += run_scoring_cases(path, icp, signals)
            versions["scoring"] = f"{icp.config_version}, {signals.config_version}"
        else:
            policy = _routing(rules)
            results += run_cases(path, policy)
            versions["routing"] = policy.config_version
    return results, list(versions.values())


def _report_golden(results: list[CaseResult], versions: list[str]) -> None:
    failed = [r for r in results if not r.passed]
    for result in results:
        mark = "[green]pass[/]" if result.passed else "[bold red]FAIL[/]"
        console.print(f"{mark} {escape(result.name)}", highlight=False)
    for result in failed:
        console.print(f"\n[bold red]FAIL[/] {escape(result.name)}", highlight=False)
        for line in result.diff:
            console.print(f"  {escape(line)}", highlight=False, soft_wrap=True)
        console.print("  trace:", highlight=False)
        console.print(
            escape(json.dumps(result.trace, ensure_ascii=False, indent=2)),
            highlight=False,
            soft_wrap=True,
        )
    console.print(
        f"golden cases: {len(results) - len(failed)} passed, {len(failed)} failed "
        f"({'; '.join(versions)})"
    )
    if failed:
        raise typer.Exit(1)


@rules_app.command("schema")
def rules_schema(write: Write = False, rules: RulesDir = None) -> None:
    """Print (or write) the JSON Schema of routing.yaml, generated from the model."""
    from leadflow.routing.policy import routing_json_schema

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
    at: Annotated[
        Optional[datetime],
        typer.Option(
            "--at",
            help="Routing moment (ISO 8601, UTC); default the next hour the teams work.",
        ),
    ] = None,
    temperature: Annotated[
        str, typer.Option(help="Leads of this temperature ('any' for all).")
    ] = "hot",
    limit: Annotated[
        Optional[int], typer.Option(help="At most this many leads (oldest first).")
    ] = None,
    owners: Annotated[
        bool, typer.Option(help="Give account owners their leads first, as routing does.")
    ] = True,
    as_json: Annotated[bool, typer.Option("--json", help="Print the comparison as JSON.")] = False,
) -> None:
    """Route stored leads with the current and the new rules; show load per rep and what moves."""
    from leadflow.core.clock import as_utc
    from leadflow.routing.simulate import closed_teams, next_business_hour, simulate

    old, new = _routing(None), _routing(rules)
    try:
        leads = _stored_leads(temperature, limit, owners)
    except LeadflowError as exc:
        fail(str(exc))
    moment = as_utc(at) if at else next_business_hour(new, as_utc(None))
    closed = closed_teams(new, moment)
    result = simulate(leads, old, new, now=moment)
    if as_json:
        print(
            json.dumps(
                {**result.as_dict(), "at": moment.isoformat(), "closed_teams": closed},
                ensure_ascii=False,
                default=str,
            )
        )
        return
    how = "--at" if at else "the next hour the teams work; --at to choose"
    err.print(f"routing moment {moment:%a %Y-%m-%d %H:%M} UTC ({how})", highlight=False)
    if closed:
        err.print(
            f"closed then: {', '.join(closed)} (their leads go to the fallback; rules "
            "that need them show as never firing)",
            highlight=False,
        )
    _print_simulation(result, old.config_version, new.config_version)


def _stored_leads(temperature: str, limit: int | None, owners: bool) -> list[dict[str, Any]]:
    """Leads as routing sees them, with their account owner and the reps who rejected them."""
    from sqlalchemy import select

    from leadflow.core.db import session_scope
    from leadflow.routing.route import LEAD_KEYS
    from leadflow.core.models import Account, Assignment, Campaign, Lead

    fields = [
        f for f in LEAD_KEYS if f not in ("campaign", "channel")
    ]  # those come from the campaign
    with session_scope() as session:
        query = select(Lead).order_by(Lead.id)
        if temperature != "any":
            query = query.where(Lead.temperature == temperature)
        rows = list(session.scalars(query.limit(limit) if limit else query))
        campaigns = {c.id: c for c in session.scalars(select(Campaign))}
        owner_of = (
            dict(session.execute(select(Account.id, Account.owner_rep)).all()) if owners else {}
        )
        rejected: dict[int, set[str]] = {}
        for lead_id, rep in session.execute(
            select(Assignment.lead_id, Assignment.rep).where(
                Assignment.status == AssignmentStatus.REJECTED, Assignment.reason == "wrong_match"
            )
        ):
            rejected.setdefault(lead_id, set()).add(rep)
        leads = []
        for row in rows:
            lead = {name: getattr(row, name, None) for name in fields}
            campaign = campaigns.get(row.first_campaign_id)
            lead.update(
                id=row.id,
                campaign=campaign.name if campaign else None,
                channel=campaign.channel if campaign else None,
                account_owner=owner_of.get(row.account_id),
                exclude=rejected.get(row.id, set()),
            )
            leads.append(lead)
        return leads


def _print_simulation(result: Any, old_version: str, new_version: str) -> None:
    title = f"{result.leads} leads: {old_version} -> {new_version}"
    table = Table("rep or queue", "before", "after", "change", title=title)
    for name, before, after, change in result.load_rows():
        table.add_row(name, str(before), str(after), f"{change:+d}" if change else "")
    console.print(table)
    by_team = [m for m in result.moved if m.kind == "team"]
    console.print(
        f"{len(result.moved)} lead(s) would move: {len(by_team)} to another team or queue, "
        f"{len(result.moved) - len(by_team)} within the same team (rotation order)"
    )
    for m in by_team[:50]:
        console.print(
            f"  lead {m.lead_id}: {m.before} ({m.rule_before}) -> {m.after} ({m.rule_after})",
            highlight=False,
        )
    if len(by_team) > 50:
        console.print(f"  ... and {len(by_team) - 50} more (use --json for all)")
    if result.never_fired_after:
        console.print(
            f"rules that never fire with the new rules: {', '.join(result.never_fired_after)}"
        )

"""`leadflow person`: a person's data (export, erase), their consent and their language.

Mount with ``app.add_typer(person_app, name="person")``.
"""

from __future__ import annotations

import json
from datetime import datetime
from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer

from leadflow.cli.console import console, fail
from leadflow.core.errors import LeadflowError

person_app = typer.Typer(
    help="A person's data: export, erase, consent, language.", no_args_is_help=True
)
At = Annotated[Optional[datetime], typer.Option("--at", help="Simulated time (ISO 8601, UTC).")]


class PurposeOption(str, Enum):
    marketing_email = "marketing_email"
    tracking = "tracking"


class BasisOption(str, Enum):
    consent = "consent"
    legitimate_interest = "legitimate_interest"
    contract = "contract"
    legal_obligation = "legal_obligation"


@person_app.command("export")
def export(
    email: str,
    out: Annotated[Path, typer.Option("--out", help="Folder for the files.")] = Path("."),
    at: At = None,
) -> None:
    """Write everything held about EMAIL: <out>/<email>.json (by table) and .csv."""
    from leadflow.privacy.service import export_person

    try:
        json_path, csv_path = export_person(email, out, at)
    except LeadflowError as exc:
        fail(str(exc))
    console.print(f"wrote {json_path} and {csv_path}", highlight=False)


@person_app.command("erase")
def erase(
    email: str,
    yes: Annotated[bool, typer.Option("--yes", help="Do it (no prompt).")] = False,
    at: At = None,
) -> None:
    """Erase EMAIL's personal data everywhere; a salted hash stays: never mailed again."""
    from leadflow.privacy.service import erase as erase_person

    if not yes and not typer.confirm(f"Erase everything held about {email}? This cannot be undone"):
        raise typer.Exit(1)
    try:
        report = erase_person(email, at)
    except LeadflowError as exc:
        fail(str(exc))
    changed = ", ".join(f"{t} {n}" for t, n in sorted(report.redacted.items())) or "none"
    console.print(
        f"erased lead(s) {report.lead_ids}; copies removed from: {changed}", highlight=False
    )


@person_app.command("consent")
def consent(
    email: str,
    purpose: PurposeOption,
    source: Annotated[str, typer.Option(help="e.g. form:contact-us")],
    withdraw: Annotated[bool, typer.Option("--withdraw", help="Record a withdrawal.")] = False,
    basis: BasisOption = BasisOption.consent,
    evidence: Annotated[
        str, typer.Option(help="JSON: the form, row or message it came from.")
    ] = "{}",
    at: At = None,
) -> None:
    """Record a grant (or --withdraw) of consent for one purpose, with its source and evidence."""
    from leadflow.core.clock import as_utc
    from leadflow.core.db import session_scope
    from leadflow.nurture.consent import LawfulBasis, Purpose
    from leadflow.nurture.consent_store import record_consent
    from leadflow.report.views import find_lead

    try:
        proof = json.loads(evidence)
    except json.JSONDecodeError as exc:
        fail(f"--evidence is not JSON: {exc}")
    try:
        with session_scope() as session:
            lead = find_lead(session, email)
            record_consent(
                session,
                lead_id=lead.id,
                purpose=Purpose(purpose.value),
                granted=not withdraw,
                basis=LawfulBasis(basis.value),
                source=source,
                evidence=proof,
                at=as_utc(at),
            )
    except LeadflowError as exc:
        fail(str(exc))
    console.print(
        f"{purpose.value} {'withdrawn' if withdraw else 'granted'} for {email}", highlight=False
    )


@person_app.command("locale")
def locale(
    email: str, tag: Annotated[str, typer.Argument(help="e.g. zh-CN, or 'auto' to infer again")]
) -> None:
    """Set the language EMAIL reads (overrides country, province and name)."""
    from sqlalchemy import update

    from leadflow.core.db import session_scope
    from leadflow.core.models import Lead
    from leadflow.nurture.locale import babel_locale
    from leadflow.report.views import find_lead

    try:
        chosen = None if tag == "auto" else tag
        if chosen:
            babel_locale(chosen)
        with session_scope() as session:
            lead = find_lead(session, email)
            session.execute(update(Lead).where(Lead.id == lead.id).values(locale=chosen))
    except (LeadflowError, ValueError) as exc:
        fail(str(exc))
    console.print(
        f"{email} reads {chosen or 'the language inferred from their data'}", highlight=False
    )

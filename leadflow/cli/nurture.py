"""`leadflow nurture`: preview a step, suppress an address, and settle emails whose fate is unknown.

Mount with ``app.add_typer(nurture_app, name="nurture")``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from email import message_from_bytes
from email import policy as email_policy
from enum import Enum
from typing import Annotated, Any, Optional

import typer
from rich.markup import escape

from leadflow.core.errors import LeadflowError
from leadflow.cli.console import console, err, fail
from leadflow.core.statuses import EnrollmentStatus, OutboxStatus

nurture_app = typer.Typer(
    help="Nurture: preview steps, the suppression list, emails of unknown fate.",
    no_args_is_help=True,
)
At = Annotated[Optional[datetime], typer.Option("--at", help="Simulated time (ISO 8601, UTC).")]


class Reason(str, Enum):
    manual = "manual"
    unsubscribed = "unsubscribed"
    hard_bounce = "hard_bounce"
    complained = "complained"


class Resolution(str, Enum):
    sent = "sent"  # the mail server log shows it was delivered
    resend = "resend"  # it was not: queue it again (same Message-ID)
    drop = "drop"  # leave it unsent


def _preview_row(
    session: Any, lead: Any, sequence_key: str, index: int
) -> tuple[dict[str, Any], str | None]:
    """The row the outbox would compose from; the queued one when it exists (same tokens)."""
    from sqlalchemy import select

    from leadflow.nurture.compose import LEAD_COLUMNS
    from leadflow.core.models import Campaign, Enrollment, OutboundEmail

    enrollment = session.scalar(
        select(Enrollment).where(Enrollment.lead_id == lead.id, Enrollment.sequence == sequence_key)
    )
    queued = (
        session.scalar(
            select(OutboundEmail)
            .where(OutboundEmail.enrollment_id == enrollment.id, OutboundEmail.step == index)
            .order_by(OutboundEmail.id.desc())
        )
        if enrollment
        else None
    )
    campaign = session.get(Campaign, lead.first_campaign_id) if lead.first_campaign_id else None
    note = None if queued else "not queued yet: tracking tokens will carry the outbox id once it is"
    if enrollment is None:
        note = f"lead {lead.id} is not enrolled in {sequence_key}; showing what step {index + 1} would be"
    row = {f"l_{name}": getattr(lead, name) for name in LEAD_COLUMNS}
    row |= {
        "id": queued.id if queued else 0,
        "kind": "nurture",
        "lead_id": lead.id,
        "to_addr": lead.email,
        "step": index,
        "message_id": queued.message_id if queued else None,
        "sequence": sequence_key,
        "enrollment_status": enrollment.status if enrollment else EnrollmentStatus.ACTIVE,
        "attempts": 0,
        "campaign_name": campaign.name if campaign else None,
        "dedupe_key": None,
    }
    return row, note


@dataclass
class _Preview:
    """What preview found: the composed message (or why none), and what decides when it goes."""

    address: str
    note: str | None
    composed: Any  # a composed message, or a str saying why the step would not be sent
    sends: list[datetime]  # the lead's earlier nurture sends: the send cap counts them
    zone: Any
    calendar: Any


@nurture_app.command("preview")
def preview(
    sequence: Annotated[str, typer.Argument(help="Sequence key, e.g. nurture-core")],
    step: Annotated[int, typer.Argument(help="Step number, from 1")],
    lead: Annotated[str, typer.Option("--lead", help="Lead id or email")],
    raw: Annotated[
        bool, typer.Option(help="Print the message exactly as it would go over SMTP")
    ] = False,
    at: At = None,
) -> None:
    """Render exactly what this step would send this lead (subject, text, HTML); sends and writes nothing."""
    from leadflow.core.clock import as_utc
    from leadflow.nurture.policy import load_nurture
    from leadflow.nurture.send_window import plan_send
    from leadflow.core.settings import get_settings

    settings, moment = get_settings(), as_utc(at)
    try:
        policy = load_nurture(settings.templates_dir)
        chosen = next((s for s in policy.sequences if s.key == sequence), None)
        if chosen is None:
            fail(
                f"no sequence {sequence!r}; there are: {', '.join(s.key for s in policy.sequences)}"
            )
        if not 1 <= step <= len(chosen.steps):
            fail(f"{sequence} has steps 1 to {len(chosen.steps)}")
        found = _compose_preview(settings, policy, chosen, step - 1, lead)
    except LeadflowError as exc:
        fail(str(exc))
        return
    if isinstance(found.composed, str):
        fail(f"step {step} would not be sent to {found.address}: {found.composed}", code=1)
        return
    when = plan_send(
        moment, found.calendar, chosen.steps[step - 1].timing, found.sends, policy.send_policy.cap
    )
    if raw:
        print(found.composed.data.decode("ascii"), end="")
        return
    _print_preview(found, when)


def _compose_preview(settings: Any, policy: Any, chosen: Any, index: int, lead: str) -> _Preview:
    """Compose the step for the lead as the outbox would, then roll back: no trace is left."""
    from sqlalchemy import select

    from leadflow.core.clock import as_utc
    from leadflow.core.db import session_scope
    from leadflow.core.models import OutboundEmail
    from leadflow.nurture.compose import Composer
    from leadflow.nurture.consent_store import consent_facts
    from leadflow.nurture.outbox import suppressions
    from leadflow.nurture.plan import Planner
    from leadflow.nurture.render_steps import Renderer
    from leadflow.report.views import find_lead

    with session_scope() as session:
        found = find_lead(session, lead)
        row, note = _preview_row(session, found, chosen.key, index)
        composer = Composer(
            settings,
            policy,
            Renderer(settings.templates_dir),
            consent=consent_facts(session, [found.id]),
        )
        composed = composer.compose(row, suppressions(session, [found.email]), [])
        sends = [
            as_utc(t)
            for t in session.scalars(
                select(OutboundEmail.sent_at).where(
                    OutboundEmail.lead_id == found.id,
                    OutboundEmail.kind == "nurture",
                    OutboundEmail.sent_at.is_not(None),
                )
            )
        ]
        planner = Planner(policy)
        zone = planner.zone(found.country, found.state, found.phone_e164)
        calendar = planner.calendar(chosen, zone, found.country)
        preview = _Preview(found.email, note, composed, sends, zone, calendar)
        session.rollback()  # a preview leaves no trace
    return preview


def _print_preview(found: _Preview, when: Any) -> None:
    """The headers, when it would go (and why then), any note, then the text and HTML parts."""
    message = message_from_bytes(found.composed.data, policy=email_policy.default)
    for name in (
        "From",
        "To",
        "Subject",
        "Message-ID",
        "List-Unsubscribe",
        "List-Unsubscribe-Post",
    ):
        console.print(
            f"[bold]{name}:[/] {escape(str(message[name] or ''))}", highlight=False, soft_wrap=True
        )
    zone = found.zone
    local = when.at.astimezone(zone.zone)
    timing = (
        f"deferred ({when.rule}) to {local:%a %Y-%m-%d %H:%M}"
        if when.deferred
        else f"now, {local:%a %H:%M}"
    )
    console.print(
        f"[bold]When:[/] {timing} {zone.zone.key} (zone from {zone.source})", highlight=False
    )
    if found.note:
        console.print(f"[yellow]note:[/] {escape(found.note)}", highlight=False)
    for part in ("plain", "html"):
        body = message.get_body(preferencelist=(part,))
        console.rule(f"{part} part")
        console.print(
            escape(body.get_content().replace("\r\n", "\n")) if body else "(missing)",
            highlight=False,
            soft_wrap=True,
        )


@nurture_app.command("suppress")
def suppress_cmd(
    email: str,
    reason: Annotated[
        Reason, typer.Option(help="Why this address must not be mailed")
    ] = Reason.manual,
    note: Annotated[str, typer.Option(help="Free text kept with the entry")] = "",
    at: At = None,
) -> None:
    """Add an address to the global suppression list; every sequence stops mailing it at once."""
    from sqlalchemy import func, select, update

    from leadflow.core.clock import as_utc
    from leadflow.core.db import session_scope
    from leadflow.core.decisions import record
    from leadflow.core.models import Enrollment, Lead
    from leadflow.nurture.outbox import suppress

    moment, address = as_utc(at), email.strip().lower()
    if "@" not in address:
        fail(f"not an email address: {email}")
    with session_scope() as session:
        added = suppress(session, address, reason.value, note or None, moment)
        lead_id = session.scalar(select(Lead.id).where(func.lower(Lead.email) == address))
        if lead_id is not None:
            session.execute(
                update(Enrollment)
                .where(Enrollment.lead_id == lead_id, Enrollment.status == EnrollmentStatus.ACTIVE)
                .values(
                    status=EnrollmentStatus.EXITED,
                    exit_reason=f"suppressed: {reason.value}",
                    ended_at=moment,
                )
            )
        record(
            session,
            lead_id=lead_id,
            kind="suppress",
            rule_id=f"suppression:{reason.value}",
            outcome=f"suppressed: {reason.value}" if added else "already suppressed",
            reason=note or f"{reason.value} (command line)",
            inputs={"email": address},
            at=moment,
        )
    console.print(
        f"{address} {'suppressed' if added else 'was already suppressed'} ({reason.value})"
    )


@nurture_app.command("unknown")
def unknown() -> None:
    """Emails whose delivery is unknown (a crash or a broken connection mid-send): check, then resolve."""
    from sqlalchemy import select

    from leadflow.core.db import session_scope
    from leadflow.core.models import OutboundEmail

    with session_scope() as session:
        rows = session.scalars(
            select(OutboundEmail)
            .where(OutboundEmail.status.in_((OutboxStatus.UNKNOWN, OutboxStatus.SENDING)))
            .order_by(OutboundEmail.id)
        ).all()
    # One plain line per email (never wrapped or cut), so Message-IDs can be copied or grepped.
    for row in rows:
        claimed = f"{row.claimed_at:%Y-%m-%d %H:%M}" if row.claimed_at else "-"
        print(
            f"{row.id}\t{row.status}\t{row.to_addr}\t{row.message_id or '-'}\tclaimed {claimed}\t{row.error or ''}"
        )
    err.print(
        f"{len(rows)} email(s) of unknown fate. Look each Message-ID up in the mail server log, then: "
        "leadflow nurture resolve ID... --as sent|resend|drop (or --all for every unknown one)",
        highlight=False,
        soft_wrap=True,
    )


@nurture_app.command("resolve")
def resolve(
    outcome: Annotated[
        Resolution,
        typer.Option("--as", help="sent: it went; resend: queue again; drop: give up"),
    ],
    outbox_ids: Annotated[
        Optional[list[int]], typer.Argument(help="Outbox ids (see: leadflow nurture unknown)")
    ] = None,
    every: Annotated[
        bool, typer.Option("--all", help="Every email of unknown fate, in one go")
    ] = False,
    note: str = "",
    by: Annotated[str, typer.Option("--by", help="Who checked; default: your login")] = "",
    at: At = None,
) -> None:
    """A person settles emails of unknown fate (some ids, or --all); each choice is a decision."""
    import getpass

    from leadflow.core.clock import as_utc
    from leadflow.core.db import session_scope
    from leadflow.nurture.outbox_resolve import UnknownRows, resolve_unknown

    if not outbox_ids and not every:
        fail("name the outbox ids to settle, or --all; see: leadflow nurture unknown")
    try:
        with session_scope() as session:
            done = resolve_unknown(
                session,
                None if every else outbox_ids,
                outcome.value,
                note,
                as_utc(at),
                by or getpass.getuser(),
            )
    except UnknownRows as exc:
        fail(f"{exc}; see: leadflow nurture unknown")
        return
    after = " (they go out on the next tick)" if outcome is Resolution.resend else ""
    console.print(f"{len(done)} outbox row(s) settled as {outcome.value}{after}: {done}")

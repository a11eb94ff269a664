"""`leadflow demo`: the sample campaigns end to end on the local stack (`leadflow up`).

Simulated clock: the sample timeline (from DEMO_START) moved by whole weeks to end within
the last week, so rep links work afterwards; a second run in the same week replays the same
moments and, being idempotent, sends nothing again.
"""

from __future__ import annotations

import os
import re
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import requests
import yaml
from prefect.settings import PREFECT_API_URL, PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings
from rich.console import Console
from rich.table import Table
from sqlalchemy import select

from leadflow.app.local_services import read_mail
from leadflow.app.stack import StackRecord
from leadflow.core.db import session_scope, upgrade
from leadflow.core.models import EngagementEvent, Lead, OutboundEmail
from leadflow.core.settings import PROJECT_ROOT, get_settings, reset_settings
from leadflow.pipeline.policies import load_all
from leadflow.report.views import Totals, totals
from leadflow.core.statuses import OutboxStatus

DEMO_START = datetime(2026, 11, 9, 14, 0, tzinfo=timezone.utc)  # a Monday, New York 09:00
LAST_STEP = timedelta(days=3, hours=2)  # the reclaim sweep, after the last campaign's ingest
# The demo's week ends at most a week ago, so its rep links must outlive the usual 72 h.
DEMO_REP_LINK_TTL_HOURS = 14 * 24
EXAMPLES = PROJECT_ROOT / "examples"
CLICK_LINK = re.compile(r"https?://\S+/c/[\w.\-]+")


def _run(flow, **params):  # type: ignore[no-untyped-def]
    """Run a flow; (None, flow run id). A failed run raises its error.

    The demo reads its figures from the database, not from flow results: a final state
    read back from the API carries no result data (results are not persisted).
    """
    state = flow(**params, return_state=True)
    if state.is_failed() or state.is_crashed():
        state.result()  # raises the flow's own error
    return None, str(state.state_details.flow_run_id)


def _moment(value: object) -> datetime | None:
    if value is None:
        return None
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def _pick_lead_to_click() -> tuple[int, str] | None:
    """The warmest nurtured lead with a nurture email; None once a demo run has clicked."""
    with session_scope() as session:
        if session.scalar(
            select(EngagementEvent.id).where(EngagementEvent.type == "click").limit(1)
        ):
            return None  # replaying the demo replays, it does not click someone new
        candidates = session.execute(
            select(Lead.id, Lead.email)
            .join(OutboundEmail, OutboundEmail.lead_id == Lead.id)
            .where(
                Lead.temperature == "warm",
                OutboundEmail.kind == "nurture",
                OutboundEmail.status == OutboxStatus.SENT,
            )
            .order_by(Lead.score.desc(), Lead.id)
        ).first()
        return (candidates.id, candidates.email) if candidates else None


def _click_link_in_mail(mail_dir: Path, to_addr: str) -> str | None:
    for message in read_mail(mail_dir):
        if message["To"] == to_addr and message["List-Unsubscribe"]:
            text = message.get_body(preferencelist=("plain",)).get_content()
            found = CLICK_LINK.search(text)
            if found:
                return found.group(0)
    return None


def _emails_sent() -> int:
    with session_scope() as session:
        return sum(totals(session).emails.values())


def _summary_table(t: Totals, sent_this_run: int, clicked: str | None) -> Table:
    table = Table("measure", "value", title="leadflow demo: all campaigns so far")
    rows = [
        ("rows read", t.rows_read),
        ("quarantined", t.quarantined),
        ("merged (duplicates)", t.merged),
        ("leads", t.leads),
        (
            "hot / warm / cold / disqualified",
            f"{t.temperature.get('hot', 0)} / {t.temperature.get('warm', 0)}"
            f" / {t.temperature.get('cold', 0)} / {t.temperature.get('disqualified', 0)}",
        ),
        (
            "routed, per rep",
            ", ".join(f"{rep} {n}" for rep, n in sorted(t.routed_per_rep.items())) or "-",
        ),
        (
            "assignments by status",
            ", ".join(f"{s} {n}" for s, n in sorted(t.assignments.items())) or "-",
        ),
        (
            "emails sent (rep / nurture)",
            f"{t.emails.get('rep_notification', 0)} / {t.emails.get('nurture', 0)}",
        ),
        ("emails sent by this run", sent_this_run),
        ("clicked in this run", clicked or "no new click (already clicked on an earlier run)"),
        ("routed after nurture engagement", t.routed_from_nurture),
    ]
    for name, value in rows:
        table.add_row(name, str(value))
    return table


def demo_shift(campaigns: list[dict[str, Any]], now: datetime) -> timedelta:
    """Whole weeks that move the demo's timeline to end at most a week before ``now``.

    Whole weeks keep every weekday and hour (so routing, which honours office hours, gives
    the same answers every time), and the dates stay recent enough for the rep links to work.
    """
    starts = [_moment(c.get("ingest_at")) for c in campaigns]
    last = max([s for s in starts if s] or [DEMO_START]) + LAST_STEP
    return timedelta(weeks=(now - last) // timedelta(weeks=1))


def _ingest_all(
    campaigns: list[dict[str, Any]], shift: timedelta, runs: list[tuple[str, str]]
) -> datetime:
    from flows.ingest import ingest_campaign

    start = DEMO_START + shift
    for c in campaigns:
        start = (_moment(c.get("ingest_at")) or start - shift) + shift
        _, run_id = _run(
            ingest_campaign,
            source=str(EXAMPLES / c["file"]),
            campaign=c["name"],
            channel=c["channel"],
            product_line=c.get("product_line"),
            cost=c.get("cost"),
            now=start,
        )
        runs.append((f"ingest {c['name']}", run_id))
    return start


def _click_one(console: Console, mail_dir: Path) -> str | None:
    pick = _pick_lead_to_click()
    link = _click_link_in_mail(mail_dir, pick[1]) if pick else None
    if not (pick and link):
        return None
    answer = requests.get(link, allow_redirects=False, timeout=10)
    console.print(
        f"clicked {link} for {pick[1]}: HTTP {answer.status_code} -> "
        f"{answer.headers.get('location')}"
    )
    return f"lead {pick[0]} ({pick[1]})"


def _use_demo_link_ttl() -> None:
    if "LEADFLOW_REP_LINK_TTL_HOURS" not in os.environ:
        os.environ["LEADFLOW_REP_LINK_TTL_HOURS"] = str(DEMO_REP_LINK_TTL_HOURS)
        reset_settings()


def run_demo(console: Console, stack: StackRecord, now: datetime | None = None) -> None:
    """The sample campaigns end to end on the local stack, which keeps running afterwards."""
    from flows.engagement import process_engagement
    from flows.nurture import nurture_tick
    from flows.reclaim import reclaim_sweep

    _use_demo_link_ttl()
    settings = get_settings()
    upgrade()
    console.print(f"policies ok: {load_all()}")
    listed = yaml.safe_load((EXAMPLES / "campaigns.yaml").read_text(encoding="utf-8"))
    campaigns = listed["campaigns"]
    shift = demo_shift(campaigns, now or datetime.now(timezone.utc))
    sent_before = _emails_sent()
    runs: list[tuple[str, str]] = []
    with temporary_settings(
        {PREFECT_API_URL: stack.prefect_api_url, PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}
    ):
        start = _ingest_all(campaigns, shift, runs)
        _, run_id = _run(nurture_tick, now=start + timedelta(hours=1))
        runs.append(("nurture tick (+1 h)", run_id))
        clicked = _click_one(console, settings.mail_dir)
        _, run_id = _run(process_engagement, reason="click", now=start + timedelta(hours=2))
        runs.append(("engagement re-score (+2 h)", run_id))
        _, run_id = _run(nurture_tick, now=start + timedelta(days=3, hours=1))
        runs.append(("nurture tick (+3 d)", run_id))
        _, run_id = _run(reclaim_sweep, now=start + LAST_STEP)
        runs.append(("reclaim sweep (+3 d)", run_id))
    with session_scope() as session:
        console.print(_summary_table(totals(session), _emails_sent() - sent_before, clicked))
    console.print(
        f"simulated dates: {DEMO_START + shift:%Y-%m-%d} to {start + LAST_STEP:%Y-%m-%d %H:%M} UTC"
    )
    console.print("[bold]flow runs of this demo in the Prefect UI:[/]")
    for name, run_id in runs:
        link = f"{stack.prefect_ui_url}/runs/flow-run/{run_id}"
        console.print(f"  {name:<36} {link}", highlight=False, soft_wrap=True)

"""`leadflow demo`: the sample campaigns end to end on the embedded default.

Simulated clock: everything happens on a fixed timeline starting DEMO_START, so a
second run replays the same moments and, being idempotent, sends nothing again.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import urlparse

import requests
import yaml
from prefect.settings import PREFECT_API_URL, PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings
from rich.console import Console
from rich.table import Table
from sqlalchemy import select

from leadflow.core.db import session_scope, upgrade
from leadflow.app.local_services import WebServer, ensure_prefect_server, read_mail, start_smtp_sink
from leadflow.core.models import EngagementEvent, Lead, OutboundEmail
from leadflow.pipeline.policies import load_all
from leadflow.report.views import Totals, totals
from leadflow.core.settings import PROJECT_ROOT, get_settings

DEMO_START = datetime(2026, 11, 9, 14, 0, tzinfo=timezone.utc)  # a Monday, New York 09:00
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
        if session.scalar(select(EngagementEvent.id).where(EngagementEvent.type == "click").limit(1)):
            return None  # replaying the demo replays, it does not click someone new
        candidates = session.execute(
            select(Lead.id, Lead.email).join(OutboundEmail, OutboundEmail.lead_id == Lead.id)
            .where(Lead.temperature == "warm", OutboundEmail.kind == "nurture",
                   OutboundEmail.status == "sent")
            .order_by(Lead.score.desc(), Lead.id)).first()
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
        ("rows read", t.rows_read), ("quarantined", t.quarantined), ("merged (duplicates)", t.merged),
        ("leads", t.leads),
        ("hot / warm / cold / disqualified", f"{t.temperature.get('hot', 0)} / {t.temperature.get('warm', 0)}"
                                             f" / {t.temperature.get('cold', 0)} / {t.temperature.get('disqualified', 0)}"),
        ("routed, per rep", ", ".join(f"{rep} {n}" for rep, n in sorted(t.routed_per_rep.items())) or "-"),
        ("assignments by status", ", ".join(f"{s} {n}" for s, n in sorted(t.assignments.items())) or "-"),
        ("emails sent (rep / nurture)", f"{t.emails.get('rep_notification', 0)} / {t.emails.get('nurture', 0)}"),
        ("emails sent by this run", sent_this_run),
        ("clicked in this run", clicked or "no new click (already clicked on an earlier run)"),
        ("routed after nurture engagement", t.routed_from_nurture),
    ]
    for name, value in rows:
        table.add_row(name, str(value))
    return table


def run_demo(console: Console, keep_server: bool = True) -> None:
    from flows.engagement import process_engagement
    from flows.ingest import ingest_campaign
    from flows.nurture import nurture_tick
    from flows.reclaim import reclaim_sweep

    settings = get_settings()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    upgrade()
    console.print(f"policies ok: {load_all()}")
    api, started = ensure_prefect_server(settings.data_dir)
    console.print(f"Prefect API {api} ({'started here' if started else 'already running'})")
    ui = api.rstrip("/").removesuffix("/api")
    base = urlparse(settings.public_base_url)
    sent_before = _emails_sent()
    runs: list[tuple[str, str]] = []
    sink = start_smtp_sink(settings.mail_dir, settings.smtp_host, settings.smtp_port)
    try:
        with temporary_settings({PREFECT_API_URL: api, PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}), \
                WebServer(base.hostname or "127.0.0.1", base.port or 8470):
            campaigns = yaml.safe_load((EXAMPLES / "campaigns.yaml").read_text(encoding="utf-8"))
            start = DEMO_START
            for c in campaigns["campaigns"]:
                start = _moment(c.get("ingest_at")) or start
                _, run_id = _run(ingest_campaign, source=str(EXAMPLES / c["file"]), campaign=c["name"],
                                 channel=c["channel"], product_line=c.get("product_line"),
                                 cost=c.get("cost"), now=start)
                runs.append((f"ingest {c['name']}", run_id))
            _, run_id = _run(nurture_tick, now=start + timedelta(hours=1))
            runs.append(("nurture tick (+1 h)", run_id))
            clicked = None
            pick = _pick_lead_to_click()
            link = _click_link_in_mail(settings.mail_dir, pick[1]) if pick else None
            if pick and link:
                answer = requests.get(link, allow_redirects=False, timeout=10)
                console.print(f"clicked {link} for {pick[1]}: HTTP {answer.status_code} -> "
                              f"{answer.headers.get('location')}")
                clicked = f"lead {pick[0]} ({pick[1]})"
            _, run_id = _run(process_engagement, reason="click", now=start + timedelta(hours=2))
            runs.append(("engagement re-score (+2 h)", run_id))
            _, run_id = _run(nurture_tick, now=start + timedelta(days=3, hours=1))
            runs.append(("nurture tick (+3 d)", run_id))
            _, run_id = _run(reclaim_sweep, now=start + timedelta(days=3, hours=2))
            runs.append(("reclaim sweep (+3 d)", run_id))
    finally:
        sink.stop()
    with session_scope() as session:
        console.print(_summary_table(totals(session), _emails_sent() - sent_before, clicked))
    console.print("[bold]flow runs of this demo in the Prefect UI:[/]")
    for name, run_id in runs:
        console.print(f"  {name:<36} {ui}/runs/flow-run/{run_id}", highlight=False, soft_wrap=True)
    console.print(f"mail received by the local SMTP sink: {settings.mail_dir}")
    if started and keep_server:
        console.print(f"Prefect UI stays up at {ui} (stop it with: leadflow server stop)")

"""Nurture send throughput: one tick sending N due emails, against a bare smtplib floor.

    python bench/bench_send.py --emails 100000 [--database-url URL-OF-AN-EMPTY-DATABASE] [--flow]

1. starts a discarding aiosmtpd server in its own process (so it does not share our GIL);
2. stores N leads (in zones where the tick moment is inside the send window) and N
   enrollments whose step 2 is due;
3. times one tick: queue_due_steps + send_outbox, the code the nurture-tick flow runs
   (--flow runs the flow itself through Prefect, which needs a Prefect API);
4. times the floor: the same N messages, pre-rendered, sent by a bare smtplib loop over
   one connection: what SMTP alone costs. The target is a tick at half the floor or better.
"""

from __future__ import annotations

import argparse
import os
import smtplib
import socket
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# A Tuesday, 14:30 UTC: 09:30 in New York, 14:30 in London, 15:30 in Paris and Berlin.
TICK = datetime(2026, 11, 10, 14, 30, tzinfo=UTC)
PLACES = [
    ("GB", None),
    ("DE", None),
    ("FR", None),
    ("NL", None),
    ("US", "NY"),
    ("US", "MA"),
    ("CA", "ON"),
]


def serve_sink(port: int) -> None:
    """The sink process: accept every message, keep none, count them."""
    from aiosmtpd.controller import Controller

    class Discard:
        count = 0

        async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]
            Discard.count += 1
            return "250 OK"

    controller = Controller(Discard(), hostname="127.0.0.1", port=port)
    controller.start()
    print("ready", flush=True)
    sys.stdin.read()  # until the parent closes our stdin
    controller.stop()
    print(Discard.count, flush=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def seed(n: int) -> None:
    from sqlalchemy import insert, select

    from leadflow.core.db import session_scope
    from leadflow.core.models import Campaign, ConsentRecord, Enrollment, Lead

    with session_scope() as session:
        session.add(Campaign(name="bench-webinar", channel="webinar", created_at=TICK))
        session.flush()
        campaign = session.scalar(select(Campaign.id))
        for start in range(0, n, 5000):
            session.execute(
                insert(Lead),
                [
                    {
                        "email": f"lead{i}@bench{i % 97}.example",
                        "first_name": f"Ada{i}",
                        "company": f"Company {i % 500}",
                        "domain": f"bench{i % 97}.example",
                        "country": PLACES[i % len(PLACES)][0],
                        "state": PLACES[i % len(PLACES)][1],
                        "temperature": "warm",
                        "status": "nurturing",
                        "score": 50,
                        "first_campaign_id": campaign,
                        "created_at": TICK,
                        "updated_at": TICK,
                    }
                    for i in range(start, min(n, start + 5000))
                ],
            )
        lead_ids = list(session.scalars(select(Lead.id).order_by(Lead.id)))
        for start in range(0, n, 5000):
            session.execute(
                insert(Enrollment),
                [
                    {
                        "lead_id": lead_id,
                        "sequence": "nurture-core",
                        "next_step": 1,
                        "next_due_at": TICK,
                        "status": "active",
                        "enrolled_at": TICK,
                        "entry_count": 1,
                    }
                    for lead_id in lead_ids[start : start + 5000]
                ],
            )
            # Every lead consented to email and tracking (a form said so): EU leads are opt-in.
            session.execute(
                insert(ConsentRecord),
                [
                    {
                        "lead_id": lead_id,
                        "purpose": purpose,
                        "granted": True,
                        "lawful_basis": "consent",
                        "source": "form:bench",
                        "evidence": {},
                        "recorded_at": TICK,
                    }
                    for lead_id in lead_ids[start : start + 5000]
                    for purpose in ("marketing_email", "tracking")
                ],
            )


def floor_messages(n: int) -> list[tuple[str, bytes]]:
    """The same messages the tick sends (same templates, same builder), rendered in advance."""
    from leadflow.nurture.policy import load_nurture
    from leadflow.nurture.compose import LEAD_COLUMNS, Composer
    from leadflow.nurture.render_steps import Renderer
    from leadflow.core.settings import get_settings

    settings = get_settings()
    composer = Composer(
        settings, load_nurture(settings.templates_dir), Renderer(settings.templates_dir)
    )
    out = []
    for i in range(n):
        lead = dict.fromkeys(LEAD_COLUMNS) | {
            "id": i + 1,
            "email": f"lead{i}@bench{i % 97}.example",
            "first_name": f"Ada{i}",
            "company": f"Company {i % 500}",
        }
        row = {f"l_{k}": v for k, v in lead.items()} | {
            "id": i + 1,
            "kind": "nurture",
            "lead_id": i + 1,
            "to_addr": lead["email"],
            "step": 1,
            "message_id": None,
            "sequence": "nurture-core",
            "enrollment_status": "active",
            "campaign_name": "bench-webinar",
        }
        message = composer.compose(row, {}, [])
        out.append((message.to_addr, message.data))  # type: ignore[union-attr]
    return out


def run_floor(port: int, messages: list[tuple[str, bytes]], sender: str) -> float:
    smtp = smtplib.SMTP("127.0.0.1", port)
    started = time.perf_counter()
    for to_addr, data in messages:
        smtp.sendmail(sender, [to_addr], data)
    elapsed = time.perf_counter() - started
    smtp.quit()
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--emails", type=int, default=100000)
    parser.add_argument("--database-url")
    parser.add_argument(
        "--flow", action="store_true", help="run the nurture-tick flow through Prefect"
    )
    parser.add_argument("--sink", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.sink:
        serve_sink(args.sink)
        return
    work = Path(tempfile.mkdtemp(prefix="leadflow-send-bench-"))
    port = free_port()
    os.environ["LEADFLOW_DATABASE_URL"] = args.database_url or f"sqlite:///{work / 'bench.db'}"
    os.environ["LEADFLOW_DATA_DIR"] = str(work)
    os.environ["LEADFLOW_SMTP_PORT"] = str(port)
    sys.path.insert(0, str(ROOT))

    from sqlalchemy import func, select

    from leadflow.core.db import session_scope, upgrade
    from leadflow.nurture.sender import sender_address
    from leadflow.core.models import OutboundEmail
    from leadflow.core.settings import get_settings

    upgrade()
    with session_scope() as session:
        if session.scalar(select(func.count()).select_from(OutboundEmail)):
            sys.exit("bench_send needs an empty database (it counts what one tick sends)")
    started = time.perf_counter()
    seed(args.emails)
    print(
        f"seeded {args.emails} leads and due enrollments in {time.perf_counter() - started:.1f} s",
        flush=True,
    )
    sink = subprocess.Popen(
        [sys.executable, __file__, "--sink", str(port)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert sink.stdout is not None and sink.stdout.readline().strip() == "ready"
    try:
        if args.flow:
            from flows.nurture import nurture_tick

            started = time.perf_counter()
            summary = nurture_tick(now=TICK)
            tick_s, queue_s = time.perf_counter() - started, float("nan")
        else:
            from tasks.nurture import queue_due_steps
            from tasks.outbox import send_outbox

            started = time.perf_counter()
            ids = queue_due_steps.fn(TICK)
            queue_s = time.perf_counter() - started
            summary = send_outbox.fn(ids, TICK)
            tick_s = time.perf_counter() - started
        with session_scope() as session:
            sent = session.scalar(select(func.count()).where(OutboundEmail.status == "sent"))
        messages = floor_messages(args.emails)
        floor_s = run_floor(port, messages, sender_address(get_settings()))
    finally:
        sink.stdin.close()  # type: ignore[union-attr]
        received = sink.stdout.read().strip()
        sink.wait()
    size = sum(len(data) for _, data in messages) / len(messages)
    tick_rate, floor_rate = args.emails / tick_s, args.emails / floor_s
    print(
        f"backend: {get_settings().resolved_database_url.split(':', 1)[0]}; {args.emails} emails of "
        f"~{size:.0f} bytes; sink received {received}"
    )
    print(
        f"tick:  {tick_s:7.1f} s  {tick_rate:8.0f} msgs/s   (queue {queue_s:.1f} s, send {tick_s - queue_s:.1f} s;"
        f" {summary.sent} sent, {sent} rows sent)"
    )
    print(
        f"floor: {floor_s:7.1f} s  {floor_rate:8.0f} msgs/s   (bare smtplib, one connection, pre-rendered)"
    )
    print(f"tick / floor = {tick_rate / floor_rate:.2f} (target >= 0.50)")


if __name__ == "__main__":
    main()

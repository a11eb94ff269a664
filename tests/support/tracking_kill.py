"""kill -9 of the web app while open pixels pour in: which answered opens never got stored?

Shared by tests/web/integration/test_tracking_kill.py and bench/bench_tracking_kill.py. The
web app runs under uvicorn in its own process; clients on threads each fetch open pixels
for emails of their own (one email per request, so every answer can be matched to its row);
once ``kill_after`` answers are in, the app gets SIGKILL. Lost = answered 200 with no row.
"""

from __future__ import annotations

import http.client
import itertools
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import insert, select

from leadflow.core.db import session_scope
from leadflow.core.models import EngagementEvent, Lead, OutboundEmail
from leadflow.core.settings import get_settings
from leadflow.engagement.tokens import make_token

SENT_AT = datetime(2026, 11, 9, 10, tzinfo=UTC)
ROOT = Path(__file__).resolve().parents[2]


@dataclass
class KillResult:
    answered: int  # opens answered 200 before the kill
    stored: int  # of those, rows in the database after it
    lost: int  # answered, never stored: the loss window under kill -9
    rate: float  # answers per second until the kill


def seed_sent_emails(n: int) -> list[int]:
    """One lead with ``n`` sent emails; their outbox ids."""
    with session_scope() as session:
        lead = Lead(email="reader@example.org", status="nurturing", created_at=SENT_AT)
        lead.updated_at = SENT_AT
        session.add(lead)
        session.flush()
        rows = [
            {
                "dedupe_key": f"kill:{i}",
                "kind": "nurture",
                "lead_id": lead.id,
                "to_addr": lead.email,
                "status": "sent",
                "attempts": 1,
                "created_at": SENT_AT,
                "sent_at": SENT_AT,
            }
            for i in range(n)
        ]
        session.execute(insert(OutboundEmail), rows)
        return list(session.scalars(select(OutboundEmail.id).order_by(OutboundEmail.id)))


def start_web(port: int, buffer_max: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, "LEADFLOW_TRACKING_BUFFER_MAX": str(buffer_max)}
    app = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "leadflow.web.app:create_app", "--factory"]
        + ["--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return app
        except OSError:
            if app.poll() is not None:
                raise RuntimeError(app.stderr.read().decode()) from None  # type: ignore[union-attr]
            time.sleep(0.1)
    app.kill()
    raise RuntimeError("web app did not start")


def _client(port: int, paths: "itertools.islice[tuple[int, str]]", lock: threading.Lock,
            answered: list[int], stop: threading.Event) -> None:  # fmt: skip
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    while not stop.is_set():
        with lock:
            item = next(paths, None)
        if item is None:
            return
        outbox_id, path = item
        try:
            conn.request("GET", path)
            response = conn.getresponse()
            response.read()
        except (OSError, http.client.HTTPException):
            return  # the app is gone
        if response.status == 200:
            with lock:
                answered.append(outbox_id)


def kill_under_load(
    port: int, outbox_ids: list[int], buffer_max: int, kill_after: int, clients: int = 16
) -> KillResult:
    secret = get_settings().secret_key.get_secret_value()
    app = start_web(port, buffer_max)
    paths = iter([(i, f"/o/{make_token(secret, 'o', i)}.gif") for i in outbox_ids])
    lock, answered, stop = threading.Lock(), [], threading.Event()
    threads = [
        threading.Thread(target=_client, args=(port, paths, lock, answered, stop))
        for _ in range(clients)
    ]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    while len(answered) < kill_after and any(t.is_alive() for t in threads):
        time.sleep(0.001)
    app.send_signal(signal.SIGKILL)
    with lock:
        got = set(answered)  # answers read after this point may race the kill: not counted
    elapsed = time.perf_counter() - started
    stop.set()
    app.wait(timeout=30)
    for thread in threads:
        thread.join(timeout=30)
    with session_scope() as session:
        stored = set(
            session.scalars(
                select(EngagementEvent.outbound_email_id).where(EngagementEvent.type == "open")
            )
        )
    return KillResult(len(got), len(got & stored), len(got - stored), len(got) / elapsed)

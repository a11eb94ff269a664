"""kill -9 of a real nurture tick mid-send, then a rerun: doubled, lost and unknown, counted.

    python bench/bench_send_kill.py --emails 3000 --kill-after 1.5 [--database-url URL-OF-AN-EMPTY-DATABASE]

1. seeds N due enrollments (as bench_send.py) and starts an aiosmtpd sink in its own
   process that writes down the Message-ID of every message it accepts;
2. runs one tick (queue_due_steps + send_outbox) in a subprocess and SIGKILLs it
   --kill-after seconds after it started sending (wherever it is);
3. runs the tick again a minute later (simulated), long before a claim counts as stale;
4. counts: Message-IDs received twice (doubled), rows whose message never arrived
   (lost), rows 'unknown' (for a person), rows not 'sent'. All should be 0, except that a
   kill landing while the server holds DATA unanswered may leave that one row 'unknown'.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_send import TICK, free_port, seed  # noqa: E402

TICKER = """\
import sys
from datetime import datetime
sys.path.insert(0, sys.argv[2])
from tasks.nurture import queue_due_steps
from tasks.outbox import send_outbox
at = datetime.fromisoformat(sys.argv[1])
ids = queue_due_steps.fn(at)
print("sending", flush=True)
send_outbox.fn(ids, at)
print("finished", flush=True)
"""


def serve_sink(port: int, log: Path) -> None:
    """Accept every message; write its Message-ID down before answering 250."""
    from email.parser import BytesHeaderParser

    from aiosmtpd.controller import Controller

    out = log.open("a", encoding="utf-8")

    class Keep:
        async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]
            headers = BytesHeaderParser().parsebytes(envelope.content)
            out.write(f"{headers['Message-ID']}\n")
            out.flush()
            return "250 OK"

    controller = Controller(Keep(), hostname="127.0.0.1", port=port)
    controller.start()
    print("ready", flush=True)
    sys.stdin.read()
    controller.stop()


def kill_a_tick(work: Path, kill_after: float) -> None:
    """The tick in its own process, SIGKILLed ``kill_after`` seconds into its send."""
    script = work / "ticker.py"
    script.write_text(TICKER, encoding="utf-8")
    ticker = subprocess.Popen(
        [sys.executable, str(script), TICK.isoformat(), str(ROOT)],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert ticker.stdout is not None and ticker.stdout.readline().strip() == "sending"
    time.sleep(kill_after)
    ticker.send_signal(signal.SIGKILL)
    ticker.wait()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--emails", type=int, default=3000)
    parser.add_argument("--kill-after", type=float, default=1.5)
    parser.add_argument("--database-url")
    parser.add_argument("--sink", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.sink:
        serve_sink(int(args.sink[0]), Path(args.sink[1]))
        return
    work = Path(tempfile.mkdtemp(prefix="leadflow-send-kill-"))
    port, log = free_port(), work / "received.txt"
    os.environ["LEADFLOW_DATABASE_URL"] = args.database_url or f"sqlite:///{work / 'bench.db'}"
    os.environ["LEADFLOW_DATA_DIR"] = str(work)
    os.environ["LEADFLOW_SMTP_PORT"] = str(port)

    from sqlalchemy import select

    from leadflow.core.db import session_scope, upgrade
    from leadflow.core.models import OutboundEmail
    from tasks.nurture import queue_due_steps
    from tasks.outbox import send_outbox

    upgrade()
    seed(args.emails)
    sink = subprocess.Popen(
        [sys.executable, __file__, "--sink", str(port), str(log)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert sink.stdout is not None and sink.stdout.readline().strip() == "ready"
    kill_a_tick(work, args.kill_after)
    with session_scope() as session:
        before = Counter(session.scalars(select(OutboundEmail.status)))
    received_before = len(log.read_text().splitlines())
    rerun_at = TICK + timedelta(minutes=1)
    started = time.perf_counter()
    summary = send_outbox.fn(queue_due_steps.fn(rerun_at), rerun_at)
    rerun_s = time.perf_counter() - started
    sink.stdin.close()  # type: ignore[union-attr]
    sink.wait()
    received = Counter(log.read_text().splitlines())
    with session_scope() as session:
        rows = session.execute(select(OutboundEmail.message_id, OutboundEmail.status)).all()
    statuses = Counter(status for _, status in rows)
    backend = os.environ["LEADFLOW_DATABASE_URL"].split(":", 1)[0]
    print(f"backend: {backend}; {args.emails} emails; SIGKILL {args.kill_after} s into the send")
    print(f"at the kill: {received_before} received by the server; rows {dict(before)}")
    print(f"rerun ({rerun_s:.1f} s): {summary}")
    print(f"doubled (Message-IDs received twice): {sum(1 for n in received.values() if n > 1)}")
    print(
        f"lost (rows whose message never arrived): {sum(1 for m, _ in rows if m not in received)}"
    )
    print(f"rows unknown (for a person): {statuses['unknown']}; rows by status: {dict(statuses)}")


if __name__ == "__main__":
    main()

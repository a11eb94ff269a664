"""Tracking endpoints under load: wrk against the open pixel and click redirect.

    python bench/bench_web.py [--seconds 60] [--connections 32] [--emails 2000] [--only o|c]
        [--database-url postgresql+psycopg://127.0.0.1/postgres]   # default: SQLite
    python bench/bench_web.py --click-to-rescored   # click -> triggered flow latency instead

1. seeds a fresh database (SQLite, or with --database-url a new PostgreSQL database on that
   server, dropped at the end) with N sent emails, one tracked link each;
2. starts uvicorn serving leadflow.web.app (one process, as `leadflow serve` does);
3. runs wrk with a Lua script that requests a random open or click URL of those emails
   (half each) and counts the answers by status;
4. stops uvicorn with SIGTERM (a clean shutdown: the group-commit writer drains), then
   compares the events stored with the 200/302 answers wrk received. A request cut off
   when wrk stops may be stored without wrk seeing its answer, so stored may exceed
   answered by at most the number of connections; fewer stored would be a lost event.
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path
from collections.abc import Iterator
from contextlib import contextmanager

import requests

ROOT = Path(__file__).resolve().parent.parent
SECRET = "bench-secret"
LUA = """
paths = {%s}
counts = {}
threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) counts = {} end
function request() return wrk.format("GET", paths[math.random(#paths)]) end
function response(status, headers, body) counts[status] = (counts[status] or 0) + 1 end
function done(summary, latency, requests)
  local total = {}
  for _, t in ipairs(threads) do
    for status, n in pairs(t:get("counts")) do total[status] = (total[status] or 0) + n end
  end
  for status, n in pairs(total) do io.write(string.format("status %%d %%d\\n", status, n)) end
  io.write(string.format("p50_us %%d\\np99_us %%d\\n", latency:percentile(50), latency:percentile(99)))
end
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def seed(n: int) -> list[str]:
    from sqlalchemy import insert, select

    from leadflow.core.clock import utcnow
    from leadflow.core.db import session_scope, upgrade
    from leadflow.engagement.tokens import make_token
    from leadflow.core.models import Lead, OutboundEmail, TrackedLink

    upgrade()
    sent = utcnow() - timedelta(hours=1)  # long enough ago that no click looks like a scanner's
    with session_scope() as session:
        session.execute(
            insert(Lead),
            [
                {
                    "email": f"lead{i}@bench.example",
                    "status": "nurturing",
                    "created_at": sent,
                    "updated_at": sent,
                }
                for i in range(n)
            ],
        )
        leads = session.scalars(select(Lead.id).order_by(Lead.id)).all()
        session.execute(
            insert(OutboundEmail),
            [
                {
                    "dedupe_key": f"bench:{i}",
                    "kind": "nurture",
                    "lead_id": lead,
                    "to_addr": f"lead{i}@bench.example",
                    "status": "sent",
                    "created_at": sent,
                    "sent_at": sent,
                }
                for i, lead in enumerate(leads)
            ],
        )
        emails = session.scalars(select(OutboundEmail.id).order_by(OutboundEmail.id)).all()
        session.execute(
            insert(TrackedLink),
            [
                {
                    "outbound_email_id": e,
                    "position": 0,
                    "url": f"https://leadflow.example/guides/{e}",
                }
                for e in emails
            ],
        )
    return [f"/o/{make_token(SECRET, 'o', e)}.gif" for e in emails] + [
        f"/c/{make_token(SECRET, 'c', e)}" for e in emails
    ]


def stored_events() -> int:
    from sqlalchemy import func, select

    from leadflow.core.db import session_scope
    from leadflow.core.models import EngagementEvent

    with session_scope() as session:
        return session.scalar(select(func.count()).select_from(EngagementEvent)) or 0


def start_server(port: int, env: dict[str, str]) -> subprocess.Popen[bytes]:
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "leadflow.web.app:app",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--log-level",
            "warning",
            "--no-access-log",
        ],
        env=env,
        cwd=ROOT,
    )
    for _ in range(200):
        try:
            if requests.get(f"http://127.0.0.1:{port}/healthz", timeout=1).ok:
                return server
        except requests.RequestException:
            time.sleep(0.1)
    server.kill()
    raise SystemExit("uvicorn did not start")


def click_to_rescored(work: Path, env: dict[str, str]) -> None:
    """Click -> Prefect event -> deployment trigger -> engagement flow: how long until re-scored.

    The sample campaigns are ingested and mailed (simulated clock, as the demo does); then
    `leadflow serve` runs the web app and the deployments, the warmest warm lead's link is
    clicked over HTTP, and the database is polled until the flow has processed the click.
    """
    import yaml
    from sqlalchemy import select

    from flows.ingest import ingest_campaign
    from flows.nurture import nurture_tick
    from leadflow.core.db import session_scope
    from leadflow.app.local_services import (
        ensure_prefect_server,
        read_mail,
        start_smtp_sink,
        stop_prefect_server,
    )
    from leadflow.core.models import EngagementEvent, Lead, OutboundEmail
    from leadflow.core.settings import get_settings

    settings = get_settings()
    ensure_prefect_server(work, env["PREFECT_API_URL"])
    sink = start_smtp_sink(settings.mail_dir, "127.0.0.1", settings.smtp_port)
    serving = None
    try:
        start = None
        for c in yaml.safe_load((ROOT / "examples" / "campaigns.yaml").read_text())["campaigns"]:
            start = (
                c["ingest_at"]
                if isinstance(c["ingest_at"], datetime)
                else datetime.fromisoformat(c["ingest_at"])
            )
            ingest_campaign(
                source=str(ROOT / "examples" / c["file"]),
                campaign=c["name"],
                channel=c["channel"],
                product_line=c.get("product_line"),
                now=start,
            )
        nurture_tick(now=start + timedelta(hours=1))  # type: ignore[operator]
        with session_scope() as session:
            lead = session.execute(
                select(Lead.id, Lead.email)
                .join(OutboundEmail, OutboundEmail.lead_id == Lead.id)
                .where(Lead.temperature == "warm", OutboundEmail.kind == "nurture")
                .order_by(Lead.score.desc(), Lead.id)
            ).first()
        mail = next(m for m in read_mail(settings.mail_dir) if m["To"] == lead.email)
        link = re.search(
            r"https?://\S+/c/[\w.\-]+", mail.get_body(preferencelist=("plain",)).get_content()
        )
        serving = subprocess.Popen(
            [sys.executable, "-m", "leadflow.cli.main", "serve"],
            env=env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for_deployment("process-engagement/on-engagement")
        wait_for(lambda: requests.get(f"{settings.public_base_url}/healthz", timeout=1).ok)
        clicked = time.monotonic()
        answer = requests.get(link.group(0), allow_redirects=False, timeout=10)  # type: ignore[union-attr]
        assert answer.status_code == 302

        def processed() -> bool:
            with session_scope() as session:
                return (
                    session.scalar(
                        select(EngagementEvent.processed_at).where(
                            EngagementEvent.lead_id == lead.id, EngagementEvent.type == "click"
                        )
                    )
                    is not None
                )

        wait_for(processed, timeout_s=180)
        took = time.monotonic() - clicked
        print("engagement flow runs:", engagement_runs())
        with session_scope() as session:
            after = session.get(Lead, lead.id)
            print(
                f"click -> re-scored by the triggered flow in {took:.1f} s; lead {lead.id} is now "
                f"{after.temperature} / {after.status}"
            )  # type: ignore[union-attr]
    finally:
        if serving is not None:
            serving.terminate()
            serving.wait(timeout=60)
        sink.stop()
        stop_prefect_server(work)


def wait_for(check, timeout_s: float = 120) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except requests.RequestException:
            pass
        time.sleep(0.1)
    raise SystemExit(f"gave up after {timeout_s:.0f} s")


def engagement_runs() -> list[str]:
    """Names of the engagement flow's runs: engagement-click is the trigger, -sweep the schedule."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowFilter, FlowFilterName

    with get_client(sync_client=True) as client:
        runs = client.read_flow_runs(
            flow_filter=FlowFilter(name=FlowFilterName(any_=["process-engagement"]))
        )
    return sorted(f"{r.name} ({r.state_name})" for r in runs if r.state_name != "Scheduled")


def wait_for_deployment(name: str) -> None:
    from prefect.client.orchestration import get_client
    from prefect.exceptions import ObjectNotFound

    def found() -> bool:
        with get_client(sync_client=True) as client:
            try:
                return client.read_deployment_by_name(name) is not None
            except ObjectNotFound:
                return False

    wait_for(found)


def main() -> None:
    work = Path(tempfile.mkdtemp(prefix="bench-web-"))
    try:
        run(work)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def run(work: Path) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--emails", type=int, default=2000)
    parser.add_argument("--only", choices=("o", "c"), help="only opens (o) or only clicks (c)")
    parser.add_argument(
        "--click-to-rescored",
        action="store_true",
        help="instead: time click -> triggered engagement flow (starts a Prefect server)",
    )
    parser.add_argument("--database-url", help="a PostgreSQL server to CREATE DATABASE on")
    args = parser.parse_args()
    with scratch_database(args.database_url, work) as url:
        measure(args, work, url)


@contextmanager
def scratch_database(server: str | None, work: Path) -> Iterator[str]:
    """A fresh database: a SQLite file in ``work``, or a new database on ``server``."""
    if server is None:
        yield f"sqlite:///{work / 'leadflow.db'}"
        return
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    name = f"leadflow_bench_web_{os.getpid()}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(server).set(database=name).render_as_string(False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def measure(args: argparse.Namespace, work: Path, url: str) -> None:
    env = {
        **os.environ,
        "LEADFLOW_DATABASE_URL": url,
        "LEADFLOW_DATA_DIR": str(work),
        "LEADFLOW_SECRET_KEY": SECRET,
        "PREFECT_API_URL": "",
    }
    if args.click_to_rescored:
        env.update(
            {
                "PREFECT_API_URL": f"http://127.0.0.1:{free_port()}/api",
                "PREFECT_HOME": str(work / "prefect"),
                "LEADFLOW_SMTP_PORT": str(free_port()),
                "LEADFLOW_PUBLIC_BASE_URL": f"http://127.0.0.1:{free_port()}",
            }
        )
    os.environ.update(env)
    if args.click_to_rescored:
        from leadflow.core.db import upgrade

        upgrade()
        click_to_rescored(work, env)
        return
    paths = [p for p in seed(args.emails) if args.only is None or p.startswith(f"/{args.only}/")]
    script = work / "tracking.lua"
    script.write_text(LUA % ", ".join(f'"{p}"' for p in paths))
    port = free_port()
    server = start_server(port, env)
    before = _cpu(server.pid)
    try:
        wrk = subprocess.run(
            [
                "wrk",
                "-t",
                str(args.threads),
                "-c",
                str(args.connections),
                "-d",
                f"{args.seconds}s",
                "--latency",
                "-s",
                str(script),
                f"http://127.0.0.1:{port}",
            ],
            capture_output=True,
            text=True,
            check=True,
        )
        after = _cpu(server.pid)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=60)
    print(wrk.stdout)
    statuses = {int(s): int(n) for s, n in re.findall(r"^status (\d+) (\d+)$", wrk.stdout, re.M)}
    answered = statuses.get(200, 0) + statuses.get(302, 0)
    stored = stored_events()
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", wrk.stdout).group(1))  # type: ignore[union-attr]
    p50, p99 = (
        int(re.search(rf"^{k} (\d+)$", wrk.stdout, re.M).group(1)) / 1000  # type: ignore[union-attr]
        for k in ("p50_us", "p99_us")
    )
    print(f"req/s {rate:.0f}  p50 {p50:.1f} ms  p99 {p99:.1f} ms  answers {statuses}")
    print(
        f"events stored {stored}, answered 200/302 {answered}, stored - answered {stored - answered} "
        f"(0..{args.connections} = requests cut off when wrk stopped)"
    )
    _print_cpu(before, after, answered)
    lost = answered - stored
    if lost > 0:
        raise SystemExit(f"LOST {lost} events")


def _cpu(server_pid: int) -> dict[str, float]:
    """CPU seconds so far (Linux /proc): the server process, this process's finished children
    (wrk, once it has ended) and the whole machine's busy and total time."""
    tick = os.sysconf("SC_CLK_TCK")
    fields = Path(f"/proc/{server_pid}/stat").read_text().rsplit(")", 1)[1].split()
    machine = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = machine[3] + machine[4]  # idle and iowait
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return {
        "server": (int(fields[11]) + int(fields[12])) / tick,
        "children": children.ru_utime + children.ru_stime,
        "busy": (sum(machine) - idle) / tick,
        "total": sum(machine) / tick,
    }


def _print_cpu(before: dict[str, float], after: dict[str, float], answered: int) -> None:
    """Where the machine's CPU went per answered request: the server, wrk and the rest (the
    database's processes, mostly), so a change's effect shows apart from the machine's noise."""
    spent = {k: after[k] - before[k] for k in before}
    rest = spent["busy"] - spent["server"] - spent["children"]
    per = 1e6 / max(1, answered)
    print(
        f"CPU per answered request: server {spent['server'] * per:.0f} us, wrk "
        f"{spent['children'] * per:.0f} us, the rest (database, other) {rest * per:.0f} us; "
        f"machine busy {100 * spent['busy'] / max(spent['total'], 1e-9):.0f}%"
    )


if __name__ == "__main__":
    main()

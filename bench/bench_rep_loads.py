"""Routing's capacity count per batch (rep_loads) as the week's assignments grow, two checkouts.

    python bench/bench_rep_loads.py --assignments 0,100000,400000 \
        [--database-url postgresql+psycopg://127.0.0.1/postgres] [--before ../other-checkout]

Every routed batch counts, for each rep of routing_rules/routing.yaml, the leads they received
in their own today and this week. For each size, a fresh database gets that many assignments
spread evenly over the last seven days among the policy's reps (bulk-inserted), then
``rep_loads`` is called ``--calls`` times; the figure is the median call, in ms, and what it
adds per row of a 2,000-row batch. With ``--before`` the same is measured with another
checkout's code first, in the same run. Each call's answer is checked against the other
checkout's (the same counts) when both ran.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
AT = datetime(2026, 11, 12, 15, 0, tzinfo=timezone.utc)  # a Thursday: most of a week behind it


def _fresh_db(admin_url: str, work: Path, name: str) -> str:
    if not admin_url.startswith("postgresql"):
        target = work / f"{name}.db"
        target.unlink(missing_ok=True)
        return f"sqlite:///{target}"
    from sqlalchemy import create_engine, text

    engine = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return admin_url.rsplit("/", 1)[0] + f"/{name}"


def _drop_db(admin_url: str, name: str) -> None:
    if admin_url.startswith("postgresql"):
        from sqlalchemy import create_engine, text

        engine = create_engine(admin_url, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        engine.dispose()


def worker(assignments: int, calls: int) -> dict:
    """In the checkout measured: build the assignments, then time rep_loads."""
    from sqlalchemy import insert

    from leadflow.core.db import session_scope, upgrade
    from leadflow.core.models import Assignment, Lead
    from leadflow.routing.assignments import rep_loads
    from leadflow.routing.policy_cache import current_routing_policy

    upgrade()
    policy = current_routing_policy()
    reps = sorted({rep.key for team in policy.teams for rep in team.reps})
    with session_scope() as session:
        session.execute(insert(Lead), [{"email": f"l{i}@bench.example"} for i in range(1000)])
        first = session.query(Lead.id).order_by(Lead.id).first()[0]
    step = timedelta(days=7) / max(assignments, 1)
    chunk: list[dict] = []
    for i in range(assignments):
        at = AT - step * i
        chunk.append(
            {
                "lead_id": first + i % 1000,
                "rep": reps[i % len(reps)],
                "team": "bench",
                "rule_id": "bench",
                "status": "offered",
                "assigned_at": at,
                "sla_due_at": at + timedelta(hours=4),
            }
        )
        if len(chunk) == 10000 or i == assignments - 1:
            with session_scope() as session:
                session.execute(insert(Assignment), chunk)
            chunk = []
    times, answer = [], {}
    for _ in range(calls):
        with session_scope() as session:
            start = time.perf_counter()
            answer = rep_loads(session, policy, AT)
            times.append(time.perf_counter() - start)
    return {
        "reps": len(reps),
        "ms_per_call": round(statistics.median(times) * 1000, 2),
        "us_per_row_of_2000": round(statistics.median(times) * 1e6 / 2000, 1),
        "loads": {rep: list(load) for rep, load in sorted(answer.items())},
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--assignments", default="0,100000,400000", help="comma-separated")
    parser.add_argument("--calls", type=int, default=15)
    parser.add_argument("--database-url", help="PostgreSQL server URL; default: SQLite files")
    parser.add_argument("--before", type=Path, help="another checkout to measure first")
    parser.add_argument("--after", type=Path, default=ROOT, help="default: this checkout")
    parser.add_argument("--worker", nargs=2, type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        sys.path.insert(0, os.environ["PYTHONPATH"])
        print(json.dumps(worker(*args.worker)))
        return
    work = Path(tempfile.mkdtemp(prefix="leadflow-bench-loads-"))
    admin = args.database_url or "sqlite"
    codes = [("before", args.before.resolve())] if args.before else []
    codes.append(("after", args.after.resolve()))
    for size in (int(n) for n in args.assignments.split(",")):
        answers = {}
        for label, code in codes:
            url = _fresh_db(admin, work, "bench_loads")
            env = dict(os.environ, PYTHONPATH=str(code), LEADFLOW_DATABASE_URL=url)
            env.update(LEADFLOW_DATA_DIR=str(work), PREFECT_HOME=str(work / "prefect"))
            done = subprocess.run(
                [sys.executable, __file__, "--worker", str(size), str(args.calls)],
                env=env,
                check=True,
                capture_output=True,
                text=True,
            )
            got = json.loads(done.stdout.strip().splitlines()[-1])
            answers[label] = got.pop("loads")
            print(f"{admin.split(':')[0]:<10} assignments={size:<7} {label:<6} {json.dumps(got)}")
        _drop_db(admin, "bench_loads")
        if len(answers) == 2:
            print(f"  same counts: {answers['before'] == answers['after']}")


if __name__ == "__main__":
    main()

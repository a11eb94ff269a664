"""Writing decision rows in bulk: COPY (write_decisions) against SQLAlchemy Core executemany,
on PostgreSQL, alternating rounds in one run so the ratio holds on a busy machine.

    python bench/bench_decisions.py [--rows 20000] [--rounds 3] \
        [--database-url postgresql+psycopg://postgres@127.0.0.1:5432/test]

A scratch database (``leadflow_bench_decisions_<pid>``) is created on that server, migrated, and
dropped at the end. Each round inserts the same rows both ways, each in its own transaction.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from datetime import UTC, datetime

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from leadflow.core.db import engine_for, upgrade
from leadflow.core.decisions import decision_row, write_decisions
from leadflow.core.models import Decision
from sqlalchemy.orm import Session

SCRATCH = f"leadflow_bench_decisions_{os.getpid()}"  # two runs at once: each its own


def rows(n: int) -> list[dict]:
    at = datetime.now(UTC)
    inputs = {"fit": 42, "engagement": 3, "signals": ["title:vp", "size:200-500"]}
    return [
        decision_row(
            lead_id=None,
            kind="score",
            rule_id="icp.fit",
            outcome="warm",
            reason="fit 42 + engagement 3 = 45",
            inputs=inputs,
            config_version="scoring@abc123",
            flow_run_id="f" * 36,
            at=at,
        )
        for _ in range(n)
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--database-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/test"
    )
    args = parser.parse_args()
    admin = create_engine(args.database_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{SCRATCH}"'))
        conn.execute(text(f'CREATE DATABASE "{SCRATCH}"'))
    url = make_url(args.database_url).set(database=SCRATCH).render_as_string(False)
    try:
        upgrade(url)
        engine, batch = engine_for(url), rows(args.rows)

        def executemany() -> None:
            with Session(engine) as session, session.begin():
                session.execute(Decision.__table__.insert(), batch)

        def copy() -> None:
            with Session(engine) as session, session.begin():
                write_decisions(session, batch)

        timings: dict[str, list[float]] = {"executemany": [], "copy": []}
        for _ in range(args.rounds):
            for name, write in (("executemany", executemany), ("copy", copy)):
                started = time.perf_counter()
                write()
                timings[name].append((time.perf_counter() - started) * 1e6 / args.rows)
        engine.dispose()
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{SCRATCH}" WITH (FORCE)'))
    for name, per_row in timings.items():
        print(f"{name:12} µs/row per round: {', '.join(f'{t:.1f}' for t in per_row)}")
    ratio = statistics.median(timings["executemany"]) / statistics.median(timings["copy"])
    print(f"median ratio executemany/copy: {ratio:.2f}x ({args.rows} rows, {args.rounds} rounds)")


if __name__ == "__main__":
    main()

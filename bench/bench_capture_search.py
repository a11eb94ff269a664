"""The capture flow's search for staged rows after a large cleaned campaign, under statistics
gathered while the campaign was staged: the index on every row's status with the status bound
(before migration 0014) against the partial index on staged rows with the status a literal.

    python bench/bench_capture_search.py [--rows 1000000] [--postgres-url URL]

Builds source_record's relevant columns (and a 600-byte payload) in a scratch PostgreSQL
database per schema: the campaign staged, analysed, cleaned, then 40 new rows staged. Prints
the search's time over five runs after a first one, and its plan with buffers.
"""

from __future__ import annotations

import argparse
import time

from sqlalchemy import Connection, create_engine, text
from sqlalchemy.engine import make_url

SCHEMAS = {
    "status index, bound status": (
        "CREATE INDEX ix_status ON source_record (status)",
        "s.status = :status",
    ),
    "partial index, literal status": (
        "CREATE INDEX ix_staged ON source_record (id) WHERE status = 'staged'",
        "s.status = 'staged'",
    ),
}
WAITING = 40


def _build(conn: Connection, index: str, rows: int) -> None:
    conn.execute(text("CREATE TABLE campaign (id serial PRIMARY KEY, name text)"))
    conn.execute(
        text(
            "CREATE TABLE source_record (id serial PRIMARY KEY, campaign_id int,"
            " status varchar(20), payload text)"
        )
    )
    conn.execute(text(index))
    conn.execute(text("INSERT INTO campaign (name) VALUES ('big'), ('small')"))
    conn.execute(
        text(
            "INSERT INTO source_record (campaign_id, status, payload)"
            " SELECT 1, 'staged', repeat('x', 600) FROM generate_series(1, :rows)"
        ),
        {"rows": rows},
    )
    conn.commit()
    conn.execute(text("ANALYZE source_record"))  # every row staged, as after staging a file
    conn.commit()
    conn.execute(text("UPDATE source_record SET status = 'created'"))
    conn.execute(
        text(
            "INSERT INTO source_record (campaign_id, status, payload)"
            " SELECT 2, 'staged', 'y' FROM generate_series(1, :n)"
        ),
        {"n": WAITING},
    )
    conn.commit()


def _measure(conn: Connection, where: str) -> tuple[int, list[float], list[str]]:
    query = (
        "SELECT s.id, s.campaign_id, c.name FROM source_record s"
        f" JOIN campaign c ON c.id = s.campaign_id WHERE {where} ORDER BY s.id LIMIT 50000"
    )
    params = {"status": "staged"}
    conn.execute(text(query), params).all()  # the first visit marks the dead index entries
    times, found = [], 0
    for _ in range(5):
        start = time.perf_counter()
        found = len(conn.execute(text(query), params).all())
        times.append(time.perf_counter() - start)
    plan = conn.execute(text("EXPLAIN (ANALYZE, BUFFERS) " + query), params).scalars().all()
    return found, times, plan


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument(
        "--postgres-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
    )
    args = parser.parse_args()
    admin = create_engine(args.postgres_url, isolation_level="AUTOCOMMIT")
    for n, (label, (index, where)) in enumerate(SCHEMAS.items()):
        name = f"leadflow_capture_search_{n}"
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        url = make_url(args.postgres_url).set(database=name)
        engine = create_engine(url)
        try:
            with engine.connect() as conn:
                _build(conn, index, args.rows)
                found, times, plan = _measure(conn, where)
        finally:
            engine.dispose()
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        runs = ", ".join(f"{1e3 * t:.1f}" for t in times)
        print(f"{label}: {found} rows found in {runs} ms")
        print("    " + "\n    ".join(plan[:6]))


if __name__ == "__main__":
    main()

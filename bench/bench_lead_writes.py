"""What the ingest's writes of ``lead`` cost: the schema before migration 0010 (twelve
indexes) against after (nine), and a batch of per-lead values written by executemany against
``KeyedUpdate`` (one ``UPDATE ... FROM json_to_recordset``), in one run, alternating.

    python bench/bench_lead_writes.py --database-url postgresql+psycopg://127.0.0.1/<fresh db>
    python bench/bench_lead_writes.py                      # fresh SQLite files

Each round migrates a fresh schema to 0009 or to head, inserts ``--rows`` leads in batches of
2,000 (Core executemany, the columns clean+dedupe writes, match keys included), then rewrites
every lead three times per batch as the later stages do (``UPDATE ... WHERE id = ANY`` of the
batch, a stage and a non-indexed column each time). Prints the median µs per lead for the
insert and per rewrite, and the size of the table's indexes. PostgreSQL: the database named
in the URL is emptied (its ``public`` schema dropped) before every round.

Then, on the head schema, each batch's leads get their own values (the score step's columns,
or the enrich step's with its JSON provenance and moment) written both ways in turn; the
figures are wall time and CPU time of this process and, on PostgreSQL on this machine, of the
server process that ran the statements (read from /proc), so a busy machine inflates only
the wall time.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from sqlalchemy import bindparam, create_engine, func, select, text, update
from sqlalchemy.orm import Session

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from leadflow.core.bulk_writes import KeyedUpdate, insert_rows  # noqa: E402
from leadflow.core.db import upgrade  # noqa: E402
from leadflow.core.models import Lead  # noqa: E402
from leadflow.core.value_lists import among  # noqa: E402

BATCH = 2000
REWRITES = (("enriched", "fit_score"), ("scored", "score"), ("done", "engagement_score"))
FIRST = ["ana", "bo", "chen", "dana", "eli", "fatima", "george", "hana", "ivan", "jun", "kim"]
LAST = ["li", "wang", "smith", "garcia", "muller", "rossi", "kowalski", "tanaka", "silva"]


def lead_rows(n: int, seed: int) -> list[dict[str, Any]]:
    """Leads with the value spread of a campaign file: shared domains, common names."""
    rng = random.Random(seed)
    domains = [f"company{i}.example" for i in range(n // 20 + 1)]
    rows = []
    for i in range(n):
        first, last = rng.choice(FIRST), rng.choice(LAST) + str(rng.randrange(400))
        domain, company = rng.choice(domains), f"company {rng.randrange(n // 20 + 1)}"
        name_key = f"{first} {last}"
        rows.append(
            dict(
                email=f"{first}.{last}.{i}@{domain}",
                first_name=first,
                last_name=last,
                full_name=f"{first} {last}",
                company=company,
                company_key=company,
                domain=domain,
                phone_e164=f"+1202{rng.randrange(10**7):07d}",
                name_key=name_key,
                email_key=f"{first}{last}{i}@{domain}",
                domain_name_key=f"{domain}|{name_key}",
                company_name_key=f"{company}|{name_key}",
                pipeline_stage="cleaned",
                status="new",
            )
        )
    return rows


def reset(url: str, revision: str) -> None:
    engine = create_engine(url)
    if engine.dialect.name == "postgresql":
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    engine.dispose()
    upgrade(url, revision)


def one_round(url: str, rows: list[dict[str, Any]], copy: bool = False) -> tuple[float, float, int]:
    """Seconds to insert (Core executemany, or ``insert_rows``: COPY on PostgreSQL), seconds
    for the three rewrites, index bytes (PostgreSQL, else 0)."""
    engine = create_engine(url)
    table = Lead.__table__
    inserted = rewritten = 0.0
    with engine.connect() as connection:
        for start in range(0, len(rows), BATCH):
            began = time.perf_counter()
            if copy:
                with Session(connection) as session:
                    insert_rows(session, table, rows[start : start + BATCH])
                    session.commit()
            else:
                with connection.begin():
                    connection.execute(table.insert(), rows[start : start + BATCH])
            inserted += time.perf_counter() - began
            emails = [r["email"] for r in rows[start : start + BATCH]]
            with connection.begin():
                ids = list(connection.scalars(select(Lead.id).where(among(Lead.email, emails))))
            began = time.perf_counter()
            for stage, column in REWRITES:
                with connection.begin():
                    connection.execute(
                        update(table)
                        .where(among(table.c.id, ids))
                        .values({"pipeline_stage": stage, column: bindparam("v")}),
                        {"v": 50},
                    )
            rewritten += time.perf_counter() - began
        size = 0
        if engine.dialect.name == "postgresql":
            with connection.begin():
                size = connection.scalar(select(func.pg_indexes_size(text("'lead'::regclass"))))
    engine.dispose()
    return inserted, rewritten, size


SCORED = KeyedUpdate(
    Lead.__table__,
    "lead_id",
    {c: f"v_{c}" for c in ("fit_score", "score", "temperature", "grade", "scored_at", "status")},
)
ENRICHED = KeyedUpdate(
    Lead.__table__,
    "lead_id",
    {
        c: f"v_{c}"
        for c in ("industry", "employees", "enriched_by", "enriched_at", "enrichment_provenance")
    },
)


def _values(ids: list[int], round_no: int) -> list[dict[str, Any]]:
    at = datetime(2026, 12, 6, 9, round_no, tzinfo=timezone.utc)
    return [
        {
            "lead_id": lead_id,
            "v_fit_score": (lead_id * 7 + round_no) % 100,
            "v_score": (lead_id * 3 + round_no) % 100,
            "v_temperature": ("cold", "warm", "hot")[lead_id % 3],
            "v_grade": "ABCD"[lead_id % 4],
            "v_scored_at": at,
            "v_status": "nurturing",
            "v_industry": ("Software", "Retail", None)[lead_id % 3],
            "v_employees": lead_id % 5000 or None,
            "v_enriched_by": "clearbit",
            "v_enriched_at": at,
            "v_enrichment_provenance": {"industry": {"provider": "clearbit", "at": at.isoformat()}},
        }
        for lead_id in ids
    ]


def _cpu_of(pid: int | None) -> float:
    """User+system seconds of a process on this machine (0 when unknown)."""
    if pid is None:
        return 0.0
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def per_row_writes(
    url: str, n_rows: int, rounds: int
) -> dict[str, list[tuple[float, float, float]]]:
    """(wall, this process's CPU, the server's CPU) seconds per way, one entry per round."""
    engine = create_engine(url)
    out: dict[str, list[tuple[float, float, float]]] = {}
    with Session(engine) as session:
        pid = session.scalar(text("SELECT pg_backend_pid()")) if "postgresql" in url else None
        ids = list(session.scalars(select(Lead.id).order_by(Lead.id)))[:n_rows]
        session.commit()
        for round_no in range(rounds):
            for name, keyed in (("score", SCORED), ("enrich", ENRICHED)):
                for way in ("executemany", "keyed"):
                    began = (time.perf_counter(), time.process_time(), _cpu_of(pid))
                    for start in range(0, len(ids), BATCH):
                        values = _values(
                            ids[start : start + BATCH], round_no * 2 + (way == "keyed")
                        )
                        if way == "keyed":
                            keyed.run(session, values)
                        else:
                            session.execute(keyed.executemany, values)
                        session.commit()
                    ended = (time.perf_counter(), time.process_time(), _cpu_of(pid))
                    spent = tuple(b - a for a, b in zip(began, ended, strict=True))
                    out.setdefault(f"{name} {way}", []).append(spent)  # type: ignore[arg-type]
    engine.dispose()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database-url")
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    rows = lead_rows(args.rows, seed=7)
    ways = {
        "before 0010 (12 indexes)": ("0009", False),
        "head (9 indexes)": ("head", False),
        "head, insert_rows": ("head", True),
    }
    results: dict[str, list[tuple[float, float, int]]] = {label: [] for label in ways}
    for _ in range(args.rounds):
        for label, (revision, copy) in ways.items():
            url = args.database_url or f"sqlite:///{tempfile.mkdtemp()}/writes.db"
            reset(url, revision)
            results[label].append(one_round(url, rows, copy))
    print(f"{args.rows} leads, batches of {BATCH}, {args.rounds} rounds, median of the rounds")
    for label, runs in results.items():
        insert = statistics.median(r[0] for r in runs) / args.rows * 1e6
        rewrite = statistics.median(r[1] for r in runs) / args.rows / len(REWRITES) * 1e6
        size = statistics.median(r[2] for r in runs) / args.rows
        print(
            f"  {label:26} insert {insert:6.1f} us/lead   rewrite {rewrite:6.1f} us/lead"
            + (f"   index bytes/lead {size:6.0f}" if size else "")
        )
    url = args.database_url or f"sqlite:///{tempfile.mkdtemp()}/writes.db"
    reset(url, "head")
    one_round(url, rows)
    print(
        "per-lead values, head schema, us/lead (median of the rounds): wall, CPU here, server CPU"
    )
    for label, runs in per_row_writes(url, args.rows, args.rounds).items():
        wall, here, server = (
            statistics.median(r[i] for r in runs) / args.rows * 1e6 for i in range(3)
        )
        print(f"  {label:20} {wall:7.1f} {here:7.1f} {server:7.1f}")


if __name__ == "__main__":
    main()

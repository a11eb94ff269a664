"""What the indexes on ``lead`` cost the ingest's writes: the schema before migration 0010
(twelve indexes) against after (nine), in one run, alternating.

    python bench/bench_lead_writes.py --database-url postgresql+psycopg://127.0.0.1/<fresh db>
    python bench/bench_lead_writes.py                      # fresh SQLite files

Each round migrates a fresh schema to 0009 or to head, inserts ``--rows`` leads in batches of
2,000 (Core executemany, the columns clean+dedupe writes, match keys included), then rewrites
every lead three times per batch as the later stages do (``UPDATE ... WHERE id = ANY`` of the
batch, a stage and a non-indexed column each time). Prints the median µs per lead for the
insert and per rewrite, and the size of the table's indexes. PostgreSQL: the database named
in the URL is emptied (its ``public`` schema dropped) before every round.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from sqlalchemy import bindparam, create_engine, func, select, text, update

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
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


def one_round(url: str, rows: list[dict[str, Any]]) -> tuple[float, float, int]:
    """Seconds to insert, seconds for the three rewrites, index bytes (PostgreSQL, else 0)."""
    engine = create_engine(url)
    table = Lead.__table__
    inserted = rewritten = 0.0
    with engine.connect() as connection:
        for start in range(0, len(rows), BATCH):
            began = time.perf_counter()
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database-url")
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    rows = lead_rows(args.rows, seed=7)
    results: dict[str, list[tuple[float, float, int]]] = {"0009": [], "head": []}
    for _ in range(args.rounds):
        for revision in results:
            url = args.database_url or f"sqlite:///{tempfile.mkdtemp()}/writes.db"
            reset(url, revision)
            results[revision].append(one_round(url, rows))
    print(f"{args.rows} leads, batches of {BATCH}, {args.rounds} rounds, median of the rounds")
    for revision, runs in results.items():
        insert = statistics.median(r[0] for r in runs) / args.rows * 1e6
        rewrite = statistics.median(r[1] for r in runs) / args.rows / len(REWRITES) * 1e6
        size = statistics.median(r[2] for r in runs) / args.rows
        label = "before 0010 (12 indexes)" if revision == "0009" else "head (9 indexes)"
        print(
            f"  {label:26} insert {insert:6.1f} us/lead   rewrite {rewrite:6.1f} us/lead"
            + (f"   index bytes/lead {size:6.0f}" if size else "")
        )


if __name__ == "__main__":
    main()

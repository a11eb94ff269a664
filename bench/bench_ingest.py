"""Ingest throughput and memory, stage by stage, on a generated webinar-style file.

    python bench/bench_ingest.py --rows 20000 [--database-url URL] [--batch-size 2000]

Runs the ingest tasks' functions in-process (no Prefect server) so the figures are the
pipeline's own cost; Prefect adds a few ms per task on top (one task per batch).

In the same run it measures the floor: the same file parsed by the csv module and
bulk-inserted, unprocessed, into a table of the same database. read+clean+persist is
reported as a share of that floor.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=20000)
    parser.add_argument("--batch-size", type=int, default=2000)
    parser.add_argument("--database-url", help="default: a fresh SQLite file in a temp folder")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="leadflow-bench-"))
    subprocess.run(
        [
            sys.executable,
            str(ROOT / "bench" / "gen_campaigns.py"),
            "--rows",
            str(args.rows),
            "--out",
            str(work),
        ],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    source = work / f"webinar_bench_{args.rows}.csv"
    os.environ["LEADFLOW_DATABASE_URL"] = args.database_url or f"sqlite:///{work / 'bench.db'}"
    os.environ["LEADFLOW_DATA_DIR"] = str(work)
    sys.path.insert(0, str(ROOT))

    from leadflow.core.db import upgrade
    from tasks.enrich import enrich_leads
    from tasks.ingest import clean_batch, register_campaign
    from tasks.staging import stage_file
    from tasks.nurture import enroll_leads
    from tasks.routing import route_leads
    from tasks.scoring import score_leads

    upgrade()
    floor_s = _floor(source, os.environ["LEADFLOW_DATABASE_URL"])
    seconds: dict[str, float] = defaultdict(float)

    def timed(stage, fn, *a):  # type: ignore[no-untyped-def]
        start = time.perf_counter()
        result = fn(*a)
        seconds[stage] += time.perf_counter() - start
        return result

    campaign_id = register_campaign.fn("bench", "webinar", "analytics", None, None)
    staged = timed("stage", stage_file.fn, str(source), campaign_id, args.batch_size)
    leads = 0
    for first, last in staged.batches:
        cleaned = timed("clean+dedupe", clean_batch.fn, campaign_id, first, last)
        timed("enrich", enrich_leads.fn, cleaned.lead_ids)
        scored = timed("score", score_leads.fn, cleaned.lead_ids)
        timed("route", route_leads.fn, scored.hot)
        timed("enroll", enroll_leads.fn, scored.warm + scored.cold)
        leads += len(cleaned.lead_ids)
    total = sum(seconds.values())
    persist = seconds["stage"] + seconds["clean+dedupe"]
    backend = os.environ["LEADFLOW_DATABASE_URL"].split(":", 1)[0]
    print(f"{staged.rows} rows -> {leads} leads, batch {args.batch_size}, {backend}")
    for stage, spent in seconds.items():
        print(f"  {stage:<14} {spent:7.2f} s  {staged.rows / spent:9.0f} rows/s")
    print(f"  {'total':<14} {total:7.2f} s  {staged.rows / total:9.0f} rows/s")
    print(
        f"  floor (csv module + bulk insert, no processing): {floor_s:.2f} s, {staged.rows / floor_s:.0f} rows/s"
    )
    print(
        f"  read+clean+persist (stage + clean+dedupe): {staged.rows / persist:.0f} rows/s, "
        f"{100 * floor_s / persist:.0f}% of the floor"
    )
    print(f"  peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


def _floor(source: Path, url: str) -> float:
    """Parse with the csv module and bulk-insert raw rows: the most any ingest could do."""
    import csv

    from sqlalchemy import JSON, Column, Integer, MetaData, Table, create_engine

    engine = create_engine(url)
    table = Table(
        "bench_floor",
        MetaData(),
        Column("id", Integer, primary_key=True),
        Column("line_no", Integer),
        Column("values", JSON),
    )
    table.drop(engine, checkfirst=True)
    table.create(engine)
    start = time.perf_counter()
    with source.open(encoding="utf-8", newline="") as handle, engine.begin() as conn:
        reader = csv.reader(handle)
        next(reader)
        chunk: list[dict] = []
        for values in reader:
            chunk.append({"line_no": reader.line_num, "values": values})
            if len(chunk) == 2000:
                conn.execute(table.insert(), chunk)
                chunk = []
        if chunk:
            conn.execute(table.insert(), chunk)
    spent = time.perf_counter() - start
    table.drop(engine)
    engine.dispose()
    return spent


if __name__ == "__main__":
    main()

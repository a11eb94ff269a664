"""Ingest throughput and memory, stage by stage, on a generated webinar-style file.

    python bench/bench_ingest.py --rows 20000 [--database-url URL] [--batch-size 2000]

Runs the ingest tasks' functions in-process (no Prefect server) so the figures are the
pipeline's own cost; Prefect adds a few ms per task on top (one task per batch).
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
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=20000)
    parser.add_argument("--batch-size", type=int, default=2000)
    parser.add_argument("--database-url", help="default: a fresh SQLite file in a temp folder")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="leadflow-bench-"))
    subprocess.run([sys.executable, str(ROOT / "bench" / "gen_campaigns.py"), "--rows", str(args.rows),
                    "--out", str(work)], check=True, stdout=subprocess.DEVNULL)
    source = work / f"webinar_bench_{args.rows}.csv"
    os.environ["LEADFLOW_DATABASE_URL"] = args.database_url or f"sqlite:///{work / 'bench.db'}"
    os.environ["LEADFLOW_DATA_DIR"] = str(work)
    sys.path.insert(0, str(ROOT))

    from leadflow.db import upgrade
    from tasks.enrich import enrich_leads
    from tasks.ingest import clean_batch, register_campaign, stage_file
    from tasks.nurture import enroll_leads
    from tasks.routing import route_leads
    from tasks.scoring import score_leads

    upgrade()
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
    backend = os.environ["LEADFLOW_DATABASE_URL"].split(":", 1)[0]
    print(f"{staged.rows} rows -> {leads} leads, batch {args.batch_size}, {backend}")
    for stage, spent in seconds.items():
        print(f"  {stage:<14} {spent:7.2f} s  {staged.rows / spent:9.0f} rows/s")
    print(f"  {'total':<14} {total:7.2f} s  {staged.rows / total:9.0f} rows/s")
    print(f"  peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


if __name__ == "__main__":
    main()

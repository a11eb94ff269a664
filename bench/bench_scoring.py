"""Scoring throughput, batch re-score after a config change, and calibration on outcomes.

    python bench/bench_scoring.py --rows 100000 [--database-url URL]

1. generates a webinar-style file of N rows and ingests it (stage, clean, enrich);
2. times a re-score of every stored lead (what a config change triggers), in batches;
3. draws closed outcomes from a hidden model that disagrees with the shipped ICP
   (bench/gen_outcomes.py does the same on any database) and runs the calibration:
   AUC before and after on held-out rows.
"""

from __future__ import annotations

import argparse
import csv
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=50000)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="leadflow-score-bench-"))
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
    os.environ["LEADFLOW_DATABASE_URL"] = args.database_url or f"sqlite:///{work / 'bench.db'}"
    os.environ["LEADFLOW_DATA_DIR"] = str(work)
    sys.path.insert(0, str(ROOT))

    from sqlalchemy import select

    from leadflow.scoring.policy import load_scoring
    from leadflow.core.db import session_scope, upgrade
    from leadflow.core.models import Lead
    from leadflow.scoring.replay import calibrate_on_outcomes
    from leadflow.core.settings import get_settings
    from tasks.enrich import enrich_leads
    from tasks.ingest import clean_batch, register_campaign
    from tasks.scoring import score_leads
    from tasks.staging import stage_file

    sys.path.insert(0, str(ROOT / "bench"))
    from gen_outcomes import write_outcomes

    upgrade()
    campaign_id = register_campaign.fn("bench", "webinar", "analytics", None, None)
    staged = stage_file.fn(str(work / f"webinar_bench_{args.rows}.csv"), campaign_id, 5000)
    for first, last in staged.batches:
        enrich_leads.fn(clean_batch.fn(campaign_id, first, last).lead_ids)
    with session_scope() as session:
        ids = list(session.scalars(select(Lead.id).order_by(Lead.id)))
    start = time.perf_counter()
    for i in range(0, len(ids), 5000):
        score_leads.fn(ids[i : i + 5000])
    spent = time.perf_counter() - start
    print(
        f"re-scored {len(ids)} stored leads in {spent:.1f} s: {len(ids) / spent:.0f} leads/s "
        f"(batches of 5,000, {os.environ['LEADFLOW_DATABASE_URL'].split(':')[0]})"
    )

    outcomes = work / "outcomes.csv"
    positives = write_outcomes(outcomes)
    policy = load_scoring(get_settings().scoring_dir)
    with outcomes.open(encoding="utf-8", newline="") as handle, session_scope() as session:
        result, _ = calibrate_on_outcomes(session, csv.DictReader(handle), policy)
    print(
        f"calibration on {result.rows} outcomes ({positives} converted), {result.held_out} held out: "
        f"AUC {result.auc_before:.3f} -> {result.auc_after:.3f}; at MQL precision "
        f"{result.precision_at_mql:.2f} recall {result.recall_at_mql:.2f}"
    )
    print(f"proposed points: {result.proposed_points}")
    print(f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


if __name__ == "__main__":
    main()

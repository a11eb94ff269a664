"""Time `activities import` on a 100k-row activity export, then again (nothing new the 2nd time).

    LEADFLOW_DATABASE_URL=sqlite:///bench.db python bench/scoring/bench_activities.py [ROWS]

Creates 5,000 leads, writes ROWS activity rows (email, type, time) spread over them, and
imports the file twice, printing the time and the counts of each run.
"""

from __future__ import annotations

import csv
import random
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from leadflow.core.db import session_scope, upgrade  # noqa: E402
from leadflow.core.models import Lead  # noqa: E402
from leadflow.core.settings import get_settings  # noqa: E402
from leadflow.scoring.activities_store import import_activities  # noqa: E402
from leadflow.scoring.tables import read_table  # noqa: E402

TYPES = ["Email Open", "Email Click", "Pricing Page", "Web Session", "Meeting", "Call", "Webinar"]


def main() -> None:
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    upgrade(get_settings().resolved_database_url)
    with session_scope() as session:
        session.add_all(
            Lead(email=f"b{i}@bench{i % 900}.example", domain=f"bench{i % 900}.example")
            for i in range(5000)
        )
    rng, start = random.Random(7), datetime(2026, 6, 1, tzinfo=timezone.utc)
    path = Path(tempfile.mkdtemp()) / "activities.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["Activity ID", "Email", "Activity Type", "Activity Date"])
        for n in range(rows):
            i = rng.randrange(5000)
            when = start + timedelta(minutes=rng.randrange(150 * 24 * 60))
            writer.writerow(
                [f"act{n}", f"b{i}@bench{i % 900}.example", rng.choice(TYPES), when.isoformat()]
            )
    for run in ("first", "again"):
        started = time.perf_counter()
        with session_scope() as session:
            result = import_activities(session, read_table(path))
        print(
            f"{run}: {rows} rows in {time.perf_counter() - started:.1f} s: {result.inserted} new, "
            f"{result.already_held} already held, {result.leads_matched} leads"
        )


if __name__ == "__main__":
    main()

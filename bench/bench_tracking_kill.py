"""The tracking loss window: kill -9 the web app under open-pixel load, count answered opens lost.

    python bench/bench_tracking_kill.py [--database-url URL-OF-AN-EMPTY-DATABASE]
        [--buffers 1000,0] [--runs 3] [--requests 6000] [--kill-after 3000] [--clients 16]

For each LEADFLOW_TRACKING_BUFFER_MAX in --buffers: a fresh set of sent emails, the web app
(uvicorn) in its own process, --clients threads fetching one open pixel per email; SIGKILL
once --kill-after answers are in. Lost = answered 200 whose row is not in the database.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database-url")
    parser.add_argument("--buffers", default="1000,0")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--requests", type=int, default=6000)
    parser.add_argument("--kill-after", type=int, default=3000)
    parser.add_argument("--clients", type=int, default=16)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="leadflow-tracking-kill-"))
    os.environ["LEADFLOW_DATABASE_URL"] = args.database_url or f"sqlite:///{work / 'bench.db'}"
    os.environ["LEADFLOW_DATA_DIR"] = str(work)

    from sqlalchemy import delete

    from leadflow.core.db import session_scope, upgrade
    from leadflow.core.models import EngagementEvent, Lead, OutboundEmail
    from tests.conftest import free_port
    from tests.support.tracking_kill import kill_under_load, seed_sent_emails

    upgrade()
    backend = os.environ["LEADFLOW_DATABASE_URL"].split(":", 1)[0]
    for buffer_max in map(int, args.buffers.split(",")):
        for run in range(args.runs):
            with session_scope() as session:
                for table in (EngagementEvent, OutboundEmail, Lead):
                    session.execute(delete(table))
            ids = seed_sent_emails(args.requests)
            result = kill_under_load(
                free_port(), ids, buffer_max, args.kill_after, clients=args.clients
            )
            print(
                f"{backend} buffer_max={buffer_max:<5} run {run + 1}: answered {result.answered},"
                f" stored {result.stored}, lost {result.lost} ({result.rate:.0f} opens/s until the kill)",
                flush=True,
            )


if __name__ == "__main__":
    main()

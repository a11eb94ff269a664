"""The stuck-queue scenario: the sample campaigns, then SLA sweeps until no rep is left.

    python bench/stuck_queue.py [--sweeps 8] [--hours 49]

Ingests examples/ (the real ingest flow, on a private SQLite database and a throwaway Prefect
server), then nobody accepts anything: every `--hours` the reclaim flow's steps run (sweep,
route again, pool the rest). Prints the leads per state (see leadflow.routing.states) and per
lead status after ingest and after the sweeps. Before queues had deadlines, hot leads that no
rep was left for stayed in status `unassigned` for good.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from collections import Counter
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def counts() -> tuple[dict[str, int], dict[str, int]]:
    from sqlalchemy import select

    from leadflow.core.db import session_scope
    from leadflow.core.models import Lead

    try:
        from leadflow.routing.states import state_counts
    except ImportError:  # a checkout from before lead states existed: statuses only
        state_counts = None  # type: ignore[assignment]
    with session_scope() as session:
        statuses = Counter(session.scalars(select(Lead.status)))
        states = {k: v for k, v in state_counts(session).items() if v} if state_counts else {}
        return states, dict(sorted(statuses.items()))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sweeps", type=int, default=8)
    parser.add_argument("--hours", type=float, default=49)  # past the longest SLA (48 h default)
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="leadflow-stuck-"))
    os.environ["LEADFLOW_DATABASE_URL"] = f"sqlite:///{workdir / 'leadflow.core.db'}"
    os.environ["LEADFLOW_DATA_DIR"] = str(workdir / "data")
    os.environ["LEADFLOW_SMTP_PORT"] = "1"  # no SMTP server: escalation emails fail, recorded
    os.environ.setdefault("PREFECT_HOME", str(workdir / "prefect"))
    from prefect.testing.utilities import prefect_test_harness

    from flows.ingest import ingest_campaign
    from leadflow.core.db import upgrade
    from leadflow.app.demo import DEMO_START, EXAMPLES
    from tasks.routing import route_leads
    from tasks.sla import pool_unrouted, sweep_sla

    upgrade()
    with prefect_test_harness(server_startup_timeout=120):
        ingest_campaign(
            source=str(EXAMPLES / "webinar_analytics_2026-11.csv"),
            campaign="webinar",
            channel="webinar",
            product_line="analytics",
            now=DEMO_START,
        )
        ingest_campaign(
            source=str(EXAMPLES / "tradeshow_shanghai_2026-11.csv"),
            campaign="tradeshow",
            channel="trade_show",
            product_line="automation",
            now=DEMO_START + timedelta(hours=12),
        )
    print("after ingest:", *counts(), sep="\n  ")
    at = DEMO_START + timedelta(hours=12)
    for n in range(1, args.sweeps + 1):
        at += timedelta(hours=args.hours)
        swept = sweep_sla.fn(at)
        routed = route_leads.fn(swept.reassign, at)
        pooled = pool_unrouted.fn(swept.reassign, at)
        print(
            f"sweep {n} at {at:%Y-%m-%d %H:%M}: {len(swept.reassign)} to reassign, "
            f"{len(routed.assignment_ids)} reassigned, {len(swept.pooled) + len(pooled)} pooled, "
            f"{len(getattr(swept, 'escalated', []))} queue items escalated"
        )
    print("after the sweeps:", *counts(), sep="\n  ")


if __name__ == "__main__":
    main()

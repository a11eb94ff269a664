"""kill -9 of a real ingest process on a generated file, then the same ingest again.

    python bench/bench_ingest_kill.py --rows 6000 [--database-url URL] [--step clean_batch --nth 1]

Runs the ingest flow in a subprocess against a temporary Prefect server, SIGKILLs it right
after ``--step`` returned for the ``--nth`` time (default: once the first batch is cleaned),
runs the same ingest again to the end, then counts: rows still staged, leads short of
``done`` (stranded), leads never scored, hot leads never routed, and doubles (leads per email,
assignments and enrollments per lead, outbox rows per key). Every count should be 0.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _counts() -> dict[str, int]:
    from sqlalchemy import func, select

    from leadflow.core.db import session_scope
    from leadflow.core.models import Assignment, Enrollment, Lead, OutboundEmail, SourceRecord

    def doubles(session, column) -> int:  # type: ignore[no-untyped-def]
        grouped = select(column, func.count().label("n")).group_by(column).subquery()
        return session.scalar(
            select(func.coalesce(func.sum(grouped.c.n - 1), 0)).where(grouped.c.n > 1)
        )

    with session_scope() as session:
        count = lambda q: session.scalar(select(func.count()).select_from(q)) or 0  # noqa: E731
        return {
            "rows": count(select(SourceRecord.id).subquery()),
            "leads": count(select(Lead.id).subquery()),
            "rows still staged": count(
                select(SourceRecord.id).where(SourceRecord.status == "staged").subquery()
            ),
            "leads stranded (stage not done)": count(
                select(Lead.id).where(Lead.pipeline_stage != "done").subquery()
            ),
            "leads never scored": count(select(Lead.id).where(Lead.scored_at.is_(None)).subquery()),
            "hot leads still new": count(
                select(Lead.id).where(Lead.temperature == "hot", Lead.status == "new").subquery()
            ),
            "doubled assignments": doubles(session, Assignment.lead_id),
            "doubled enrollments": doubles(session, Enrollment.lead_id),
            "doubled outbox keys": doubles(session, OutboundEmail.dedupe_key),
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=6000)
    parser.add_argument("--batch-size", type=int, default=2000)
    parser.add_argument("--step", default="clean_batch")
    parser.add_argument("--nth", type=int, default=1)
    parser.add_argument("--database-url", help="default: a fresh SQLite file in a temp folder")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="leadflow-kill-"))
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
    os.environ.setdefault("PREFECT_HOME", str(work / "prefect"))
    from prefect.testing.utilities import prefect_test_harness

    from leadflow.core.db import upgrade
    from tests.support.ingest_runs import start_ingest

    upgrade()
    with prefect_test_harness(server_startup_timeout=120):
        started = time.perf_counter()
        killed = start_ingest(work, source, "bench", args.step, args.nth, args.batch_size)
        killed.communicate()
        print(
            f"killed after {args.step} #{args.nth}: exit {killed.returncode} "
            f"({'SIGKILL' if killed.returncode == -signal.SIGKILL else 'not killed'})"
        )
        print("after the kill:", _counts())
        rerun = start_ingest(work, source, "bench", batch=args.batch_size)
        out, err = rerun.communicate()
        print(f"rerun: exit {rerun.returncode}; {out.strip() or err[-500:]}")
        print(f"after the rerun ({time.perf_counter() - started:.0f} s in all):")
        for name, value in _counts().items():
            print(f"  {name}: {value}")


if __name__ == "__main__":
    main()

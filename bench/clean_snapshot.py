"""Same input, same database? Clean+dedupe of the example campaigns and a generated file with
two checkouts, then every row they wrote compared.

    python bench/clean_snapshot.py --before ../other-checkout [--rows 20000] \
        [--database-url postgresql+psycopg://postgres@127.0.0.1:5432/postgres]

Each checkout stages and cleans, on a fresh database and at one fixed clock: the two example
files, a generated webinar file, the same generated file again under another name (every row
merges) and the example webinar again (nothing new). Compared: leads (every column but the
timestamps), decisions, source records (status, reason, lead), merge events, aliases, review
pairs, campaign members and qualification answers.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from bench_clean import _fresh_db, _generate  # noqa: E402

TABLES = (
    "lead",
    "decision",
    "source_record",
    "merge_event",
    "lead_alias",
    "merge_candidate",
    "campaign_member",
    "qualification_answer",
)
SKIP = {
    "campaign_member.id",
    "created_at",
    "updated_at",
    "received_at",
    "payload",
    "payload_hash",
    "source_hash",
}


def worker(files: list[str]) -> dict:
    from sqlalchemy import text

    from leadflow.core.db import session_scope, upgrade
    from tasks.ingest import clean_batch, register_campaign
    from tasks.staging import stage_file

    upgrade()
    now = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
    for source in files:
        campaign_id = register_campaign.fn(Path(source).stem, "webinar", None, None, now)
        staged = stage_file.fn(source, campaign_id, 500, now)
        for first, last in staged.batches:
            clean_batch.fn(campaign_id, first, last, now)
    dump: dict[str, list] = {}
    with session_scope() as session:
        for table in TABLES:
            # Memberships by lead: the original code numbered them in its query plan's order.
            order = "campaign_id, lead_id" if table == "campaign_member" else "id"
            rows = session.execute(text(f"SELECT * FROM {table} ORDER BY {order}")).mappings()
            dump[table] = [
                {
                    k: (v if isinstance(v, int | float | bool | None) else str(v))
                    for k, v in row.items()
                    if k not in SKIP and f"{table}.{k}" not in SKIP
                }
                for row in rows
            ]
    return dump


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--before", type=Path, required=True)
    parser.add_argument("--rows", type=int, default=20000)
    parser.add_argument("--database-url")
    parser.add_argument("--worker", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        sys.path.insert(0, os.environ["PYTHONPATH"])
        print(json.dumps(worker(args.worker)))
        return
    work = Path(tempfile.mkdtemp(prefix="leadflow-snapshot-"))
    generated = _generate(work, args.rows, 9)
    again = work / "again.csv"
    shutil.copy(generated, again)
    examples = ROOT / "examples"
    files = [
        str(examples / "webinar_analytics_2026-11.csv"),
        str(examples / "tradeshow_shanghai_2026-11.csv"),
        str(generated),
        str(again),
        str(examples / "webinar_analytics_2026-11.csv"),
    ]
    dumps = {}
    for label, code in (("before", args.before.resolve()), ("after", ROOT)):
        url = _fresh_db(args.database_url or "sqlite", work, f"snapshot_{label}", None)
        env = dict(os.environ, PYTHONPATH=str(code), LEADFLOW_DATABASE_URL=url)
        env.update(LEADFLOW_DATA_DIR=str(work), PREFECT_HOME=str(work / "prefect"))
        done = subprocess.run(
            [sys.executable, __file__, "--before", ".", "--worker", *files],
            env=env,
            capture_output=True,
            text=True,
        )
        if done.returncode:
            sys.exit(f"{label} failed:\n{done.stderr[-3000:]}")
        out = done.stdout
        dumps[label] = json.loads(out.strip().splitlines()[-1])
    same = True
    for table in TABLES:
        before, after = dumps["before"][table], dumps["after"][table]
        differ = sum(1 for a, b in zip(before, after) if a != b) + abs(len(before) - len(after))
        same &= differ == 0
        print(
            f"{table:<22} before {len(before):>7} rows  after {len(after):>7}  differing {differ}"
        )
        if differ:
            first = next((a, b) for a, b in zip(before, after) if a != b) if before else None
            print("   first difference:", first)
    print("IDENTICAL" if same else "DIFFERENT")
    sys.exit(0 if same else 1)


if __name__ == "__main__":
    main()

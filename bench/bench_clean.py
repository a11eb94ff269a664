"""Clean+dedupe throughput, empty base and on top of a large stored base, two checkouts in one run.

    python bench/bench_clean.py --rows 20000,100000 --base-rows 200000 \
        [--database-url postgresql+psycopg://127.0.0.1/postgres] [--before ../other-checkout]

For each size: a generated webinar file (bench/gen_campaigns.py) is staged and cleaned batch by
batch (the ingest task's function, in process) on a fresh database, once with an empty base and
once on a copy of a base of ``--base-rows`` stored leads (bulk-inserted from another generated
file with the leads' own columns and match keys; SQLite: a file copy, PostgreSQL: CREATE
DATABASE ... TEMPLATE). With ``--before`` the same runs are made with that checkout's code first,
in the same run, so the ratios are comparable on a busy machine. Figures: clean+dedupe seconds,
rows/s and µs/row (staging is timed apart), and normalize_row µs/row on the file's first rows.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _generate(work: Path, rows: int, seed: int, wide_phones: bool = False) -> Path:
    out = work / (f"seed{seed}" + ("-wide" if wide_phones else ""))
    subprocess.run(
        [sys.executable, str(ROOT / "bench" / "gen_campaigns.py"), "--rows", str(rows)]
        + ["--out", str(out), "--seed", str(seed)]
        + (["--wide-phones"] if wide_phones else []),
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return out / f"webinar_bench_{rows}.csv"


def _worker_env(code: Path, url: str, work: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        PYTHONPATH=str(code),
        LEADFLOW_DATABASE_URL=url,
        LEADFLOW_DATA_DIR=str(work),
        PREFECT_HOME=str(work / "prefect"),
    )
    return env


def _run_worker(code: Path, url: str, work: Path, *args: str) -> dict:
    answer = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), "--worker", *args],
        env=_worker_env(code, url, work),
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(answer.stdout.strip().splitlines()[-1])


def _admin(url: str):  # type: ignore[no-untyped-def]
    from sqlalchemy import create_engine

    return create_engine(url, isolation_level="AUTOCOMMIT")


def _fresh_db(admin_url: str, work: Path, name: str, template: str | None) -> str:
    """A database named ``name``: empty, or a copy of ``template``."""
    if not admin_url.startswith("postgresql"):
        target = work / f"{name}.db"
        target.unlink(missing_ok=True)
        if template:
            shutil.copy(work / f"{template}.db", target)
        return f"sqlite:///{target}"
    from sqlalchemy import text

    engine = _admin(admin_url)
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        conn.execute(
            text(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))
        )
    engine.dispose()
    return admin_url.rsplit("/", 1)[0] + f"/{name}"


def worker_base(source: str) -> dict:
    """Bulk-insert the leads a file would create (first row per email), with their keys."""
    from sqlalchemy import insert

    from leadflow.core.db import session_scope, upgrade
    from leadflow.core.models import Lead
    from leadflow.dedupe.clean_and_dedupe import matching_policy

    try:  # where the checkout measured keeps it
        from leadflow.dedupe.batch_store import lead_values
    except ImportError:
        from leadflow.dedupe.clean_and_dedupe import _lead_values as lead_values
    try:  # COPY on PostgreSQL where the checkout has it: the base builds 2x faster
        from leadflow.core.bulk_writes import insert_rows
    except ImportError:

        def insert_rows(session, table, rows):  # type: ignore[no-untyped-def]
            session.execute(insert(table), rows)

    from leadflow.ingest.normalize import map_columns, normalize_row
    from tasks.ingest import register_campaign

    upgrade()
    campaign_id = register_campaign.fn("base", "webinar", None, None, None)
    policy, seen, chunk, total = matching_policy(), set(), [], 0
    with open(source, encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        headers = next(reader)
        mapping = map_columns(headers)[0]
        for n, values in enumerate(reader):
            fields = {mapping[h]: v for h, v in zip(headers, values) if h in mapping}
            row = normalize_row(fields, 0, n)
            if getattr(row, "email", None) is None or row.email in seen:
                continue
            seen.add(row.email)
            chunk.append(lead_values(row, None, campaign_id, policy, None))
            if len(chunk) == 5000:
                with session_scope() as session:
                    insert_rows(session, Lead.__table__, chunk)
                total, chunk = total + len(chunk), []
    with session_scope() as session:
        if chunk:
            insert_rows(session, Lead.__table__, chunk)
    return {"leads": total + len(chunk)}


def worker_clean(source: str, batch_size: int) -> dict:
    from leadflow.core.db import upgrade
    from leadflow.ingest.normalize import map_columns, normalize_row
    from tasks.ingest import clean_batch, register_campaign
    from tasks.staging import stage_file

    with open(source, encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        headers = next(reader)
        mapping = map_columns(headers)[0]
        sample = [
            {mapping[h]: v for h, v in zip(headers, values) if h in mapping}
            for _, values in zip(range(20500), reader)
        ]
    for n, fields in enumerate(sample[:500]):  # warm-up: libraries load their tables once
        normalize_row(fields, n, n)
    start = time.perf_counter()
    for n, fields in enumerate(sample[500:]):
        normalize_row(fields, n, n)
    norm_us = (time.perf_counter() - start) / max(len(sample) - 500, 1) * 1e6
    start = time.perf_counter()
    upgrade()
    upgraded = time.perf_counter() - start
    campaign_id = register_campaign.fn("bench", "webinar", "analytics", None, None)
    start = time.perf_counter()
    staged = stage_file.fn(source, campaign_id, batch_size)
    stage_s = time.perf_counter() - start
    start, cpu = time.perf_counter(), time.process_time()
    leads = 0
    for first, last in staged.batches:
        leads += len(clean_batch.fn(campaign_id, first, last).lead_ids)
    clean_s, clean_cpu = time.perf_counter() - start, time.process_time() - cpu
    return {
        "rows": staged.rows,
        "leads": leads,
        "upgrade_s": round(upgraded, 2),
        "stage_s": round(stage_s, 2),
        "clean_s": round(clean_s, 2),
        "clean_rows_s": round(staged.rows / clean_s),
        "clean_us_row": round(clean_s / staged.rows * 1e6, 1),
        # this process only: on SQLite all of the work, on PostgreSQL without the server's part
        "clean_cpu_us_row": round(clean_cpu / staged.rows * 1e6, 1),
        "normalize_us_row": round(norm_us, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", default="20000,100000", help="comma-separated sizes")
    parser.add_argument("--base-rows", type=int, default=0, help="0: empty base only")
    parser.add_argument("--batch-size", type=int, default=2000)
    parser.add_argument("--database-url", help="PostgreSQL server URL; default: SQLite files")
    parser.add_argument("--before", type=Path, help="another checkout to measure first")
    parser.add_argument("--after", type=Path, default=ROOT, help="default: this checkout")
    parser.add_argument("--work", type=Path, help="folder for files and databases")
    parser.add_argument(
        "--wide-phones",
        action="store_true",
        help="base and file with phone numbers from the whole plan (gen_campaigns --wide-phones)",
    )
    parser.add_argument("--worker", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        sys.path.insert(0, os.environ["PYTHONPATH"])
        mode, source, *rest = args.worker
        out = worker_base(source) if mode == "base" else worker_clean(source, int(rest[0]))
        print(json.dumps(out))
        return
    work = args.work or Path(tempfile.mkdtemp(prefix="leadflow-bench-clean-"))
    work.mkdir(parents=True, exist_ok=True)
    admin = args.database_url or "sqlite"
    codes = [("before", args.before.resolve())] if args.before else []
    codes.append(("after", args.after.resolve()))
    bases = [0] + ([args.base_rows] if args.base_rows else [])
    wide = "-wide" if args.wide_phones else ""
    marker = work / f"base-{admin.split(':')[0]}-{args.base_rows}{wide}.json"
    base_db = "bench_base" + wide.replace("-", "_")  # one per kind of file: a server may hold both
    if args.base_rows and not marker.exists():  # built once per folder and server, then reused
        base_url = _fresh_db(admin, work, base_db, None)
        start = time.perf_counter()
        made = _run_worker(
            codes[0][1],
            base_url,
            work,
            "base",
            str(_generate(work, args.base_rows, 31, args.wide_phones)),
        )
        print(f"base: {made['leads']} leads in {time.perf_counter() - start:.0f} s", flush=True)
        marker.write_text(json.dumps(made))
    if args.rows == "0":
        return
    for rows in (int(r) for r in args.rows.split(",")):
        source = _generate(work, rows, 9, args.wide_phones)
        for base in bases:
            for label, code in codes:
                url = _fresh_db(admin, work, "bench_run", base_db if base else None)
                got = _run_worker(code, url, work, "clean", str(source), str(args.batch_size))
                print(
                    f"{admin.split(':')[0]:<10} rows={rows:<7} base={base:<7} {label:<6} "
                    + json.dumps(got),
                    flush=True,
                )


if __name__ == "__main__":
    main()

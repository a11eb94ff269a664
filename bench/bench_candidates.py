"""Stored-lead candidate lookups on a large base, per row, two checkouts alternated.

    python bench/bench_clean.py --rows 0 --base-rows 1000000 --work DIR \
        --database-url postgresql+psycopg://127.0.0.1/postgres [--wide-phones]
    python bench/bench_candidates.py --work DIR \
        --database-url postgresql+psycopg://127.0.0.1/postgres [--wide-phones] \
        [--before ../other-checkout] [--rows 20000] [--rounds 3]

The first command builds the base (bench_clean keeps it in the database ``bench_base``, or
``bench_base_wide``); this one copies it, gathers its statistics once, and then times
``find_candidates`` (the lookups a batch makes against the stored leads) over the first
``--rows`` rows of bench_clean's 100k-row file, 2,000 keys per call as a batch makes them.
Each checkout runs in a process of its own, the checkouts alternating ``--rounds`` times; a
warm-up call comes first. Figures: wall and CPU µs per row, and the candidates found, which
must be the same stored leads for every row with both checkouts (a digest of their ids).
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from bench_clean import _fresh_db, _generate, _worker_env  # noqa: E402

BATCH = 2000


def worker(source: str, rows: int) -> dict:
    from leadflow.core.db import session_scope
    from leadflow.dedupe.clean_and_dedupe import matching_policy
    from leadflow.dedupe.merging.candidates import find_candidates
    from leadflow.dedupe.merging.matches import lookup_keys
    from leadflow.ingest.normalize import map_columns, normalize_row

    policy, clean = matching_policy(), []
    with open(source, encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        headers = next(reader)
        mapping = map_columns(headers)[0]
        for n, values in zip(range(rows), reader):
            row = normalize_row(
                {mapping[h]: v for h, v in zip(headers, values) if h in mapping}, 0, n
            )
            if getattr(row, "email", None):
                clean.append(row)
    keys = [lookup_keys(row, policy) for row in clean]
    cap = policy.max_candidates_per_key
    with session_scope() as session:
        find_candidates(session, keys[:BATCH], cap)  # warm-up: plans, caches, imports
        start, cpu, found = time.perf_counter(), time.process_time(), []
        for i in range(0, len(keys), BATCH):
            found += find_candidates(session, keys[i : i + BATCH], cap)
        wall, cpu = time.perf_counter() - start, time.process_time() - cpu
    ids = [sorted(lead["id"] for lead in leads) for leads in found]  # per row, in file order
    return {
        "rows": len(keys),
        "candidates": sum(map(len, ids)),
        "digest": hashlib.sha256(json.dumps(ids).encode()).hexdigest()[:16],
        "wall_us_row": round(wall / len(keys) * 1e6, 1),
        "cpu_us_row": round(cpu / len(keys) * 1e6, 1),
    }


def _measure(code: Path, url: str, source: Path, rows: int) -> dict:
    env = _worker_env(code, url, source.parent)
    answer = subprocess.run(
        [sys.executable, __file__, "--worker", str(source), str(rows)],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(answer.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database-url", default="postgresql+psycopg://127.0.0.1/postgres")
    parser.add_argument("--work", type=Path, help="bench_clean's folder (its base and files)")
    parser.add_argument("--wide-phones", action="store_true")
    parser.add_argument("--rows", type=int, default=20000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--before", type=Path, help="another checkout, measured first")
    parser.add_argument("--after", type=Path, default=ROOT)
    parser.add_argument("--worker", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        sys.path.insert(0, os.environ["PYTHONPATH"])
        print(json.dumps(worker(args.worker[0], int(args.worker[1]))))
        return
    if args.work is None:
        parser.error("--work: the folder bench_clean built its base in")
    base = "bench_base" + ("_wide" if args.wide_phones else "")
    url = _fresh_db(args.database_url, args.work, "bench_candidates", base)
    from sqlalchemy import create_engine

    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:  # a base in use has its statistics: gathered once, here
        conn.exec_driver_sql("ANALYZE lead")
    engine.dispose()
    source = _generate(args.work, 100000, 9, args.wide_phones)
    codes = ([("before", args.before.resolve())] if args.before else []) + [
        ("after", args.after.resolve())
    ]
    digests: set[str] = set()
    for n in range(1, args.rounds + 1):
        for label, code in codes:
            got = _measure(code, url, source, args.rows)
            digests.add(got["digest"])
            print(f"round {n} {label:<6} {json.dumps(got)}", flush=True)
    if len(digests) > 1:  # the same stored leads for every row, not only as many
        sys.exit(f"the checkouts found different candidates: {sorted(digests)}")


if __name__ == "__main__":
    main()

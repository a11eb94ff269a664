"""SQLite batch writes: SQLAlchemy's executemany against ``sqlite_writes.executemany``.

    python bench/bench_sqlite_writes.py [--leads 5000] [--rounds 7]

In a fresh SQLite file migrated to head, stores ``--leads`` leads, then times, alternating,
in one transaction each (rolled back): the enrichment step's keyed update of every lead
(``ENRICHED``: 14 parameters, a moment, a JSON map, the stage move's literals) and a decision
per lead, each through ``session.execute(statement, rows)`` and through
``sqlite_writes.executemany``. Prints this process's CPU per row (median and least of the
rounds), then, for the keyed update, how the new path's time splits between binding the rows
in Python and the driver's executemany. The SQLite file is removed at the end.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--leads", type=int, default=5000)
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    folder = tempfile.mkdtemp(prefix="leadflow-sqlite-writes-")
    os.environ["LEADFLOW_DATABASE_URL"] = f"sqlite:///{folder}/bench.db"
    os.environ["LEADFLOW_DATA_DIR"] = folder

    from sqlalchemy import select

    from leadflow.core import sqlite_writes
    from leadflow.core.bulk_writes import insert_rows
    from leadflow.core.db import get_engine, session_scope, upgrade
    from leadflow.core.decisions import decision_row
    from leadflow.core.models import Decision, Lead
    from leadflow.enrich.policy import ENRICH_FIELDS
    from leadflow.enrich.service import ENRICHED

    upgrade()
    lead, decision = Lead.__table__, Decision.__table__
    with session_scope() as session:
        insert_rows(
            session,
            lead,
            [
                {"email": f"x{i}@acme.example", "status": "new", "pipeline_stage": "cleaned"}
                for i in range(args.leads)
            ],
        )
        ids = list(session.scalars(select(lead.c.id)))
    at = datetime(2026, 12, 7, tzinfo=UTC)
    changes = [
        {f"v_{name}": None for name in ENRICH_FIELDS}
        | {"lead_id": i, "v_status": "enriched", "v_has_website": True, "v_by": "local"}
        | {"v_provenance": {"company": {"provider": "local"}}, "v_at": at, "v_account_id": None}
        for i in ids
    ]
    decisions = [
        decision_row(
            lead_id=i,
            kind="enrich",
            rule_id="r",
            outcome="o",
            reason="why",
            inputs={"found": ["industry"], "n": 1},
            at=at,
            flow_run_id=None,
        )
        for i in ids
    ]
    cases: dict[str, Callable[[Any], None]] = {
        "keyed update, SQLAlchemy": lambda s: s.execute(ENRICHED.executemany, changes),
        "keyed update, bound once": lambda s: sqlite_writes.executemany(
            s, ENRICHED.executemany, changes
        ),
        "decisions, SQLAlchemy": lambda s: s.execute(decision.insert(), decisions),
        "decisions, bound once": lambda s: sqlite_writes.executemany(
            s, decision.insert(), decisions
        ),
    }
    spent: dict[str, list[float]] = {name: [] for name in cases}
    for _ in range(args.rounds):
        for name, write in cases.items():
            with session_scope() as session:
                start = time.process_time()
                write(session)
                spent[name].append(time.process_time() - start)
                session.rollback()
    for name, seconds in spent.items():
        median, least = statistics.median(seconds), min(seconds)
        print(
            f"{name:28s} median {median * 1e6 / len(ids):6.2f}  least {least * 1e6 / len(ids):6.2f} µs/row"
        )
    _split(session_scope, sqlite_writes, ENRICHED.executemany, changes)
    get_engine().dispose()
    shutil.rmtree(folder, ignore_errors=True)


def _split(session_scope: Any, sqlite_writes: Any, statement: Any, rows: list[dict]) -> None:
    with session_scope() as session:
        key = statement._generate_cache_key()
        prepared = sqlite_writes._prepare(
            statement, key, tuple(rows[0]), session.get_bind().dialect
        )
        bind = prepared.binder(key.bindparams)
        start = time.process_time()
        bound = [bind(row) for row in rows]
        binding = time.process_time() - start
        driver = session.connection().connection.driver_connection
        start = time.process_time()
        driver.executemany(prepared.compiled.string, bound)
        sending = time.process_time() - start
        session.rollback()
    print(
        f"keyed update, bound once: binding {binding * 1e6 / len(rows):.2f}, "
        f"the driver's executemany {sending * 1e6 / len(rows):.2f} µs/row"
    )


if __name__ == "__main__":
    main()

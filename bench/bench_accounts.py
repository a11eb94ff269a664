"""Accounts in, then the example campaigns: how leads find their account, and how long it takes.

    python bench/gen_accounts.py accounts.csv --rows 10000
    python bench/bench_accounts.py accounts.csv [--database-url URL]

On a fresh database (a private SQLite file unless --database-url): `accounts import` of the
export (timed), then the two example campaigns through the real ingest flow (a throwaway
Prefect server), then the leads per match method (domain / fuzzy or exact Latin name / CJK
name) from the account_match decisions, and the time the matching step took in total.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("accounts", type=Path)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="leadflow-accounts-"))
    os.environ["LEADFLOW_DATABASE_URL"] = (
        args.database_url or f"sqlite:///{workdir / 'leadflow.db'}"
    )
    os.environ["LEADFLOW_DATA_DIR"] = str(workdir / "data")
    os.environ.setdefault("PREFECT_HOME", str(workdir / "prefect"))
    from prefect.testing.utilities import prefect_test_harness
    from sqlalchemy import func, select

    import leadflow.pipeline.account_match as matching
    from flows.ingest import ingest_campaign
    from leadflow.app.demo import DEMO_START, EXAMPLES
    from leadflow.core.db import session_scope, upgrade
    from leadflow.core.models import Decision, Lead
    from leadflow.pipeline.accounts_import import import_accounts

    upgrade()
    started = time.perf_counter()
    result = import_accounts(args.accounts, "ops.admin", DEMO_START)
    print(
        f"import: {result.rows} rows, {result.created} created, {len(result.problems)} problems "
        f"in {time.perf_counter() - started:.2f} s"
    )
    spent = [0.0]
    original = matching.match_accounts

    def timed(lead_ids, now=None, index=None):  # type: ignore[no-untyped-def]
        begin = time.perf_counter()
        try:
            return original(lead_ids, now, index)
        finally:
            spent[0] += time.perf_counter() - begin

    matching.match_accounts = timed  # type: ignore[assignment]
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
    with session_scope() as session:
        leads = session.scalar(select(func.count()).select_from(Lead))
        by_method = dict(
            session.execute(
                select(Decision.rule_id, func.count())
                .where(Decision.kind == "account_match")
                .group_by(Decision.rule_id)
            )
            .tuples()
            .all()
        )
    print(
        f"leads: {leads}; found their account: {by_method}; matching took {spent[0]:.2f} s in total"
    )


if __name__ == "__main__":
    main()

"""The plans of clean+dedupe's per-batch lookups on a large stored base (issue #21 item 1).

    python bench/explain_lookups.py --database-url postgresql+psycopg://127.0.0.1/bench_base

Runs EXPLAIN (ANALYZE, BUFFERS) for each lookup a batch makes, with 500 values the way the
batch sends them: half held by stored leads, half new (the common case for a new campaign).
Prints per lookup the plan's node types, the indexes it used and its execution time. Build the
base first, e.g. with ``python bench/bench_clean.py --rows 0 --base-rows 1000000``.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--values", type=int, default=500)
    args = parser.parse_args()
    os.environ["LEADFLOW_DATABASE_URL"] = args.database_url
    from sqlalchemy import func, select, text

    from leadflow.core.db import session_scope
    from leadflow.core.models import Lead, LeadAlias, LeadNameCount, SourceRecord
    from leadflow.dedupe.merging import candidates

    half = args.values // 2
    with session_scope() as session:
        session.execute(text("ANALYZE"))
        leads = session.scalar(select(func.count()).select_from(Lead))
        print(f"stored leads: {leads:,}; {args.values} values per lookup, half of them held")
        sample = session.execute(
            select(Lead.email, Lead.email_key, Lead.phone_e164, Lead.domain_name_key)
            .add_columns(Lead.company_name_key, Lead.name_key)
            .order_by(func.random())
            .limit(half)
        ).all()

        def values(i: int, prefix: str) -> list[str]:
            held = [row[i] for row in sample if row[i]]
            return held + [f"{prefix}-new-{n}" for n in range(args.values - len(held))]

        lookups = {
            "leads by email (existing_leads)": select(Lead.id).where(
                Lead.email.in_(values(0, "e"))
            ),
            "aliases by email (alias_owners)": select(LeadAlias.value, LeadAlias.lead_id).where(
                LeadAlias.kind == "email", LeadAlias.value.in_(values(0, "e"))
            ),
            "name counts (name_shares)": select(LeadNameCount.name_key, LeadNameCount.n).where(
                LeadNameCount.name_key.in_(values(5, "n"))
            ),
            "staged rows of a batch": select(SourceRecord.id).where(
                SourceRecord.id.between(1, 2000), SourceRecord.status == "staged"
            ),
        }
        for label, column, i in (
            ("mailbox", Lead.email_key, 1),
            ("phone", Lead.phone_e164, 2),
            ("domain+name", Lead.domain_name_key, 3),
            ("company+name", Lead.company_name_key, 4),
        ):
            ranked = select(
                Lead.id, func.row_number().over(partition_by=column, order_by=Lead.id).label("r")
            )
            inner = ranked.where(column.in_(values(i, label)), candidates._live()).subquery()
            lookups[f"candidates by {label} (find_candidates)"] = select(inner.c.id).where(
                inner.c.r <= 21
            )
        for label, query in lookups.items():
            sql = str(query.compile(session.bind, compile_kwargs={"literal_binds": True}))
            plan = [
                line for (line,) in session.execute(text(f"EXPLAIN (ANALYZE, BUFFERS) {sql}")).all()
            ]
            nodes = sorted(
                {
                    m.group(1).strip()
                    for line in plan
                    if (m := re.search(r"->\s*([A-Za-z ]+?)(?: on| using|\s\s|\()", line))
                }
                | {plan[0].split("  (")[0].strip()}
            )
            indexes = sorted(
                {
                    m.group(1)
                    for line in plan
                    if (m := re.search(r"(?:using|Index Scan on) (\w+)", line))
                }
            )
            took = next(line for line in plan if line.startswith("Execution Time"))
            print(
                f"- {label}: {took}; nodes {', '.join(nodes)}; indexes {', '.join(indexes) or 'none'}"
            )


if __name__ == "__main__":
    main()

"""Per-stage cost after clean+dedupe (enrich, account match, score, route, enroll, and the
stage moves between them), the re-score rate on a large stored base, and a dump of what the stages wrote.

    python bench/bench_stages.py --rows 20000 [--database-url URL] [--rescore-base 200000]
        [--code CHECKOUT] [--dump contents.json]

``--code`` runs another checkout's leadflow (e.g. the commit before a change, exported with
``git archive``) with this same script, so before and after are measured in one session and
their database contents compared (``--dump`` both, then ``python bench/bench_stages.py
--compare a.json b.json``). Every stage runs with one fixed ``now``, so the dumps of two
runs of the same input are equal when the code behaves the same.

``--rescore-base N`` grows the stored base to N leads by copying the ingested ones under
new addresses (one INSERT ... SELECT per doubling) and times a re-score of all of them.
"""

from __future__ import annotations

import argparse
import inspect
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
NOW = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)
STAGES = ("enrich", "match", "score", "route", "enroll", "moves")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=20000)
    parser.add_argument("--batch-size", type=int, default=2000)
    parser.add_argument("--database-url", help="default: a fresh SQLite file in a temp folder")
    parser.add_argument("--code", type=Path, default=ROOT, help="checkout whose leadflow runs")
    parser.add_argument("--dump", type=Path, help="write scores/assignments/... as JSON here")
    parser.add_argument("--rescore-base", type=int, default=0)
    parser.add_argument(
        "--rescore-passes",
        default="unchanged,changed",
        help="unchanged: the same rules again; changed: every stored score moves",
    )
    parser.add_argument("--compare", nargs=2, type=Path, help="compare two dumps and exit")
    args = parser.parse_args()
    if args.compare:
        sys.exit(_compare(*args.compare))
    work = Path(tempfile.mkdtemp(prefix="leadflow-stages-"))
    subprocess.run(
        [sys.executable, str(ROOT / "bench" / "gen_campaigns.py"), "--rows", str(args.rows)]
        + ["--out", str(work)],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    os.environ["LEADFLOW_DATABASE_URL"] = args.database_url or f"sqlite:///{work / 'bench.db'}"
    os.environ["LEADFLOW_DATA_DIR"] = str(work)
    os.chdir(args.code)
    sys.path.insert(0, str(args.code.resolve()))
    seconds, leads = _pipeline(work / f"webinar_bench_{args.rows}.csv", args.batch_size)
    backend = os.environ["LEADFLOW_DATABASE_URL"].split(":", 1)[0]
    print(f"{args.rows} rows -> {leads} leads, batch {args.batch_size}, {backend}, {args.code}")
    for stage in STAGES:
        spent = seconds[stage]
        print(
            f"  {stage:<8} {spent:7.2f} s {args.rows / spent:9.0f} rows/s "
            f"{1e6 * spent / args.rows:8.1f} us/row"
            f"  (this process's CPU {1e6 * seconds[stage + ' cpu'] / args.rows:7.1f} us/row)"
        )
    mine = sum(seconds[s] for s in STAGES)
    print(f"  {'6 steps':<8} {mine:7.2f} s {args.rows / mine:9.0f} rows/s")
    if args.dump:
        args.dump.write_text(json.dumps(_contents(), sort_keys=True, default=str, indent=0))
    if args.rescore_base:
        _rescore(args.rescore_base, args.batch_size, args.rescore_passes.split(","))


def _pipeline(source: Path, batch_size: int) -> tuple[dict[str, float], int]:
    from leadflow.core.db import upgrade
    from tasks.accounts import match_accounts
    from tasks.enrich import enrich_leads
    from tasks.ingest import clean_batch, register_campaign
    from leadflow.core.statuses import PipelineStage
    from tasks.nurture import enroll_leads
    from tasks.pipeline import advance_leads
    from tasks.routing import route_leads
    from tasks.scoring import score_leads
    from tasks.staging import stage_file

    upgrade()
    seconds: dict[str, float] = defaultdict(float)

    def timed(stage: str, fn: Any, *a: Any) -> Any:
        start, cpu = time.perf_counter(), time.process_time()
        result = fn(*a)
        seconds[stage] += time.perf_counter() - start
        seconds[f"{stage} cpu"] += time.process_time() - cpu
        return result

    # The flow's sequence (flows/_batches.carry_forward, rep notification aside), stage moves
    # included; a checkout from before the steps recorded their own stage runs without it.
    folded = "stage_too" in inspect.signature(score_leads.fn).parameters
    also = {"stage_too": True} if folded else {}
    campaign_id = register_campaign.fn("bench", "webinar", "analytics", None, None)
    staged = stage_file.fn(str(source), campaign_id, batch_size)
    leads = 0
    for first, last in staged.batches:
        cleaned = timed("clean", clean_batch.fn, campaign_id, first, last, NOW)
        ids = cleaned.lead_ids
        timed("enrich", enrich_leads.fn, ids, NOW)
        timed("match", match_accounts.fn, ids, NOW)
        timed("moves", advance_leads.fn, ids, PipelineStage.ENRICHED)
        scored = timed("score", partial(score_leads.fn, **also), ids, NOW)
        timed("moves", advance_leads.fn, ids, PipelineStage.SCORED)
        timed("route", route_leads.fn, scored.hot, NOW)
        timed("enroll", partial(enroll_leads.fn, **also), scored.warm + scored.cold, NOW)
        timed("moves", advance_leads.fn, ids, PipelineStage.DONE)
        leads += len(ids)
    return seconds, leads


def _contents() -> dict[str, Any]:
    """Per lead (by email): what scoring, routing and nurture wrote, and every decision."""
    from sqlalchemy import text

    from leadflow.core.db import get_engine

    queries = {
        "leads": "SELECT l.email, l.score, l.fit_score, l.engagement_score, l.temperature, "
        "l.grade, l.purchase_class, l.disqualified_by, l.status, l.owner_rep, l.lifecycle_stage, "
        "l.enrichment_status, l.enriched_by, l.industry, l.employees, l.pipeline_stage, "
        "a.domain AS account FROM lead l LEFT JOIN account a ON a.id = l.account_id",
        "accounts": "SELECT domain, name, industry, employees, owner_rep, enriched_by FROM account",
        "assignments": "SELECT l.email, s.rep, s.team, s.rule_id, s.status FROM assignment s "
        "JOIN lead l ON l.id = s.lead_id",
        "enrollments": "SELECT l.email, e.sequence, e.status, e.next_step, e.next_due_at, "
        "e.entry_count FROM enrollment e JOIN lead l ON l.id = e.lead_id",
        "decisions": "SELECT l.email, d.kind, d.rule_id, d.outcome, d.reason, d.inputs, "
        "d.config_version FROM decision d LEFT JOIN lead l ON l.id = d.lead_id",
        "ledger": "SELECT team, rep, assigned FROM routing_ledger",
    }
    out: dict[str, Any] = {}
    with get_engine().connect() as conn:
        # Account ids follow set order (hash seeds): decisions name accounts by domain here.
        domains = {i: d for i, d in conn.execute(text("SELECT id, domain FROM account"))}
        for name, sql in queries.items():
            rows = [
                json.dumps(_normal(dict(r), domains), sort_keys=True, default=str)
                for r in conn.execute(text(sql)).mappings()
            ]
            out[name] = sorted(rows)
    return out


def _normal(row: dict[str, Any], domains: dict[int, str]) -> dict[str, Any]:
    """Backends spell JSON and timestamps differently: compare values, not spellings."""
    if row.get("kind") == "account_match":
        number = re.match(r"account (\d+) ", row["outcome"])
        if number:
            account = domains.get(int(number.group(1)))
            row["outcome"] = f"account {account} " + row["outcome"][number.end() :]
        inputs = json.loads(row["inputs"]) if isinstance(row["inputs"], str) else row["inputs"]
        inputs["candidates"] = [[domains.get(c[0]), c[1]] for c in inputs.get("candidates", [])]
        row["inputs"] = inputs
    for key, value in row.items():
        if isinstance(value, str) and value[:1] in "{[":
            try:
                row[key] = json.loads(value)
            except ValueError:
                pass
        elif isinstance(value, datetime):
            row[key] = value.replace(tzinfo=None).isoformat()
    return row


def _compare(a: Path, b: Path) -> int:
    left, right = json.loads(a.read_text()), json.loads(b.read_text())
    differ = 0
    for table in sorted(set(left) | set(right)):
        only_a = set(left.get(table, [])) - set(right.get(table, []))
        only_b = set(right.get(table, [])) - set(left.get(table, []))
        print(
            f"{table:<12} rows {len(left.get(table, [])):7d} / {len(right.get(table, [])):7d}"
            f"  only in first {len(only_a)}, only in second {len(only_b)}"
        )
        for row in sorted(only_a)[:3] + sorted(only_b)[:3]:
            print("    ", row[:400])
        differ += len(only_a) + len(only_b)
    return 1 if differ else 0


def _rescore(target: int, batch_size: int, passes: list[str]) -> None:
    """Grow the base by copies of the ingested leads, then re-score every stored lead."""
    from sqlalchemy import func, select, text

    from leadflow.core.db import get_engine
    from leadflow.core.models import Lead

    engine = get_engine()
    columns = [c.name for c in Lead.__table__.columns if c.name not in ("id", "email")]
    names = ", ".join(columns)
    with engine.begin() as conn:
        count = conn.scalar(select(func.count()).select_from(Lead))
        copy = 0
        while count < target:
            copy += 1
            conn.execute(
                text(
                    f"INSERT INTO lead (email, {names}) SELECT 'c{copy}.' || email, {names} "
                    f"FROM lead ORDER BY id LIMIT {target - count}"
                )
            )
            count = conn.scalar(select(func.count()).select_from(Lead))
        if engine.dialect.name == "postgresql":
            conn.execute(text("ANALYZE"))
    if "unchanged" in passes:
        _rescore_pass("unchanged scores", batch_size)
    if "changed" in passes:
        with engine.begin() as conn:  # as after a rules change: every stored score moves
            conn.execute(text("UPDATE lead SET score = 0, temperature = NULL"))
        _rescore_pass("every score changes", batch_size)


def _rescore_pass(label: str, batch_size: int) -> None:
    from sqlalchemy import select

    from leadflow.core.db import get_engine
    from leadflow.core.models import Lead
    import leadflow.scoring.rescore as rescore

    start, cpu, after, scored = time.perf_counter(), time.process_time(), 0, 0
    if hasattr(rescore, "rescore_stored"):  # the keyset path, where the checkout has it
        rescore.rescore_stored(NOW, batch_size=batch_size)
        scored = _count()
    while not hasattr(rescore, "rescore_stored"):
        with get_engine().connect() as conn:
            ids = list(
                conn.scalars(
                    select(Lead.id).where(Lead.id > after).order_by(Lead.id).limit(batch_size)
                )
            )
        if not ids:
            break
        rescore.score_leads(ids, NOW)
        after, scored = ids[-1], scored + len(ids)
    spent, cpu = time.perf_counter() - start, time.process_time() - cpu
    print(
        f"  re-score ({label}) {scored} stored leads: {spent:.1f} s, {scored / spent:.0f} leads/s"
        f" (this process's CPU {1e6 * cpu / scored:.1f} us/lead, {scored / cpu:.0f} leads/CPU-s)"
    )


def _count() -> int:
    from sqlalchemy import func, select

    from leadflow.core.db import get_engine
    from leadflow.core.models import Lead

    with get_engine().connect() as conn:
        return int(conn.scalar(select(func.count()).select_from(Lead)) or 0)


if __name__ == "__main__":
    main()

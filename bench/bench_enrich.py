"""Enrichment throughput: the local provider, and an HTTP provider under a fixed rate limit.

    python bench/bench_enrich.py --leads 100000 --domains 20000 --rate 1000

1. local: ``--leads`` leads through the chain with the firmographics table (no network);
   with ``--task`` also through the whole Prefect task (``.fn``) on a temporary SQLite database.
2. http: the same leads through a Clearbit-compatible provider served by a local server in
   another process that enforces ``--rate`` requests/s (429 + Retry-After beyond it); the
   client's token bucket is set to the same rate. Reports requests/s against that ceiling.
   With ``--rate 0`` neither side limits: that measures the physical ceiling of this machine.
3. second pass: new leads whose domains are ``1 - --new-share`` already seen; reports the
   cache hit ratio and leads/s.

The cache is the real ``enrichment_cache`` table on a temporary SQLite database with ``--sqlite``,
an in-memory dict otherwise. The chain runs in batches of ``--batch`` leads, as the flow does.
"""

from __future__ import annotations

import argparse
import multiprocessing
import random
import socket
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Mapping
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from leadflow.enrich.policy import EnrichmentPolicy, Provider as ProviderConfig  # noqa: E402
from leadflow.enrich.firmographics import load_firmographics  # noqa: E402
from leadflow.enrich.chain import Cache, LeadIn, RunState, run_chain  # noqa: E402
from leadflow.enrich.http import make_session  # noqa: E402
from leadflow.enrich.limits import TokenBucket  # noqa: E402
from leadflow.enrich.providers import HttpProvider, LocalProvider, Lookup, Provider  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
KEY = "bench-key"


class MemoryCache:
    def __init__(self) -> None:
        self.rows: dict[tuple[str, str], Lookup] = {}
        self.hits = self.misses = 0

    def get_many(self, provider: ProviderConfig, domains: set[str]) -> dict[str, Lookup]:
        found = {
            d: self.rows[(provider.name, d)] for d in domains if (provider.name, d) in self.rows
        }
        self.hits, self.misses = self.hits + len(found), self.misses + len(domains) - len(found)
        return found

    def put_many(self, provider: ProviderConfig, answers: Mapping[str, Lookup]) -> None:
        self.rows.update({(provider.name, d): lookup for d, lookup in answers.items()})


def _serve(port: int, rate: float, ready: multiprocessing.synchronize.Event) -> None:  # type: ignore[name-defined]
    from tests.support.fake_enrichment_server import FakeProviders

    FakeProviders(key=KEY, rate_per_s=rate or None).start(port)
    ready.set()
    while True:
        time.sleep(3600)


def make_leads(n: int, domains: list[str], start_id: int = 1) -> list[LeadIn]:
    rng = random.Random(start_id)
    return [LeadIn(start_id + i, rng.choice(domains), {}) for i in range(n)]


def run(
    leads: list[LeadIn],
    providers: list[Provider],
    policy: EnrichmentPolicy,
    cache: Cache,
    batch: int,
) -> tuple[float, Counter[str]]:
    state, statuses = RunState(10**9), Counter[str]()
    started = time.perf_counter()
    for i in range(0, len(leads), batch):
        statuses.update(
            out.status for out in run_chain(leads[i : i + batch], providers, policy, state, cache)
        )
    return time.perf_counter() - started, statuses


def bench_local(args: argparse.Namespace) -> None:
    table = load_firmographics(ROOT / "examples" / "firmographics.csv")
    domains = list(table) + [f"unknown{i}.example" for i in range(len(table))]
    policy = EnrichmentPolicy.model_validate(
        {"version": 1, "providers": [{"name": "local", "type": "local"}]}
    )
    leads = make_leads(args.leads, domains)
    seconds, statuses = run(
        leads, [LocalProvider(policy.providers[0], table)], policy, MemoryCache(), args.batch
    )
    print(
        f"local: {len(leads)} leads in {seconds:.2f} s = {len(leads) / seconds:,.0f} leads/s; {dict(statuses)}"
    )


def _temp_database() -> None:
    import os

    from leadflow.core.db import upgrade
    from leadflow.core.settings import reset_settings

    url = f"sqlite:///{tempfile.mkdtemp()}/bench.db"
    os.environ["LEADFLOW_DATABASE_URL"] = url
    reset_settings()
    upgrade(url)


def bench_task(args: argparse.Namespace) -> None:
    """The whole task with the local provider on SQLite: leads read, updated, decisions written."""
    from sqlalchemy import insert

    from leadflow.core.db import session_scope
    from leadflow.core.models import Lead
    from tasks.enrich import enrich_leads

    _temp_database()
    table = load_firmographics(ROOT / "examples" / "firmographics.csv")
    domains = list(table) + [f"unknown{i}.example" for i in range(len(table))]
    rows = [
        {"id": i + 1, "email": f"lead{i}@{random.Random(i).choice(domains)}"}
        for i in range(args.leads)
    ]
    for row in rows:
        row["domain"] = row["email"].split("@")[1]
    with session_scope() as session:
        session.execute(insert(Lead), rows)
    started = time.perf_counter()
    enriched = sum(
        enrich_leads.fn(list(range(i + 1, min(i + args.batch, args.leads) + 1)))
        for i in range(0, args.leads, args.batch)
    )
    seconds = time.perf_counter() - started
    print(
        f"local, whole task on SQLite: {args.leads} leads in {seconds:.2f} s = "
        f"{args.leads / seconds:,.0f} leads/s; {enriched} enriched"
    )


def _cache(args: argparse.Namespace) -> tuple[Cache, str]:
    if not args.sqlite:
        return MemoryCache(), "memory"
    from leadflow.core.db import session_scope
    from leadflow.enrich.cache import SqlCache

    _temp_database()
    return SqlCache(session_scope, datetime.now(timezone.utc)), "sqlite enrichment_cache"


def bench_http(args: argparse.Namespace) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    ready = multiprocessing.Event()
    server = multiprocessing.Process(target=_serve, args=(port, args.rate, ready), daemon=True)
    server.start()
    ready.wait(30)
    try:
        policy = EnrichmentPolicy.model_validate(
            {
                "version": 1,
                "http": {"backoff_base_s": 0.05, "pool_size": args.concurrency},
                "providers": [
                    {
                        "name": "clearbit",
                        "type": "clearbit",
                        "base_url": f"http://127.0.0.1:{port}",
                        "concurrency": args.concurrency,
                        "max_attempts": 6,
                        "timeout_s": 5,
                    }
                ],
            }
        )
        config = policy.providers[0]
        state = RunState(10**9)
        bucket = TokenBucket(args.rate, burst=max(1.0, args.rate / 50)) if args.rate else None
        provider = HttpProvider(
            config, KEY, make_session(args.concurrency), policy.http, state.budget, bucket
        )
        domains = [f"company{i}.example" for i in range(args.domains)]
        cache, cache_kind = _cache(args)
        leads = make_leads(args.leads, domains)
        seconds, statuses = run(leads, [provider], policy, cache, args.batch)
        calls = provider.budget.used
        ceiling = f"{args.rate:,.0f} req/s" if args.rate else "none (physical limit)"
        print(
            f"http first pass: {len(leads)} leads, {calls} requests in {seconds:.2f} s = "
            f"{calls / seconds:,.0f} req/s (ceiling {ceiling}"
            + (f", {100 * calls / seconds / args.rate:.1f}% of it" if args.rate else "")
            + f"), {len(leads) / seconds:,.0f} leads/s; {dict(statuses)}"
        )
        fresh = [f"fresh{i}.example" for i in range(int(args.domains * args.new_share))]
        pool = domains[: args.domains - len(fresh)] + fresh
        hits_before, misses_before = cache.hits, cache.misses  # type: ignore[attr-defined]
        second = make_leads(args.leads, pool, start_id=args.leads + 1)
        seconds, statuses = run(second, [provider], policy, cache, args.batch)
        calls = provider.budget.used - calls
        hits, misses = cache.hits - hits_before, cache.misses - misses_before  # type: ignore[attr-defined]
        print(
            f"http second pass ({cache_kind} cache): {len(second)} leads in {seconds:.2f} s = "
            f"{len(second) / seconds:,.0f} leads/s; domain cache hit ratio {hits / (hits + misses):.3f} "
            f"({hits} hits, {misses} misses, per batch lookups), {calls} requests; {dict(statuses)}"
        )
    finally:
        server.terminate()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--leads", type=int, default=100_000)
    parser.add_argument(
        "--domains", type=int, default=20_000, help="distinct company domains (HTTP)"
    )
    parser.add_argument("--rate", type=float, default=1000, help="requests/s ceiling; 0 for none")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--batch", type=int, default=2000)
    parser.add_argument("--new-share", type=float, default=0.2)
    parser.add_argument("--sqlite", action="store_true", help="cache in the real table on SQLite")
    parser.add_argument("--skip-local", action="store_true")
    parser.add_argument(
        "--task", action="store_true", help="also time the whole task (local, SQLite)"
    )
    parser.add_argument("--skip-http", action="store_true")
    args = parser.parse_args()
    if not args.skip_local:
        bench_local(args)
    if args.task:
        bench_task(args)
    if not args.skip_http:
        bench_http(args)


if __name__ == "__main__":
    main()

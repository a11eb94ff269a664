"""Ingest throughput, stage by stage, against two floors, on generated webinar-style files.

    python bench/bench_ingest.py --rows 20000,100000 --backend sqlite,postgresql --workers 1,2
        [--base 0|N] [--batch-size 2000] [--postgres-url URL] [--mode auto|inproc|prefect]
        [--wide-phones] [--companies 20000] [--census-names]

One line of the final markdown table per (rows, backend, base, workers), each measured in a
fresh database by a subprocess of its own (so its peak RSS is its own):

- whole pipeline and each stage in rows/s and µs/row (file rows, not leads);
- floor (a): csv module + bulk insert of the raw rows; floor (b): the same plus the
  normalisation every row needs (leadflow.ingest.normalize); floor (c): (b) plus writing
  again, in bulk, every row the run left (leads, decisions, enrollments, assignments, ...)
  into an empty copy of the schema, the least the pipeline's results cost to store
  (ingest_parts.floor_writes; on an empty base only); the pipeline as % of each;
- peak RSS of the largest process, and the CPU split (user+sys s) between the app (this
  process, workers, their flow runs), the Prefect server and the PostgreSQL backends;
  in process, the app's seconds in the garbage collector and its full collections.

Modes. ``inproc`` (default for 1 worker): the batch loop of flows/_batches.py calls the
tasks' functions directly, no Prefect server, each stage timed around its call (rep
notification, which needs a flow, is left out). ``prefect`` (default for 2+ workers): a
real Prefect server, a process work pool and N `prefect worker start` processes; the
ingest-campaign flow runs here with chunks=N (1: every batch in this process), stages
timed from the server's task runs, summed over workers (worker-seconds, not wall time).
``--base N`` first stores N leads from another generated file, fast (see ingest_parts).
``--companies N`` and ``--census-names``: a world as wide as a real base (gen_campaigns.py,
campaign_world.py): N generated firms, known to the local provider through the generated
firmographics table, and names with census frequencies; the base file shares its firms.
"""

from __future__ import annotations

import argparse
import inspect
import json
import os
import resource
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from functools import partial
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
STAGES = ("stage", "clean+dedupe", "enrich", "score", "route", "enroll", "other")
POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


def measurement_spec(
    args: argparse.Namespace, rows: int, backend: str, base: int, workers: int, mode: str
) -> dict:  # type: ignore[type-arg]
    """One measurement's spec (what ``measure`` takes), the world's options from ``args``."""
    return dict(
        rows=rows,
        backend=backend,
        base=base,
        workers=workers,
        mode=mode,
        batch=args.batch_size,
        postgres_url=args.postgres_url,
        wide_phones=args.wide_phones,
        companies=args.companies,
        census_names=args.census_names,
    )


def world_arguments(parser: argparse.ArgumentParser) -> None:
    """The generated world's options, as every benchmark that measures the pipeline takes them
    (``measurement_spec`` reads them back)."""
    parser.add_argument(
        "--wide-phones",
        action="store_true",
        help="Western numbers from the whole plan, not the 555-01xx ones strangers share"
        " (gen_campaigns.py --wide-phones; docs/scaling.md, 'The generated phones')",
    )
    parser.add_argument(
        "--companies",
        type=int,
        default=0,
        help="generated firms instead of the 102 named ones (gen_campaigns.py --companies)",
    )
    parser.add_argument(
        "--census-names",
        action="store_true",
        help="names with the US census's frequencies (gen_campaigns.py --census-names)",
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", default="20000", help="comma-separated: 20000,100000")
    parser.add_argument("--backend", default="sqlite", help="sqlite,postgresql")
    parser.add_argument("--workers", default="1", help="1,2")
    parser.add_argument("--base", default="0", help="stored leads before the run: 0,1000000")
    parser.add_argument("--batch-size", type=int, default=2000)
    parser.add_argument(
        "--postgres-url", default=POSTGRES, help="a server we may CREATE DATABASE on"
    )
    parser.add_argument("--mode", default="auto", help="auto, inproc, prefect, or inproc,prefect")
    world_arguments(parser)
    parser.add_argument("--one", help=argparse.SUPPRESS)  # internal: one measurement, as JSON
    args = parser.parse_args()
    if args.one:
        print("RESULT " + json.dumps(measure(json.loads(args.one))))
        return
    results = []  # type: ignore[var-annotated]
    for rows in _ints(args.rows):
        for backend in args.backend.split(","):
            for base in _ints(args.base):
                for workers, mode in _modes(_ints(args.workers), args.mode):
                    spec = measurement_spec(args, rows, backend, base, workers, mode)
                    results.append(_run_one(spec))
                    print(_row(results[-1]), flush=True)
                    others = {k: round(v, 1) for k, v in results[-1]["stages"].items() if ":" in k}
                    if others:
                        print(f"  parts = {others}", flush=True)
                    if "emails" in results[-1]:
                        print(f"  emails the SMTP sink took = {results[-1]['emails']}", flush=True)
                    for name, created, started, ended in results[-1].get("flow_runs", ()):
                        print(
                            f"  flow run {name}: created +{created} s, started +{started} s,"
                            f" ended +{ended} s",
                            flush=True,
                        )
                    if results[-1].get("floor_c_rows"):
                        spent, rows_of = results[-1]["floor_c_s"], results[-1]["floor_c_rows"]
                        print(f"  floor (c) wrote in {spent:.1f} s: {rows_of}", flush=True)
                    if results[-1].get("sizes"):
                        print(f"  table: (rows, bytes/row) = {results[-1]['sizes']}", flush=True)
                    if results[-1].get("lead_heap_indexes"):
                        sizes = results[-1]["lead_heap_indexes"]
                        print(f"  lead heap and indexes, bytes per live lead = {sizes}", flush=True)
    print()
    world = _world(vars(args))
    print(f"world: {' '.join(world) or 'the 102 named firms, 555 phones, the fixed names'}")
    print(table(results))


def _modes(workers: list[int], modes: str) -> list[tuple[int, str]]:
    """inproc runs one process: it is measured for 1 worker only."""
    if modes == "auto":
        return [(n, "inproc" if n == 1 else "prefect") for n in workers]
    return [(n, m) for n in workers for m in modes.split(",") if m == "prefect" or n == 1]


def _ints(text: str) -> list[int]:
    return [int(x) for x in text.split(",") if x]


def _run_one(spec: dict) -> dict:  # type: ignore[type-arg]
    done = subprocess.run(
        [sys.executable, __file__, "--one", json.dumps(spec)],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    for line in done.stdout.splitlines():
        if line.startswith("RESULT "):
            return json.loads(line[7:])
    sys.exit(f"measurement {spec} failed:\n{done.stderr[-4000:]}")


def _world(spec: dict) -> list[str]:  # type: ignore[type-arg]
    """The generator's options that shape its world (the same for the base and the file)."""
    return (
        (["--wide-phones"] if spec.get("wide_phones") else [])
        + (["--companies", str(spec["companies"])] if spec.get("companies") else [])
        + (["--census-names"] if spec.get("census_names") else [])
    )


def _generate(work: Path, rows: int, seed: int, world: list[str]) -> Path:
    out = work / f"seed{seed}"
    subprocess.run(
        [
            sys.executable,
            str(ROOT / "bench" / "gen_campaigns.py"),
            "--rows",
            str(rows),
            "--out",
            str(out),
            "--seed",
            str(seed),
        ]
        + world,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return out / f"webinar_bench_{rows}.csv"


def _database(spec: dict, work: Path, kind: str = "bench") -> tuple[str, str | None]:  # type: ignore[type-arg]
    if spec["backend"] == "sqlite":
        return f"sqlite:///{work / kind}.db", None
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    name = f"leadflow_{kind}_{os.getpid()}"
    admin = create_engine(spec["postgres_url"], isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return make_url(spec["postgres_url"]).set(database=name).render_as_string(False), name


def _drop(spec: dict, name: str | None) -> None:  # type: ignore[type-arg]
    if name is None:
        return
    from sqlalchemy import create_engine, text

    admin = create_engine(spec["postgres_url"], isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def measure(spec: dict) -> dict:  # type: ignore[type-arg]
    """One measurement in a fresh database; runs in a subprocess of its own."""
    work = Path(tempfile.mkdtemp(prefix="leadflow-bench-"))
    world = _world(spec)
    source = _generate(work, spec["rows"], 9, world)
    base_file = _generate(work, spec["base"], 10, world) if spec["base"] else None
    url, pg_name = _database(spec, work)
    if spec.get("companies"):  # the generated firms, not the demo's table
        os.environ["LEADFLOW_FIRMOGRAPHICS_PATH"] = str(source.parent / "firmographics.csv")
    os.environ.update(
        LEADFLOW_DATABASE_URL=url,
        LEADFLOW_DATA_DIR=str(work / "data"),
        PREFECT_HOME=str(work / "prefect"),
        PREFECT_SERVER_ANALYTICS_ENABLED="false",
    )
    sys.path.insert(0, str(ROOT))
    sys.path.insert(0, str(ROOT / "bench"))
    from ingest_parts import CpuSampler, GcTimer, floor, preload_base

    from leadflow.core.db import get_engine, upgrade

    try:
        upgrade()
        result = dict(spec, floor_a_s=floor(source, url, False), floor_b_s=floor(source, url, True))
        result["base_stored"] = preload_base(base_file, url) if base_file else 0
        with CpuSampler(pg_name) as sampler, GcTimer() as collector:
            run = _inproc if spec["mode"] == "inproc" else _prefect
            result.update(run(spec, source))
        if spec["mode"] == "inproc":  # under Prefect the work runs in the worker processes
            result["gc"] = {"seconds": round(collector.seconds, 2), "full": collector.full}
        # The run's peak, before floor (c) reads its rows back.
        own_peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        if not base_file:  # on a base, the base's rows would be written again too
            result["floor_c_s"], result["floor_c_rows"] = _floor_c(spec, work, url)
        result["sizes"] = _table_sizes() if pg_name else {}
        result["lead_heap_indexes"] = _lead_sizes() if pg_name else {}
        get_engine().dispose()
        result["cpu"] = sampler.split()
        result["peak_rss_mb"] = round(
            max([own_peak_kb] + [kb for kind, kb in sampler.peak_kb.items() if kind != "postgres"])
            / 1024
        )
    finally:
        _drop(spec, pg_name)
        # The generated files and the SQLite database: 80 MB at 20k rows, per measurement.
        shutil.rmtree(work, ignore_errors=True)
    return result


def _floor_c(spec: dict, work: Path, url: str) -> tuple[float, dict]:  # type: ignore[type-arg]
    """Floor (b)'s time plus writing the run's rows again in bulk (ingest_parts.floor_writes)."""
    from ingest_parts import floor_writes

    copy_url, copy_name = _database(spec, work, "floor_c")
    try:
        spent, written = floor_writes(url, copy_url, spec["batch"])
    finally:
        _drop(spec, copy_name)
    return spent, written


def _table_sizes() -> dict[str, tuple[int, int]]:
    """table -> (rows, bytes per row with its indexes and TOAST) for the eight largest tables:
    for sizing (docs/scaling.md). Rows counted exactly: the live-row count an ANALYZE leaves
    is its sample's estimate (194,035 leads read as 193,839 and 194,350 in two runs of one
    file)."""
    from sqlalchemy import text

    from leadflow.core.db import get_engine

    with get_engine().connect() as conn:
        conn.exec_driver_sql("ANALYZE")
        largest = conn.execute(
            text(
                "SELECT relname, pg_total_relation_size(relid) FROM pg_stat_user_tables"
                " WHERE n_live_tup > 0 ORDER BY 2 DESC LIMIT 8"
            )
        ).all()
        quote = conn.dialect.identifier_preparer.quote
        counted = {
            name: conn.scalar(text(f"SELECT count(*) FROM {quote(name)}")) or 0
            for name, _ in largest
        }
    return {name: (counted[name], round(size / max(counted[name], 1))) for name, size in largest}


def _lead_sizes() -> dict[str, int]:
    """Bytes per live lead of its heap and of each index: what rewrites leave behind (the
    CI server, like many bulk-load setups, runs without autovacuum)."""
    from sqlalchemy import text

    from leadflow.core.db import get_engine

    # A backend reports its counts when idle, at most once a second, and when it closes:
    # close the pooled ones, and give the last of them a moment.
    get_engine().dispose()
    time.sleep(1.5)
    with get_engine().connect() as conn:
        live = conn.scalar(text("SELECT count(*) FROM lead"))
        found = conn.execute(
            text(
                "SELECT c.relname, pg_relation_size(c.oid) FROM pg_class c WHERE c.oid = 'lead'::regclass"
                " OR c.oid IN (SELECT indexrelid FROM pg_index WHERE indrelid = 'lead'::regclass)"
                " ORDER BY 2 DESC"
            )
        ).all()
        updates, hot = conn.execute(
            text("SELECT n_tup_upd, n_tup_hot_upd FROM pg_stat_user_tables WHERE relname = 'lead'")
        ).one()
    sizes = {name: round(size / max(live or 1, 1)) for name, size in found}
    return sizes | {"row versions by UPDATE": updates, "of them HOT": hot}


def _inproc(spec: dict, source: Path) -> dict:  # type: ignore[type-arg]
    from leadflow.core.lead_stages import PipelineStage
    from tasks.accounts import match_accounts
    from tasks.enrich import enrich_leads
    from tasks.ingest import clean_batch, register_campaign
    from tasks.nurture import enroll_leads
    from tasks.pipeline import advance_leads
    from tasks.routing import route_leads
    from tasks.scoring import score_leads
    from tasks.staging import stage_file

    seconds: dict[str, float] = defaultdict(float)

    def timed(stage, fn, *a):  # type: ignore[no-untyped-def]
        start = time.perf_counter()
        result = fn(*a)
        seconds[stage] += time.perf_counter() - start
        return result

    try:  # the flow's batch loop runs under it (flows/_batches.py), where the checkout has it
        from leadflow.core.collector import bulk_collection
    except ImportError:
        from contextlib import nullcontext as bulk_collection  # type: ignore[assignment]

    wall = time.perf_counter()
    campaign_id = register_campaign.fn("bench", "webinar", "analytics", None, None)
    staged = timed("stage", stage_file.fn, str(source), campaign_id, spec["batch"])
    leads = 0
    # As the flow does where the checkout can: the next batch read ahead while this one moves.
    ahead = "read_next" in inspect.signature(clean_batch.fn).parameters
    batches = list(staged.batches)
    with bulk_collection():
        for done, (first, last) in enumerate(batches, start=1):  # flows/_batches.py, no notify
            more = {"read_next": batches[done]} if ahead and done < len(batches) else {}
            cleaned = timed(
                "clean+dedupe", partial(clean_batch.fn, **more), campaign_id, first, last
            )
            ids = cleaned.lead_ids
            timed("enrich", enrich_leads.fn, ids)
            timed("enrich", match_accounts.fn, ids)
            timed("other", advance_leads.fn, ids, PipelineStage.ENRICHED)
            scored = timed("score", partial(score_leads.fn, stage_too=True), ids)
            timed("other", advance_leads.fn, ids, PipelineStage.SCORED)
            timed("route", route_leads.fn, scored.hot)
            timed("enroll", partial(enroll_leads.fn, stage_too=True), scored.warm + scored.cold)
            timed("other", advance_leads.fn, ids, PipelineStage.DONE)
            leads += len(ids)
    return {"read": staged.rows, "wall_s": time.perf_counter() - wall, "stages": dict(seconds)}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _prefect(spec: dict, source: Path) -> dict:  # type: ignore[type-arg]
    from prefect.settings import (
        PREFECT_API_URL,
        PREFECT_FLOWS_HEARTBEAT_FREQUENCY,
        temporary_settings,
    )
    from prefect.testing.utilities import prefect_test_harness

    from ingest_parts import flow_timeline, start_workers, stop_workers, task_seconds
    from leadflow.core.settings import get_settings, reset_settings

    # The mail server in a process of its own, as a real relay is: in this process it took
    # the GIL from the flow it was timing (bench_send.py's discarding sink). On a port of its
    # own, never the local stack's (8025): a demo started meanwhile must find its port free.
    os.environ["LEADFLOW_SMTP_PORT"] = str(_free_port())
    reset_settings()
    smtp = subprocess.Popen(
        [sys.executable, str(ROOT / "bench" / "bench_send.py")]
        + ["--sink", str(get_settings().smtp_port)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert smtp.stdin is not None and smtp.stdout is not None
    try:
        if smtp.stdout.readline().strip() != "ready":
            sys.exit("the SMTP sink did not start")
        with prefect_test_harness(server_startup_timeout=120):
            with temporary_settings({PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}):
                from flows.ingest import ingest_campaign

                workers = start_workers(
                    spec["workers"], PREFECT_API_URL.value(), Path(os.environ["PREFECT_HOME"])
                )
                try:
                    wall = time.perf_counter()
                    summary = ingest_campaign(
                        source=str(source),
                        campaign="bench",
                        channel="webinar",
                        product_line="analytics",
                        batch_size=spec["batch"],
                        chunks=spec["workers"],
                    )
                    wall = time.perf_counter() - wall
                    stages = task_seconds()
                    timeline = flow_timeline()
                finally:
                    stop_workers(workers)
    finally:  # whatever failed above: the sink stops and says how many messages it took
        smtp.stdin.close()
        delivered = int(smtp.stdout.read().strip() or 0)
        smtp.wait()
    return {
        "read": summary.read,
        "wall_s": wall,
        "stages": stages,
        "emails": delivered,
        "flow_runs": timeline,
    }


def _row(r: dict) -> str:  # type: ignore[type-arg]
    n = r["read"]
    stages = " | ".join(
        f"{n / r['stages'][s]:,.0f} / {1e6 * r['stages'][s] / n:,.0f}"
        if r["stages"].get(s)
        else "-"
        for s in STAGES
    )
    a, b = n / r["floor_a_s"], n / r["floor_b_s"]
    whole = n / r["wall_s"]
    c, c_share = "-", "-"
    if r.get("floor_c_s") is not None:  # (b), then the run's rows written again
        c_rate = n / (r["floor_b_s"] + r["floor_c_s"])
        c, c_share = f"{c_rate:,.0f}", f"{100 * whole / c_rate:.0f}%"
    cpu = ", ".join(f"{k} {u:.0f}+{s:.0f}" for k, (u, s) in sorted(r["cpu"].items()))
    if r.get("gc"):  # of the app's CPU: in the garbage collector, and its full collections
        cpu += f" (GC {r['gc']['seconds']:.1f} s, {r['gc']['full']} full)"
    return (
        f"| {n:,} | {r['backend']} | {r['base_stored']:,} | {r['workers']} ({r['mode']}) | "
        f"{whole:,.0f} / {1e6 / whole:,.0f} | {stages} | {a:,.0f} | {b:,.0f} | {c} | "
        f"{100 * whole / a:.1f}% / {100 * whole / b:.1f}% / {c_share} | {r['peak_rss_mb']} | {cpu} |"
    )


def table(results: list[dict]) -> str:  # type: ignore[type-arg]
    head = (
        "| rows | backend | base | workers | whole pipeline rows/s / µs/row | "
        + " | ".join(f"{s} rows/s / µs/row" for s in STAGES)
        + " | floor (a) rows/s | floor (b) rows/s | floor (c) rows/s"
        " | whole as % of (a) / (b) / (c) | peak RSS MB"
        " | CPU user+sys s |"
    )
    rule = "|" + "---|" * (head.count("|") - 1)
    return "\n".join([head, rule, *(_row(r) for r in results)])


if __name__ == "__main__":
    main()

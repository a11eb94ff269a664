"""Pieces of bench/bench_ingest.py: the two floors, a fast base preload, a CPU sampler over
/proc, and the Prefect pool run (a real server, a process work pool, real workers)."""

from __future__ import annotations

import csv
import gc
import os
import signal
import subprocess
import sys
import threading
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
TICK = os.sysconf("SC_CLK_TCK")
PAGE_KB = os.sysconf("SC_PAGE_SIZE") // 1024
INSERT_CHUNK = 2000
POOL = "leadflow-bench"
# Task names (tasks/) -> the stage column they count in.
STAGE_OF_TASK = {
    "stage-file": "stage",
    "clean-and-dedupe": "clean+dedupe",
    "enrich-leads": "enrich",
    "match-accounts": "enrich",
    "score-leads": "score",
    "route-leads": "route",
    "open-assignments": "route",
    "queue-rep-notifications": "route",  # notify_reps: the rep emails and webhooks
    "send-outbox": "route",
    "deliver-assignment-webhooks": "route",
    "enroll-leads": "enroll",
    # the rest (advance-leads, check-policies, find-problems, ...) counts as "other"
}


# ---------------------------------------------------------------- floors
def _floor_table(url: str, name: str):  # type: ignore[no-untyped-def]
    from sqlalchemy import JSON, Column, Integer, MetaData, Table, create_engine

    engine = create_engine(url)
    table = Table(
        name,
        MetaData(),
        Column("id", Integer, primary_key=True),
        Column("line_no", Integer),
        Column("values", JSON),
    )
    table.drop(engine, checkfirst=True)
    table.create(engine)
    return engine, table


def floor(source: Path, url: str, normalise: bool) -> float:
    """(a) csv module + bulk insert of the raw rows; (b) the same with the normalisation the
    product must do (leadflow.ingest.normalize) between reading and inserting."""
    from leadflow.ingest.normalize import map_columns, normalize_row
    from leadflow.ingest.policy import ingest_policy

    policy = ingest_policy()
    engine, table = _floor_table(url, "bench_floor_b" if normalise else "bench_floor_a")
    start = time.perf_counter()
    with source.open(encoding="utf-8", newline="") as handle, engine.begin() as conn:
        reader = csv.reader(handle)
        headers = next(reader)
        mapping = map_columns(headers, policy.aliases)[0]
        chunk: list[dict[str, Any]] = []
        for values in reader:
            row: Any = values
            if normalise:
                fields = {mapping[h]: v for h, v in zip(headers, values) if h in mapping}
                clean = normalize_row(fields, 0, reader.line_num, policy.required)
                row = {k: v for k, v in vars(clean).items() if isinstance(v, str | int | None)}
            chunk.append({"line_no": reader.line_num, "values": row})
            if len(chunk) == INSERT_CHUNK:
                conn.execute(table.insert(), chunk)
                chunk = []
        if chunk:
            conn.execute(table.insert(), chunk)
    spent = time.perf_counter() - start
    table.drop(engine)
    engine.dispose()
    return spent


# Kept by the trigger each lead insert fires: its cost is the lead's.
NOT_REWRITTEN = {"lead_name_count"}
# Staged before the pipeline runs, one row per file row, as floor (b)'s own insert is: copied
# (merge candidates and aliases refer to them) but not timed, or (c) would count it twice.
NOT_TIMED = {"source_record"}


def floor_writes(source_url: str, target_url: str, chunk: int = 5000) -> tuple[float, dict]:  # type: ignore[type-arg]
    """Floor (c)'s writes: every row the pipeline left in the database (leads, decisions,
    enrollments, assignments, accounts, ...), inserted again in bulk, a transaction per chunk,
    by the product's own batch writer (COPY on PostgreSQL, one executemany on SQLite) into an
    empty migrated copy of the schema, its indexes, triggers and foreign keys included. No
    logic and no rewrite: what writing the pipeline's results costs at the least. Only the
    inserts are timed; reading the rows back is not. Tables the migrations fill are left as
    they are."""
    from sqlalchemy import func, select
    from sqlalchemy.orm import Session

    from leadflow.core.bulk_writes import insert_rows
    from leadflow.core.db import engine_for, upgrade
    from leadflow.core.models import Base

    upgrade(target_url)
    source, target = engine_for.__wrapped__(source_url), engine_for.__wrapped__(target_url)
    spent, written = 0.0, {}
    try:
        for table in Base.metadata.sorted_tables:
            with target.connect() as conn:
                seeded = conn.scalar(select(func.count()).select_from(table))
            if table.name in NOT_REWRITTEN or seeded:
                continue
            with source.connect() as conn:
                result = conn.execution_options(yield_per=chunk).execute(
                    select(table).order_by(*table.primary_key.columns)
                )
                for part in result.mappings().partitions(chunk):
                    rows = [dict(row) for row in part]
                    start = time.perf_counter()
                    with Session(target) as session, session.begin():
                        insert_rows(session, table, rows)
                    if table.name not in NOT_TIMED:
                        spent += time.perf_counter() - start
                        written[table.name] = written.get(table.name, 0) + len(rows)
    finally:
        source.dispose()
        target.dispose()
    return spent, written


# ---------------------------------------------------------------- base preload
def preload_base(source: Path, url: str) -> int:
    """Store a file's people as finished leads, fast: normalise, match keys, bulk insert.

    Not the pipeline (that is what is measured): leads as a finished ingest leaves them,
    keyed the way fuzzy matching looks them up, so the measured run meets a real base.
    """
    from sqlalchemy import create_engine, func, select
    from sqlalchemy.orm import Session

    from leadflow.core.bulk_writes import insert_rows
    from leadflow.core.models import Lead
    from leadflow.core.settings import get_settings
    from leadflow.core.types import CleanLead
    from leadflow.dedupe.merging.keys import lead_keys
    from leadflow.dedupe.policy import load_matching
    from leadflow.ingest.normalize import map_columns, normalize_row
    from leadflow.ingest.policy import ingest_policy

    policy, box = ingest_policy(), load_matching(get_settings().ingest_dir).mailbox
    columns = set(Lead.__table__.columns.keys())
    engine, stored_emails = create_engine(url), set()
    # COPY on PostgreSQL (insert_rows), so the per-statement trigger on ``lead`` that counts
    # names runs once per chunk: a million single-row inserts in one transaction rewrite its
    # counter row a million times, each rewrite walking the versions before it (the preload
    # of a million ran over 15 minutes without finishing). COPY takes no ON CONFLICT: the
    # file's repeated addresses are skipped here instead.
    with source.open(encoding="utf-8", newline="") as handle, Session(engine) as session:
        reader = csv.reader(handle)
        headers = next(reader)
        mapping = map_columns(headers, policy.aliases)[0]
        chunk: list[dict[str, Any]] = []
        for values in reader:
            fields = {mapping[h]: v for h, v in zip(headers, values) if h in mapping}
            clean = normalize_row(fields, 0, reader.line_num, policy.required)
            if not isinstance(clean, CleanLead):
                continue
            lead = {k: v for k, v in vars(clean).items() if k in columns}
            if lead["email"] in stored_emails:
                continue
            stored_emails.add(lead["email"])
            lead.update(lead_keys(lead, box.gmail_dots, box.plus_tags).columns())
            chunk.append({**lead, "pipeline_stage": "done", "status": "nurture"})
            if len(chunk) == INSERT_CHUNK:
                insert_rows(session, Lead.__table__, chunk)
                chunk = []
        insert_rows(session, Lead.__table__, chunk)
        stored = session.execute(select(func.count()).select_from(Lead.__table__)).scalar_one()
        session.commit()
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            conn.exec_driver_sql("ANALYZE")
    engine.dispose()
    return stored


# ---------------------------------------------------------------- CPU sampler
class CpuSampler:
    """Samples /proc every ``every`` s: CPU (user, sys) and peak RSS per process, split into
    this benchmark and its workers (app), the Prefect server, and the PostgreSQL backends
    serving ``database`` (their process title names it)."""

    def __init__(self, database: str | None, every: float = 0.5) -> None:
        self.database, self.every = database, every
        self.cpu: dict[int, tuple[str, float, float]] = {}
        self.peak_kb: dict[str, int] = defaultdict(int)
        self.kinds: dict[int, str | None] = {}  # pid -> its class (None: not measured)
        self.parents: dict[int, int] = {}
        self.first_seen: set[int] = set()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> CpuSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.sample()

    def _run(self) -> None:
        while not self._stop.wait(self.every):
            self.sample()

    def _kind(self, pid: int, cmdline: str, parents: dict[int, int]) -> str | None:
        if self.database and cmdline.startswith("postgres:") and f" {self.database} " in cmdline:
            return "postgres"
        seen, up = 0, pid
        while up > 1 and seen < 64:
            if up == os.getpid():
                return "prefect server" if "uvicorn" in cmdline or " server " in cmdline else "app"
            up, seen = parents.get(up, 0), seen + 1
        return None

    def sample(self) -> None:
        """One look at /proc. A process is classified from its title and its parents, and the
        class kept from its second look on (the first may catch it between fork and exec, or
        a PostgreSQL backend before its title names the database); after that only the
        processes measured are read. Reading every process's files at each look cost 8.8 ms of
        CPU with 85 processes running (0.2 now), in the process it measures, under its GIL."""
        alive = {int(entry) for entry in os.listdir("/proc") if entry.isdigit()}
        for gone in self.kinds.keys() - alive:
            del self.kinds[gone]  # its last reading stays in self.cpu
        self.first_seen &= alive
        fresh = sorted(alive - self.kinds.keys())
        for pid in fresh:
            fields = _stat_fields(pid)
            if fields is not None:
                self.parents[pid] = int(fields[1])
        looked = {pid: kind for pid, kind in self.kinds.items() if kind is not None}
        for pid in fresh:
            try:
                cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
            except OSError:
                continue
            kind = looked[pid] = self._kind(pid, cmdline, self.parents)
            if pid in self.first_seen:
                self.kinds[pid] = kind
            self.first_seen.add(pid)
        for pid, kind in looked.items():
            if kind is not None:
                self._read(pid, kind)

    def _read(self, pid: int, kind: str) -> None:
        fields = _stat_fields(pid)
        try:
            hwm = _vm_hwm_kb(pid)
        except OSError:
            return
        if fields is None:
            return
        user, system = int(fields[11]) / TICK, int(fields[12]) / TICK
        self.cpu[pid] = (kind, user, system)
        self.peak_kb[kind] = max(self.peak_kb[kind], hwm)

    def split(self) -> dict[str, tuple[float, float]]:
        """kind -> (user s, sys s), summed over every process of that kind seen."""
        out: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0])
        for kind, user, system in self.cpu.values():
            out[kind][0] += user
            out[kind][1] += system
        return {k: (round(u, 1), round(s, 1)) for k, (u, s) in out.items()}


class GcTimer:
    """Time this process spends in the cyclic garbage collector, and how many full (oldest
    generation) collections it ran: the in-process pipeline's share of its CPU."""

    def __init__(self) -> None:
        self.seconds, self.full, self._start = 0.0, 0, 0.0

    def _note(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._start = time.perf_counter()
            return
        self.seconds += time.perf_counter() - self._start
        self.full += info["generation"] == 2

    def __enter__(self) -> GcTimer:
        gc.callbacks.append(self._note)
        return self

    def __exit__(self, *exc: object) -> None:
        gc.callbacks.remove(self._note)


def _stat_fields(pid: int) -> list[str] | None:
    """/proc/<pid>/stat after the command name (which may hold spaces): field 1 is the parent,
    11 and 12 user and system ticks."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
        return raw[raw.rindex(")") + 2 :].split()
    except (OSError, ValueError):
        return None


def _vm_hwm_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0


# ---------------------------------------------------------------- Prefect pool run
def start_workers(n: int, api_url: str, log_dir: Path) -> list[subprocess.Popen[bytes]]:
    """The chunk deployment on a process pool, and ``n`` real workers polling it."""
    from prefect import get_client
    from prefect.client.schemas.actions import WorkPoolCreate
    from prefect.exceptions import ObjectAlreadyExists

    from flows.chunk import ingest_chunk

    with get_client(sync_client=True) as client:
        try:
            client.create_work_pool(WorkPoolCreate(name=POOL, type="process"))
        except ObjectAlreadyExists:
            pass
    ingest_chunk.to_deployment("chunk", job_variables={"working_dir": str(ROOT)}).apply(
        work_pool_name=POOL
    )
    env = {**os.environ, "PREFECT_API_URL": api_url, "PREFECT_WORKER_QUERY_SECONDS": "1"}
    command = [sys.executable, "-m", "prefect", "worker", "start", "--pool", POOL]
    return [
        subprocess.Popen(
            [*command, "--type", "process", "--limit", "1", "--name", f"{POOL}-{i}"],
            env=env,
            cwd=ROOT,
            stdout=(log_dir / f"worker-{i}.log").open("wb"),
            stderr=subprocess.STDOUT,
        )
        for i in range(n)
    ]


def stop_workers(workers: list[subprocess.Popen[bytes]]) -> None:
    for worker in workers:
        worker.send_signal(signal.SIGINT)
    for worker in workers:
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()


def task_seconds() -> dict[str, float]:
    """Stage -> seconds its task runs took, summed over every flow run (every worker).

    The server records task runs a little after they end: read until two reads agree.
    """
    from prefect import get_client

    last: dict[str, float] | None = None
    with get_client(sync_client=True) as client:
        for _ in range(30):
            spent: dict[str, float] = defaultdict(float)
            offset = 0
            while True:
                runs = client.read_task_runs(limit=200, offset=offset)
                for run in runs:
                    if "run_deployment" in run.task_key:  # the parent waiting on a chunk
                        continue
                    name = _task_name(run.name)
                    spent[STAGE_OF_TASK.get(name, "other")] += run.total_run_time.total_seconds()
                    stage = STAGE_OF_TASK.get(name, "other")
                    if stage in ("other", "route"):  # what they are made of, for the log
                        spent[f"{stage}: {name}"] += run.total_run_time.total_seconds()
                offset += len(runs)
                if len(runs) < 200:
                    break
            if spent == last:
                return dict(spent)
            last = dict(spent)
            time.sleep(2)
    return last or {}


def flow_timeline() -> list[tuple[str, float, float | None, float | None]]:
    """Every flow run of the benchmark's server: (name, when it was created, when it started,
    when it ended), in seconds after the first was created; None for what did not happen. A
    chunk's start after its creation is the wait for a worker's poll and its process."""
    from prefect import get_client

    with get_client(sync_client=True) as client:
        runs = client.read_flow_runs(limit=200)
    if not runs:
        return []
    zero = min(run.created for run in runs if run.created)

    def after(moment: Any) -> float | None:
        return None if moment is None else round((moment - zero).total_seconds(), 1)

    timeline = [
        (run.name, after(run.created) or 0.0, after(run.start_time), after(run.end_time))
        for run in runs
    ]
    return sorted(timeline, key=lambda row: row[1])


def _task_name(run_name: str) -> str:
    """Run names are the task's name plus a suffix (ids, or three random characters)."""
    for name in STAGE_OF_TASK:
        if run_name.startswith(name):
            return name
    return run_name.rsplit("-", 1)[0]

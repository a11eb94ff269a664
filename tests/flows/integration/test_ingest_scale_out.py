"""Scale-out on real Prefect workers: chunks of one campaign on two process workers, and two
campaigns with the same people ingested at once, each split into chunks.

Everything is a real process: a Prefect server, a process work pool, two
`prefect worker start` processes running the chunk flow runs, and two ingest processes.
Afterwards: one lead per person (the same leads as the two files ingested one after the
other in one process), no lead short of 'done', no row left 'staged', no lead with two
open assignments, no rep email sent twice, every raw row a lead or in quarantine.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from flows.chunk import ingest_chunk
from leadflow.app.local_services import read_mail
from leadflow.core.db import session_scope
from leadflow.core.models import Assignment, Lead, SourceRecord
from tests.support.dying_chunk import dying_chunk
from tests.conftest import BACKENDS, POSTGRES_URL
from tests.support.ingest_runs import ROOT, T0, WEBINAR, doubled, snapshot, stranded, wipe
from tests.support.prefect_postgres import prefect_server_on_postgres

# Setup alone can take 3 minutes on a loaded machine (two Prefect servers start), each test 1-5.
pytestmark = [pytest.mark.db, pytest.mark.e2e, pytest.mark.timeout(1200)]
POOL = "leadflow-test-chunks"
REAL, DYING = "ingest-chunk/chunk", "ingest-chunk-dying/chunk"
BATCH = 25  # 192 rows: 8 batches, split into 3 chunks; the overlapping 96: 4 batches, 2 chunks
# Runs the real ingest flow in this process; the chunks run wherever the pool's workers are.
PARENT = """\
import sys
from datetime import datetime
sys.path.insert(0, sys.argv[1])
from flows.ingest import ingest_campaign
source, campaign, batch, at, chunks, deployment = sys.argv[2:8]
summary = ingest_campaign(source=source, campaign=campaign, channel="webinar",
                          product_line="analytics", batch_size=int(batch),
                          now=datetime.fromisoformat(at), chunks=int(chunks),
                          chunk_deployment=deployment)
print("done", summary.created, summary.merged, summary.quarantined, dict(summary.problems))
"""


def _env() -> dict[str, str]:
    from prefect.settings import PREFECT_API_URL

    # Workers poll every second (default 10 s): the test waits less, nothing else changes.
    return {
        **os.environ,
        "PREFECT_API_URL": PREFECT_API_URL.value(),
        "PREFECT_WORKER_QUERY_SECONDS": "1",
    }


@pytest.fixture(scope="module")
def prefect_server(prefect_harness) -> Iterator[str]:  # after the harness: its settings nest inside
    """A Prefect server on PostgreSQL for this module, as production runs one for several
    workers (tests/support/prefect_postgres.py says why not the harness's)."""
    if "postgresql" not in BACKENDS:
        pytest.skip(
            "the workers' Prefect server runs on PostgreSQL, left out by LEADFLOW_TEST_BACKENDS"
        )
    yield from prefect_server_on_postgres(POSTGRES_URL, "chunks")


PARENTS: list[subprocess.Popen[str]] = []  # every parent ingest started by the running test


@pytest.fixture(autouse=True)
def no_parent_left() -> Iterator[None]:
    """A parent still running when its test ends (it failed or timed out) is killed, so it
    holds no database connection into the next test."""
    yield
    for process in PARENTS:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=30)
    PARENTS.clear()


@pytest.fixture
def two_workers(
    prefect_server, leadflow_env, tmp_path: Path
) -> Iterator[list[subprocess.Popen[str]]]:
    """The chunk deployment on a process pool, and two real workers polling it."""
    from prefect import get_client
    from prefect.client.schemas.actions import WorkPoolCreate
    from prefect.exceptions import ObjectAlreadyExists

    with get_client(sync_client=True) as client:
        try:
            client.create_work_pool(WorkPoolCreate(name=POOL, type="process"))
        except ObjectAlreadyExists:
            pass
    for chunk_flow in (ingest_chunk, dying_chunk):
        chunk_flow.to_deployment("chunk", job_variables={"working_dir": str(ROOT)}).apply(
            work_pool_name=POOL
        )
    workers = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "prefect",
                "worker",
                "start",
                "--pool",
                POOL,
                "--type",
                "process",
                "--limit",
                "1",
                "--name",
                f"{POOL}-{i}",
            ],
            env=_env(),
            cwd=ROOT,
            text=True,
            stdout=(tmp_path / f"worker-{i}.log").open("w"),
            stderr=subprocess.STDOUT,
        )
        for i in range(2)
    ]
    yield workers
    for worker in workers:
        worker.send_signal(signal.SIGINT)
    for worker in workers:
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            worker.kill()


def start_parent(
    tmp_path: Path, source: Path, campaign: str, chunks: int, deployment: str = REAL
) -> subprocess.Popen[str]:
    script = tmp_path / "parent.py"
    script.write_text(PARENT, encoding="utf-8")
    process = subprocess.Popen(
        [
            sys.executable,
            str(script),
            str(ROOT),
            str(source),
            campaign,
            str(BATCH),
            T0.isoformat(),
            str(chunks),
            deployment,
        ],
        env=_env(),
        cwd=ROOT,
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    PARENTS.append(process)
    return process


def finish(processes: list[subprocess.Popen[str]]) -> list[str]:
    outputs = []
    for process in processes:
        out, err = process.communicate(timeout=600)
        assert process.returncode == 0, err[-3000:]
        outputs.append(out)
    return outputs


def overlapping(tmp_path: Path) -> tuple[Path, Path]:
    """The webinar file whole, and its second half with a header: 96 people in both."""
    header, *rows = WEBINAR.read_bytes().splitlines(keepends=True)
    whole, half = tmp_path / "whole.csv", tmp_path / "half.csv"
    whole.write_bytes(header + b"".join(rows))
    half.write_bytes(header + b"".join(rows[len(rows) // 2 :]))
    return whole, half


def chunk_runs(flow_name: str = "ingest-chunk") -> dict[str, tuple[str, str | None]]:
    """Every chunk flow run the server knows: id -> (state, work pool)."""
    from prefect import get_client
    from prefect.client.schemas.filters import FlowFilter, FlowFilterName

    with get_client(sync_client=True) as client:
        runs = client.read_flow_runs(
            flow_filter=FlowFilter(name=FlowFilterName(any_=[flow_name])), limit=200
        )
    return {str(r.id): (r.state.type.value if r.state else "", r.work_pool_name) for r in runs}


def invariants() -> dict[str, int]:
    """What must be zero after any set of ingests, however they interleaved."""
    with session_scope() as session:
        per_email = Counter(session.scalars(select(func.lower(Lead.email))))
        open_offers = Counter(
            session.scalars(
                select(Assignment.lead_id).where(Assignment.status.in_(("offered", "accepted")))
            )
        )
        rows = session.execute(select(SourceRecord.status, SourceRecord.lead_id)).all()
    return {
        "emails with two leads": doubled(per_email),
        "leads with two open assignments": doubled(open_offers),
        "rows neither a lead nor quarantined": sum(
            1 for status, lead_id in rows if status != "quarantined" and lead_id is None
        ),
    }


def test_chunks_on_two_workers_and_two_overlapping_campaigns_at_once(
    two_workers, smtp_sink, tmp_path
):
    whole, half = overlapping(tmp_path)
    before = chunk_runs()
    outputs = finish(
        [start_parent(tmp_path, whole, "whole", 3), start_parent(tmp_path, half, "half", 2)]
    )
    assert all(out.startswith("done") for out in outputs), outputs
    # The work ran on the workers: 3 + 2 chunk runs, all completed there, none redone inline.
    ran = [run for key, run in chunk_runs().items() if key not in before]
    assert ran == [("COMPLETED", POOL)] * 5
    assert not any("counts are missing" in out for out in outputs), outputs
    assert stranded() == (0, 0)  # no row staged, no lead short of done
    assert invariants() == {
        "emails with two leads": 0,
        "leads with two open assignments": 0,
        "rows neither a lead nor quarantined": 0,
    }
    together = snapshot()
    assert sum(together["rows"].values()) == 192 + 96  # every raw row is there, once
    assert doubled(Counter(m["Message-ID"] for m in read_mail(smtp_sink))) == 0
    assert doubled(together["assignments"]) == 0 and doubled(together["enrollments"]) == 0

    wipe()
    finish([start_parent(tmp_path, whole, "whole", 1)])
    finish([start_parent(tmp_path, half, "half", 1)])
    one_after_the_other = snapshot()
    assert set(together["leads"]) == set(one_after_the_other["leads"])  # one lead per person
    assert together == one_after_the_other


def test_a_chunk_whose_process_dies_is_finished_by_the_parent(two_workers, smtp_sink, tmp_path):
    """SIGKILL inside a chunk's flow run (first batch cleaned and enriched, never scored, the
    rest staged): the worker reports it crashed, the parent carries its half-done leads
    forward and cleans its staged rows; the result is the one-process ingest's."""
    whole, _ = overlapping(tmp_path)
    before = chunk_runs("ingest-chunk-dying")
    (out,) = finish([start_parent(tmp_path, whole, "whole", 2, DYING)])
    ran = [
        state for key, (state, _) in chunk_runs("ingest-chunk-dying").items() if key not in before
    ]
    assert sorted(ran) == ["COMPLETED", "CRASHED"]
    assert stranded() == (0, 0)
    assert invariants() == {
        "emails with two leads": 0,
        "leads with two open assignments": 0,
        "rows neither a lead nor quarantined": 0,
    }
    after = snapshot()
    assert doubled(Counter(m["Message-ID"] for m in read_mail(smtp_sink))) == 0

    wipe()
    finish([start_parent(tmp_path, whole, "whole", 1)])
    assert after == snapshot()

"""Two real ingest processes at once over overlapping files: both finish, and the data is
what the same two ingests leave one after the other. No deadlock, no duplicate lead,
assignment, enrollment or email, no lead stranded.

Before the pipeline lock, the second process died with a deadlock in route-leads on
PostgreSQL and with a unique-constraint error in enrollment on SQLite.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from leadflow.app.local_services import read_mail
from tests.support.ingest_runs import WEBINAR, doubled, snapshot, start_ingest, stranded, wipe

pytestmark = [pytest.mark.db, pytest.mark.e2e]


def overlapping_files(tmp_path: Path) -> tuple[Path, Path]:
    """The webinar file whole, and its second half (96 rows) with a header: 96 in common."""
    header, *rows = WEBINAR.read_bytes().splitlines(keepends=True)
    whole, half = tmp_path / "whole.csv", tmp_path / "half.csv"
    whole.write_bytes(header + b"".join(rows))
    half.write_bytes(header + b"".join(rows[len(rows) // 2 :]))
    return whole, half


def finish(processes: list) -> list[str]:  # type: ignore[type-arg]
    outputs = []
    for process in processes:
        out, err = process.communicate(timeout=600)
        assert process.returncode == 0, err[-3000:]
        outputs.append(out)
    return outputs


def test_two_ingests_of_overlapping_files_at_once_end_as_one_after_the_other(
    prefect_harness, leadflow_env, smtp_sink, tmp_path
):
    whole, half = overlapping_files(tmp_path)
    finish([start_ingest(tmp_path, whole, "first"), start_ingest(tmp_path, half, "second")])
    assert stranded() == (0, 0)
    together = snapshot()
    sent = Counter(message["Message-ID"] for message in read_mail(smtp_sink))
    assert doubled(sent) == 0
    assert doubled(together["assignments"]) == 0 and doubled(together["enrollments"]) == 0

    wipe()
    finish([start_ingest(tmp_path, whole, "first")])
    finish([start_ingest(tmp_path, half, "second")])
    one_after_the_other = snapshot()
    assert set(together["leads"]) == set(one_after_the_other["leads"])  # none lost, none extra
    for part, counted in together.items():
        if isinstance(counted, Counter):  # what one side has more of, part by part
            assert (counted - one_after_the_other[part], one_after_the_other[part] - counted) == (
                Counter(),
                Counter(),
            ), part
    assert together == one_after_the_other

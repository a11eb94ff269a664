"""The ingest flow's batch size: LEADFLOW_BATCH_SIZE by default, the run's own when given."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from flows.ingest import ingest_campaign
from leadflow.core.settings import reset_settings

pytestmark = [pytest.mark.db, pytest.mark.e2e]
WEBINAR = str(Path(__file__).resolve().parents[3] / "examples" / "webinar_analytics_2026-11.csv")


def clean_runs(state, expected: int) -> list[str]:  # type: ignore[no-untyped-def]
    """The clean-and-dedupe task runs of one flow run, by name (first and last row id).

    A task run reaches the server as events, which the server records a moment later: read
    until ``expected`` are there, or a minute has passed (a slow machine once read none)."""
    deadline = time.monotonic() + 60
    while True:
        names = _clean_runs(state)
        if len(names) >= expected or time.monotonic() > deadline:
            return names
        time.sleep(0.5)


def _clean_runs(state) -> list[str]:  # type: ignore[no-untyped-def]
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId

    with get_client(sync_client=True) as client:
        runs = client.read_task_runs(
            flow_run_filter=FlowRunFilter(
                id=FlowRunFilterId(any_=[state.state_details.flow_run_id])
            )
        )
    return sorted(run.name for run in runs if run.name.startswith("clean-and-dedupe"))


def test_the_setting_sets_the_batches_and_a_run_may_choose_its_own(
    prefect_harness, leadflow_env, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LEADFLOW_BATCH_SIZE", "100")
    reset_settings()
    by_setting = ingest_campaign(source=WEBINAR, campaign="by-setting", return_state=True)
    own = ingest_campaign(source=WEBINAR, campaign="own", batch_size=1000, return_state=True)
    assert by_setting.is_completed() and own.is_completed()
    assert len(clean_runs(by_setting, 2)) == 2  # the file's 192 rows in batches of 100
    assert len(clean_runs(own, 1)) == 1


def test_the_command_refuses_a_batch_size_out_of_range(tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "LEADFLOW_"))}
    env.update(LEADFLOW_DATA_DIR=str(tmp_path), PREFECT_HOME=str(tmp_path / "p"), NO_COLOR="1")
    command = [sys.executable, "-m", "leadflow.cli.main", "ingest", WEBINAR, "--campaign", "c"]
    done = subprocess.run(
        [*command, "--batch-size", "50"], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 2 and "--batch-size" in done.stderr and "100" in done.stderr


def test_replays_and_resumed_work_follow_the_setting_too(
    leadflow_env, monkeypatch: pytest.MonkeyPatch
) -> None:
    from leadflow.ingest.pending import staged_rows
    from tasks.ingest import register_campaign
    from tasks.staging import stage_file

    campaign_id = register_campaign.fn("staged", "webinar", "analytics", None, None)
    stage_file.fn(WEBINAR, campaign_id, 1000)  # staged, never cleaned: what a replay finds
    monkeypatch.setenv("LEADFLOW_BATCH_SIZE", "100")
    reset_settings()
    (work,) = staged_rows()
    assert (work.rows, len(work.batches)) == (192, 2)
    assert len(staged_rows(batch_size=1000)[0].batches) == 1

"""Flows fail visibly and early: nothing runs on half a config or on a missing file."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy import func, select

from flows.ingest import ingest_campaign
from leadflow.core.db import session_scope
from leadflow.core.errors import ConfigError, SourceNotFound
from leadflow.core.models import Campaign, SourceRecord
from leadflow.core.settings import reset_settings

pytestmark = [pytest.mark.db, pytest.mark.e2e]
ROOT = Path(__file__).resolve().parents[3]
WEBINAR = str(ROOT / "examples" / "webinar_analytics_2026-11.csv")


def rows_and_campaigns() -> tuple[int, int]:
    with session_scope() as session:
        return (
            session.scalar(select(func.count()).select_from(SourceRecord)) or 0,
            session.scalar(select(func.count()).select_from(Campaign)) or 0,
        )


def test_a_broken_policy_fails_the_ingest_run_before_any_row_is_touched(
    prefect_harness, leadflow_env, tmp_path, monkeypatch
):
    broken = tmp_path / "scoring"
    shutil.copytree(ROOT / "scoring", broken)
    text = (
        (broken / "icp.yaml").read_text(encoding="utf-8").replace("points: 25", "points: lots", 1)
    )
    (broken / "icp.yaml").write_text(text, encoding="utf-8")
    monkeypatch.setenv("LEADFLOW_SCORING_DIR", str(broken))
    reset_settings()
    state = ingest_campaign(source=WEBINAR, campaign="webinar", return_state=True)
    assert state.is_failed()
    with pytest.raises(ConfigError) as info:
        state.result()
    line = next(i for i, row in enumerate(text.splitlines(), 1) if "points: lots" in row)
    assert f"icp.yaml:{line}" in str(info.value) and "points" in str(info.value)
    assert rows_and_campaigns() == (0, 0)


def test_a_missing_file_fails_the_run_without_retrying(prefect_harness, leadflow_env):
    state = ingest_campaign(source="no/such/file.csv", campaign="ghost", return_state=True)
    assert state.is_failed()
    with pytest.raises(SourceNotFound):
        state.result()
    assert rows_and_campaigns()[0] == 0

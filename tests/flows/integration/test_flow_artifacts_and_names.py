"""Engagement and reclaim runs leave an artifact; simulated runs say so in their names."""

from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest

MONDAY = datetime(2026, 11, 9, 14, tzinfo=timezone.utc)
pytestmark = pytest.mark.db


def artifacts_and_name(state) -> tuple[dict[str, list[dict[str, str]]], str]:  # type: ignore[no-untyped-def]
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId

    run_id = state.state_details.flow_run_id
    with get_client(sync_client=True) as client:
        found = client.read_artifacts(
            flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[run_id]))
        )
        name = client.read_flow_run(run_id).name
    tables = {a.key: json.loads(a.data) if isinstance(a.data, str) else a.data for a in found}
    return tables, name


def measures(rows: list[dict[str, str]]) -> dict[str, str]:
    return {row["measure"]: str(row["value"]) for row in rows}


def test_reclaim_sweep_publishes_what_it_did_and_its_name_says_simulated(
    prefect_harness, leadflow_env
) -> None:  # type: ignore[no-untyped-def]
    from flows.reclaim import reclaim_sweep

    state = reclaim_sweep(now=MONDAY, return_state=True)
    assert state.is_completed()
    tables, name = artifacts_and_name(state)
    assert name == "reclaim-sweep-simulated-2026-11-09-1400"
    assert measures(tables["reclaim-sweep"]) == {
        "reassigned to another rep": "0",
        "back to the pool": "0",
        "stuck in a queue (nobody could take them)": "0",
    }


def test_engagement_publishes_what_it_did(prefect_harness, leadflow_env) -> None:  # type: ignore[no-untyped-def]
    from flows.engagement import process_engagement

    state = process_engagement(reason="click", return_state=True)
    assert state.is_completed()
    tables, name = artifacts_and_name(state)
    assert name == "engagement-click"  # the real clock: nothing to flag
    assert measures(tables["engagement"]) == {"new engagement events": "0"}

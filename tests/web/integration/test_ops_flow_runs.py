"""The ops page reads recent flow runs through the Prefect client, and says so when it cannot."""

from __future__ import annotations

import pytest
from prefect import flow

from urllib.parse import urlparse

from leadflow.app.local_services import WebServer
from leadflow.report.flow_runs import recent_flow_runs
from tests.conftest import free_port
from tests.web.integration.test_signin_http import signed_in

pytestmark = pytest.mark.db


@flow(name="web-ops-probe")
def probe() -> int:
    return 1


def test_recent_runs_link_into_the_prefect_ui(prefect_harness, web, recorder):
    from prefect.settings import PREFECT_API_URL

    flow_run_id = str(probe(return_state=True).state_details.flow_run_id)
    runs = recent_flow_runs()
    assert runs.problem is None
    (run,) = [r for r in runs.runs if r.id == flow_run_id]
    assert run.flow_name == "web-ops-probe"
    assert run.state == "Completed"
    assert run.ui_url == f"{PREFECT_API_URL.value().removesuffix('/api')}/runs/flow-run/{run.id}"
    page = signed_in(web, recorder, "hans.weber").get(f"{web}/ops", timeout=30)
    assert page.status_code == 200 and f'href="{run.ui_url}"' in page.text


def ops_page(leadflow_env, recorder, api_url: str | None) -> str:  # type: ignore[no-untyped-def]
    """The ops page from a web app started under the given Prefect API URL (None: unset)."""
    from prefect.settings import PREFECT_API_URL, temporary_settings

    base = urlparse(leadflow_env.public_base_url)
    with (
        temporary_settings(updates={PREFECT_API_URL: api_url}),
        WebServer(base.hostname, base.port),
    ):
        web = leadflow_env.public_base_url
        return signed_in(web, recorder, "hans.weber").get(f"{web}/ops", timeout=60).text


def test_without_a_prefect_server_the_ops_page_says_so(leadflow_env, recorder):
    from prefect.settings import PREFECT_API_URL, temporary_settings

    dead = f"http://127.0.0.1:{free_port()}/api"
    with temporary_settings(updates={PREFECT_API_URL: dead}):
        answer = recent_flow_runs()
    assert answer.runs == [] and "did not answer" in (answer.problem or "")
    assert "did not answer" in ops_page(leadflow_env, recorder, dead)
    recorder.messages.clear()
    assert "no Prefect server is configured" in ops_page(leadflow_env, recorder, None)

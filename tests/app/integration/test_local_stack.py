"""The local stack: `leadflow up` once, then every command (serve included) finds it.

Real processes on free ports: a persistent Prefect server, the SMTP sink and web app, and
`leadflow serve`, all started with no PREFECT_API_URL in their environment.
"""

from __future__ import annotations

import os
import smtplib
import subprocess
import sys
import time
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.conftest import ROOT, free_port

pytestmark = pytest.mark.e2e
# A wait for Prefect's scheduler (it looks every few seconds) and the runner's poll; a bound
# that only ends a hung test, not a speed figure.
SCHEDULED_RUN_WAIT_S = 300


def clean_env(data_dir: Path) -> dict[str, str]:
    """The environment of a newcomer: no Prefect URL, no leadflow settings but the ports."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LEADFLOW_", "PREFECT_"))}
    env.update(
        PREFECT_HOME=str(data_dir / "prefect-home"),
        PREFECT_SERVER_ANALYTICS_ENABLED="false",
        LEADFLOW_DATA_DIR=str(data_dir),
        LEADFLOW_PREFECT_API_URL=f"http://127.0.0.1:{free_port()}/api",
        LEADFLOW_PUBLIC_BASE_URL=f"http://127.0.0.1:{free_port()}",
        LEADFLOW_SMTP_PORT=str(free_port()),
    )
    return env


def leadflow(
    env: dict[str, str], *args: str, timeout: float = 600
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "leadflow.cli.main", *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    env = clean_env(tmp_path_factory.mktemp("stack"))
    started = leadflow(env, "up")
    assert started.returncode == 0, started.stdout + started.stderr
    yield env
    leadflow(env, "down")


def api(env: dict[str, str]) -> str:
    return env["LEADFLOW_PREFECT_API_URL"]


def flow_runs(env: dict[str, str], body: dict) -> list[dict]:  # type: ignore[type-arg]
    answer = requests.post(f"{api(env)}/flow_runs/filter", json=body, timeout=30)
    answer.raise_for_status()
    return answer.json()


def test_status_names_every_part_and_up_again_finds_them(stack: dict[str, str]) -> None:
    shown = leadflow(stack, "status")
    assert shown.returncode == 0, shown.stdout + shown.stderr
    assert shown.stdout.count(" up ") == 4
    again = leadflow(stack, "up")
    assert again.returncode == 0 and "already running" in again.stdout


def test_up_registers_every_deployment_for_the_ui(stack: dict[str, str]) -> None:
    answer = requests.post(f"{api(stack)}/deployments/filter", json={}, timeout=30)
    names = {d["name"] for d in answer.json()}
    assert {
        "manual",
        "every-5-minutes",
        "on-engagement",
        "hourly",
        "every-minute",
        "nightly",
    } <= names


def test_ingest_runs_on_the_stack_server_not_a_temporary_one(stack: dict[str, str]) -> None:
    done = leadflow(
        stack,
        "ingest",
        "examples/webinar_analytics_2026-11.csv",
        "--campaign",
        "stack-check",
        "--json",
    )
    assert done.returncode == 0, done.stderr
    runs = flow_runs(stack, {"flow_runs": {"name": {"any_": ["ingest-stack-check"]}}})
    assert [r["state_type"] for r in runs] == ["COMPLETED"]


def test_mailbox_lists_and_renders_what_the_sink_received(stack: dict[str, str]) -> None:
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = (
        "a@example.org",
        "rep@example.org",
        "Hot lead",
    )
    message.set_content("Accept it: http://127.0.0.1/r/token")
    with smtplib.SMTP("127.0.0.1", int(stack["LEADFLOW_SMTP_PORT"]), timeout=10) as smtp:
        smtp.send_message(message)
    base = stack["LEADFLOW_PUBLIC_BASE_URL"]
    index = requests.get(f"{base}/mailbox", timeout=10).text
    assert "Hot lead" in index and "rep@example.org" in index
    link = index.split("href='/mailbox/", 1)[1].split("'", 1)[0]
    page = requests.get(f"{base}/mailbox/{link}", timeout=10).text
    assert "<a href='http://127.0.0.1/r/token'>" in page


def test_serve_runs_the_every_minute_deployment_on_the_stack_server(stack: dict[str, str]) -> None:
    log = Path(stack["LEADFLOW_DATA_DIR"]) / "serve.log"
    with log.open("w") as out:
        serve = subprocess.Popen(
            [sys.executable, "-m", "leadflow.cli.main", "serve"],
            env=stack,
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    query = {
        "deployments": {"name": {"any_": ["every-minute"]}},
        "flow_runs": {"state": {"type": {"any_": ["COMPLETED"]}}},
    }
    try:
        deadline = time.monotonic() + SCHEDULED_RUN_WAIT_S
        while not flow_runs(stack, query) and time.monotonic() < deadline and serve.poll() is None:
            time.sleep(3)
        assert flow_runs(stack, query), log.read_text()
    finally:
        serve.terminate()
        serve.wait(timeout=60)


@pytest.fixture(scope="module")
def demo(stack: dict[str, str]) -> str:
    """`leadflow demo` on the stack that is already up; its output."""
    done = leadflow(stack, "demo")
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return done.stdout


def test_demo_uses_the_running_stack_and_names_the_urls(stack: dict[str, str], demo: str) -> None:
    base = stack["LEADFLOW_PUBLIC_BASE_URL"]
    assert "already running" in demo
    assert f"{base}/mailbox" in demo and api(stack).removesuffix("/api") in demo
    assert leadflow(stack, "status").returncode == 0  # left running


def test_a_rep_link_from_the_demo_mailbox_accepts_the_lead(
    stack: dict[str, str], demo: str, browser: Any
) -> None:
    from playwright.sync_api import expect
    from sqlalchemy import create_engine, text

    page = browser.new_page()
    try:
        page.goto(f"{stack['LEADFLOW_PUBLIC_BASE_URL']}/mailbox")
        page.get_by_role("link", name="New lead for you").first.click()
        lead_id = int(page.get_by_text("Lead #").inner_text().split("Lead #")[1].split(";")[0])
        page.get_by_role("link", name="Accept", exact=True).click()
        page.get_by_role("button").click()
        # The click submits a form: wait for the answer page (title() read at once may still
        # see the form while the POST is under way).
        expect(page).to_have_title("Done", timeout=30_000)
    finally:
        page.close()
    engine = create_engine(f"sqlite:///{stack['LEADFLOW_DATA_DIR']}/leadflow.db")
    with engine.connect() as conn:
        statuses = (
            conn.execute(text("SELECT status FROM assignment WHERE lead_id = :id"), {"id": lead_id})
            .scalars()
            .all()
        )
    engine.dispose()
    assert "accepted" in statuses


def test_serve_without_a_persistent_server_refuses_and_names_the_fix(tmp_path: Path) -> None:
    refused = leadflow(clean_env(tmp_path), "serve", timeout=120)
    assert refused.returncode == 2
    assert "leadflow up" in refused.stderr and "temporary" in refused.stderr


def test_down_stops_every_part(stack: dict[str, str]) -> None:
    # Last in this file: it ends the module's stack (starting another costs a minute or two).
    stopped = leadflow(stack, "down")
    assert "Prefect server" in stopped.stdout and "web app" in stopped.stdout
    shown = leadflow(stack, "status")
    assert shown.returncode == 1 and " up " not in shown.stdout

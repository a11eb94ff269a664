"""The local stack: a persistent Prefect server, the SMTP sink and the web app.

`leadflow up` starts whatever part does not answer yet and records where each one is in
``<data dir>/stack.json``. Every later command reads that record (``adopt_stack``), so the
CLI, ``serve`` included, talks to that Prefect server with no PREFECT_API_URL in the
environment, and never starts a temporary server of its own while the stack is up.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from urllib.parse import urlparse

import requests

from leadflow.core.errors import StackError
from leadflow.app.local_services import (
    ensure_prefect_server,
    prefect_api_answers,
    stop_prefect_server,
)
from leadflow.core.settings import Settings

STACK_FILE = "stack.json"
SERVICES_PID_FILE = "stack-services.pid"
PREFECT_START_TIMEOUT_S = 300
FIX = "run `leadflow up` (or `make up`) first, or set PREFECT_API_URL to a running server"


@dataclass(frozen=True)
class StackRecord:
    prefect_api_url: str
    web_url: str
    smtp_host: str
    smtp_port: int
    mail_dir: str
    database_url: str

    @property
    def prefect_ui_url(self) -> str:
        return self.prefect_api_url.rstrip("/").removesuffix("/api")

    @property
    def mailbox_url(self) -> str:
        return f"{self.web_url.rstrip('/')}/mailbox"

    @property
    def reports_url(self) -> str:
        """The nightly report and every flow's summary are Prefect artifacts."""
        return f"{self.prefect_ui_url}/artifacts"


@dataclass(frozen=True)
class Part:
    name: str
    where: str
    answers: bool


def record_path(data_dir: Path) -> Path:
    return data_dir / STACK_FILE


def read_record(data_dir: Path) -> StackRecord | None:
    try:
        return StackRecord(**json.loads(record_path(data_dir).read_text(encoding="utf-8")))
    except (OSError, ValueError, TypeError):
        return None  # no stack recorded, or a record from another version: as if none


def prefect_target(settings: Settings) -> str:
    return os.environ.get("PREFECT_API_URL") or settings.prefect_api_url


def web_answers(web_url: str) -> bool:
    try:
        return requests.get(f"{web_url.rstrip('/')}/healthz", timeout=2).ok
    except requests.RequestException:
        return False


def smtp_answers(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=2):
            return True
    except OSError:
        return False


def _services_answer(settings: Settings) -> tuple[bool, bool]:
    smtp = smtp_answers(settings.smtp_host, settings.smtp_port)
    return web_answers(settings.public_base_url), smtp


def _start_services(settings: Settings, api: str, timeout_s: float = 120) -> bool:
    """Start the SMTP sink + web app process unless both answer; True if started here."""
    web, smtp = _services_answer(settings)
    if web and smtp:
        return False
    if web or smtp:
        busy = settings.public_base_url if web else f"{settings.smtp_host}:{settings.smtp_port}"
        raise StackError(
            f"{busy} is taken by another program; stop it, or point "
            "LEADFLOW_PUBLIC_BASE_URL / LEADFLOW_SMTP_PORT elsewhere"
        )
    log = settings.data_dir / "stack-services.log"
    env = {**os.environ, "PREFECT_API_URL": api}
    with log.open("ab") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "leadflow.app.stack_services"],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    (settings.data_dir / SERVICES_PID_FILE).write_text(str(process.pid))
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise StackError(
                f"the SMTP sink and web app exited with {process.returncode}; see {log}"
            )
        if all(_services_answer(settings)):
            return True
        time.sleep(0.3)
    raise StackError(
        f"the SMTP sink and web app did not answer within {timeout_s:.0f} s; see {log}"
    )


def up(settings: Settings) -> tuple[StackRecord, list[str]]:
    """Start or find every part, record where they are; (record, names of the parts started)."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    started: list[str] = []
    try:
        # A first start migrates Prefect's database: over a minute on a busy 2-core machine.
        api, prefect_started = ensure_prefect_server(
            settings.data_dir, prefect_target(settings), timeout_s=PREFECT_START_TIMEOUT_S
        )
    except RuntimeError as exc:
        raise StackError(str(exc)) from exc
    if prefect_started:
        started.append("Prefect server")
    if _start_services(settings, api):
        started.append("SMTP sink and web app")
    record = StackRecord(
        prefect_api_url=api,
        web_url=settings.public_base_url,
        smtp_host=settings.smtp_host,
        smtp_port=settings.smtp_port,
        mail_dir=str(settings.mail_dir),
        database_url=settings.resolved_database_url,
    )
    text = json.dumps(asdict(record), indent=2)
    record_path(settings.data_dir).write_text(text, encoding="utf-8")
    return record, started


def _stop_group(pid: int, timeout_s: float = 20) -> bool:
    try:
        os.killpg(pid, signal.SIGTERM)
    except ProcessLookupError:
        return False
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            os.killpg(pid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.2)
    os.killpg(pid, signal.SIGKILL)  # a part that ignores SIGTERM must not keep its port
    return True


def down(data_dir: Path) -> list[str]:
    """Stop the parts this data dir's stack started; the names of those stopped."""
    stopped: list[str] = []
    pid_file = data_dir / SERVICES_PID_FILE
    if pid_file.exists():
        pid = int(pid_file.read_text())
        pid_file.unlink()
        if _stop_group(pid):
            stopped.append("SMTP sink and web app")
    server_pid = data_dir / "prefect-server.pid"
    pid = int(server_pid.read_text()) if server_pid.exists() else None
    if stop_prefect_server(data_dir):
        stopped.append("Prefect server")
        if pid is not None:
            _stop_group(pid)  # wait until its port is free
    record_path(data_dir).unlink(missing_ok=True)
    return stopped


def status(settings: Settings) -> list[Part]:
    record = read_record(settings.data_dir)
    api = record.prefect_api_url if record else prefect_target(settings)
    web = record.web_url if record else settings.public_base_url
    host, port = (
        (record.smtp_host, record.smtp_port) if record else (settings.smtp_host, settings.smtp_port)
    )
    ui = api.rstrip("/").removesuffix("/api")
    return [
        Part("Prefect server (UI)", ui, prefect_api_answers(api)),
        Part("web app", web, web_answers(web)),
        Part("mailbox", f"{web.rstrip('/')}/mailbox", web_answers(web)),
        Part("SMTP sink", f"{host}:{port}", smtp_answers(host, port)),
    ]


def adopt_stack(settings: Settings) -> str | None:
    """Point this process's Prefect client at the recorded stack's server, if it answers."""
    if os.environ.get("PREFECT_API_URL"):
        return os.environ["PREFECT_API_URL"]
    record = read_record(settings.data_dir)
    if record is None or not prefect_api_answers(record.prefect_api_url):
        return None
    os.environ["PREFECT_API_URL"] = record.prefect_api_url
    if "prefect.context" in sys.modules:  # settings already read: read them again
        from prefect.context import refresh_global_settings_context

        refresh_global_settings_context()
    return record.prefect_api_url


TEMPORARY_SERVER_HINT = (
    "no local stack is up: this run uses a temporary Prefect server, and its runs will not be "
    "in the UI afterwards; `leadflow up` starts the persistent stack"
)


def temporary_server_hint() -> str | None:
    """The one line to show before a flow runs on a temporary Prefect server; None if not so.

    Prefect's client starts a temporary server when no API URL is set (environment, profile,
    or the stack's record that ``adopt_stack`` put in the environment).
    """
    # Read here, not at import: Prefect's settings cost every other command its start-up time.
    from prefect.settings import PREFECT_API_URL

    return None if PREFECT_API_URL.value() else TEMPORARY_SERVER_HINT


def require_persistent_server() -> str:
    """The API URL of a persistent Prefect server, or a StackError naming the fix.

    Without one, Prefect's client starts a temporary server: deployments served to it list
    as ready yet no scheduled run ever starts, and nothing reaches the UI.
    """
    from prefect.settings import PREFECT_API_URL

    api = PREFECT_API_URL.value()
    if not api:
        raise StackError(
            f"no Prefect server to serve to (a temporary one never runs schedules): {FIX}"
        )
    if not prefect_api_answers(api):
        raise StackError(f"the Prefect server at {api} does not answer: {FIX}")
    return api


def hostport(url: str, default_port: int) -> tuple[str, int]:
    parsed = urlparse(url)
    return parsed.hostname or "127.0.0.1", parsed.port or default_port

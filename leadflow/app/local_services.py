"""The embedded default's moving parts: a Prefect server, an SMTP sink, the web app."""

from __future__ import annotations

import contextvars
import os
import signal
import subprocess
import sys
import threading
import time
from email import message_from_bytes, policy
from pathlib import Path
from urllib.parse import urlparse

import requests
import uvicorn
from aiosmtpd.controller import Controller

DEFAULT_PREFECT_API = "http://127.0.0.1:4200/api"


def prefect_api_answers(api_url: str) -> bool:
    try:
        return requests.get(f"{api_url.rstrip('/')}/health", timeout=2).ok
    except requests.RequestException:
        return False


def ensure_prefect_server(
    data_dir: Path, api_url: str | None = None, timeout_s: float = 90
) -> tuple[str, bool]:
    """The API URL of a Prefect server that answers, starting one if none does.

    Returns (api_url, started_here). A server started here keeps running after the
    command ends, so the UI stays up; ``leadflow server stop`` ends it.
    """
    api = api_url or os.environ.get("PREFECT_API_URL") or DEFAULT_PREFECT_API
    if prefect_api_answers(api):
        return api, False
    parsed = urlparse(api)
    home = data_dir / "prefect"
    home.mkdir(parents=True, exist_ok=True)
    env = {
        **os.environ,
        "PREFECT_HOME": str(home),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_API_URL": api,
    }
    prefect_bin = Path(sys.executable).with_name("prefect")
    log = (data_dir / "prefect-server.log").open("ab")
    process = subprocess.Popen(
        [
            str(prefect_bin),
            "server",
            "start",
            "--host",
            parsed.hostname or "127.0.0.1",
            "--port",
            str(parsed.port or 4200),
        ],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    (data_dir / "prefect-server.pid").write_text(str(process.pid))
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(
                f"Prefect server exited with {process.returncode}; see {data_dir / 'prefect-server.log'}"
            )
        if prefect_api_answers(api):
            return api, True
        time.sleep(0.5)
    raise RuntimeError(f"Prefect server did not answer at {api} within {timeout_s:.0f} s")


def stop_prefect_server(data_dir: Path) -> bool:
    pid_file = data_dir / "prefect-server.pid"
    if not pid_file.exists():
        return False
    pid = int(pid_file.read_text())
    pid_file.unlink()
    try:
        os.killpg(pid, signal.SIGTERM)
    except ProcessLookupError:
        return False
    return True


class MaildirHandler:
    """Keeps every message it receives as one .eml file."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.folder.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope) -> str:  # type: ignore[no-untyped-def]
        with self._lock:
            stamp = time.strftime("%Y%m%dT%H%M%S")
            count = len(list(self.folder.glob("*.eml")))
            path = self.folder / f"{stamp}-{count + 1:06d}.eml"
            path.write_bytes(envelope.original_content or envelope.content)
        return "250 Message accepted for delivery"


def start_smtp_sink(folder: Path, host: str, port: int) -> Controller:
    controller = Controller(MaildirHandler(folder), hostname=host, port=port)
    controller.start()
    return controller


def read_mail(folder: Path) -> list:  # type: ignore[type-arg]
    """Every message in a sink folder, oldest first, parsed."""
    return [
        message_from_bytes(p.read_bytes(), policy=policy.default)
        for p in sorted(folder.glob("*.eml"))
    ]


class WebServer:
    """The FastAPI app on a uvicorn thread, for the demo and tests."""

    def __init__(self, host: str, port: int):
        from leadflow.web.app import create_app

        config = uvicorn.Config(create_app(), host=host, port=port, log_level="warning")
        self.server = uvicorn.Server(config)
        # Copy the caller's context: Prefect's temporary settings live in contextvars.
        context = contextvars.copy_context()
        self.thread = threading.Thread(target=context.run, args=(self.server.run,), daemon=True)

    def __enter__(self) -> WebServer:
        self.thread.start()
        deadline = time.monotonic() + 15
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("web app did not start")
            time.sleep(0.05)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)

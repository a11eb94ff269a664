"""Campaign files by URL, from a real local HTTP server."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from leadflow.core.errors import SourceNotFound, TransientError
from tasks.staging import fetch_source

EXAMPLES = Path(__file__).resolve().parents[3] / "examples"


class Handler(SimpleHTTPRequestHandler):
    def do_GET(self) -> None:
        if self.path.startswith("/broken"):
            self.send_error(503, "try later")
            return
        super().do_GET()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def http_server() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(Handler, directory=str(EXAMPLES)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def test_a_url_is_downloaded_byte_for_byte(leadflow_env, http_server):
    path = Path(fetch_source.fn(f"{http_server}/webinar_analytics_2026-11.csv"))
    assert path.read_bytes() == (EXAMPLES / "webinar_analytics_2026-11.csv").read_bytes()
    assert path.is_relative_to(leadflow_env.data_dir)


def test_a_missing_file_is_permanent_and_a_server_error_transient(leadflow_env, http_server):
    with pytest.raises(SourceNotFound):
        fetch_source.fn(f"{http_server}/nope.csv")
    with pytest.raises(TransientError):
        fetch_source.fn(f"{http_server}/broken.csv")


def test_a_local_path_passes_through(leadflow_env):
    assert fetch_source.fn("examples/x.csv") == "examples/x.csv"

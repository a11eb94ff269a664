"""A Prefect server of its own, keeping its state in PostgreSQL, for tests with several workers.

Prefect's test harness keeps the server's state in SQLite. With two workers polling every
second, two parent flows and five chunk runs writing to it at once, that server answers 503
("database is locked") often enough for a worker to fail to submit a chunk and report it
crashed (seen in a CI run: one of five chunks, and the test took 5 minutes instead of 2).
Production runs several workers against a server on PostgreSQL, and so do these tests.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from tests.support.ports import free_port

STARTUP_SECONDS = 120  # migrations on an empty database, on a loaded 2-core machine


def prefect_server_on_postgres(admin_url: str, suffix: str) -> Iterator[str]:
    """Start the server on a fresh database named after this process; yield its API URL with
    PREFECT_API_URL pointing at it in the caller's settings context (the test's own client
    calls, and the subprocesses it passes that setting on to; Prefect's background log and
    event workers keep the harness's server); stop it and drop the database afterwards."""
    from prefect.server.api.server import SubprocessASGIServer
    from prefect.settings import (
        PREFECT_API_URL,
        PREFECT_SERVER_DATABASE_CONNECTION_URL,
        temporary_settings,
    )

    name = f"prefect_{suffix}_{os.getpid()}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(admin_url).set(drivername="postgresql+asyncpg", database=name)
    server = None
    try:
        with temporary_settings(
            {PREFECT_SERVER_DATABASE_CONNECTION_URL: url.render_as_string(hide_password=False)}
        ):
            server = SubprocessASGIServer(port=free_port())
            server.start(timeout=STARTUP_SECONDS)
        with temporary_settings({PREFECT_API_URL: server.api_url}):
            yield server.api_url
    finally:
        if server is not None:
            server.stop()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

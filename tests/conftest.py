"""Shared fixtures: real databases (SQLite and PostgreSQL), a real SMTP server, settings."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import settings as hypothesis_settings
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from leadflow.core.db import engine_for, upgrade
from leadflow.core.models import Base
from leadflow.core.settings import Settings, get_settings, reset_settings
from tests.support.browser import browser  # noqa: F401  (the one chromium fixture, for every test)
from tests.support.ports import free_port

ROOT = Path(__file__).resolve().parent.parent

# CI runs the same examples every time and keeps no example database in the checkout: a
# failure found once must not turn every later run red (nor pass by luck the next time).
hypothesis_settings.register_profile("ci", derandomize=True, database=None, print_blob=True)
hypothesis_settings.load_profile(
    os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if os.environ.get("CI") else "default")
)
# pytest-xdist workers run with COLUMNS set (80 on this CI); the CLI prints piped output 200
# wide, and output tests look for whole cells, as a plain run sees them.
os.environ.pop("COLUMNS", None)
# The local stack a developer left running (`leadflow up`) records itself in the data dir;
# tests that do not pick their own data dir must not find it and talk to its servers.
os.environ.setdefault("LEADFLOW_DATA_DIR", str(Path(tempfile.mkdtemp(prefix="leadflow-test-"))))
POSTGRES_URL = os.environ.get(
    "LEADFLOW_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
# Both by default, as CI runs them; LEADFLOW_TEST_BACKENDS=sqlite on a machine without PostgreSQL.
BACKENDS = [
    b.strip()
    for b in os.environ.get("LEADFLOW_TEST_BACKENDS", "sqlite,postgresql").split(",")
    if b.strip()
]


def only_on(backend: str) -> pytest.MarkDecorator:
    """Run a test on one backend of the two ``database_url`` gives, for behaviour that only
    that database has (PostgreSQL's planner statistics, say). No test is generated for the
    other; left out by LEADFLOW_TEST_BACKENDS, pytest reports it skipped for an empty set."""
    return pytest.mark.parametrize(
        "database_url", [b for b in BACKENDS if b == backend], indirect=True
    )


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[str]:
    """A database of our own on the PostgreSQL server, migrated once per session."""
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    name = f"leadflow_test_{os.getpid()}"
    try:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except OperationalError as exc:
        pytest.fail(
            f"PostgreSQL is not reachable at {POSTGRES_URL} ({exc.orig}); start it, point "
            "LEADFLOW_TEST_POSTGRES_URL at one, or set LEADFLOW_TEST_BACKENDS=sqlite"
        )
    url = make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    upgrade(url)
    yield url
    engine_for(url).dispose()
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty, migrated database on each backend in turn."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'leadflow.db'}"
        upgrade(url)
        yield url
        engine_for(url).dispose()
        return
    url = request.getfixturevalue("postgres_database")
    tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    try:
        _truncate(url, tables)
    except OperationalError:
        # An earlier test that failed left a transaction open with its locks (that test has
        # failed already): end that transaction, rather than fail this test and every later one.
        with engine_for(url).connect() as conn:
            conn.execute(LEFT_OPEN)
        _truncate(url, tables)
    yield url


# Sessions of this database idle inside a transaction: a test's pooled connections never are.
LEFT_OPEN = text(
    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database()"
    " AND pid <> pg_backend_pid() AND state LIKE 'idle in transaction%'"
)


def _truncate(url: str, tables: str) -> None:
    with engine_for(url).begin() as conn:
        conn.execute(text("SET LOCAL lock_timeout = '30s'"))  # not for ever: see above
        conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        # The truncation reaches the statistics views at this commit, not up to seconds
        # later in the next test, where it would zero the live-row counts that test reads.
        conn.execute(text("SELECT pg_stat_force_next_flush()"))


@pytest.fixture
def leadflow_env(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Settings]:
    """Settings pointing at the test database, a free SMTP port and a free web port."""
    monkeypatch.setenv("LEADFLOW_DATABASE_URL", database_url)
    monkeypatch.setenv("LEADFLOW_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("LEADFLOW_SMTP_PORT", str(free_port()))
    monkeypatch.setenv("LEADFLOW_PUBLIC_BASE_URL", f"http://127.0.0.1:{free_port()}")
    monkeypatch.setenv("LEADFLOW_SECRET_KEY", "test-secret-key")
    reset_settings()
    yield get_settings()
    reset_settings()


@pytest.fixture
def smtp_sink(leadflow_env: Settings) -> Iterator[Path]:
    """A real SMTP server (aiosmtpd) keeping every message as a .eml file."""
    from leadflow.app.local_services import start_smtp_sink

    controller = start_smtp_sink(leadflow_env.mail_dir, "127.0.0.1", leadflow_env.smtp_port)
    yield leadflow_env.mail_dir
    controller.stop()


# Integration fixtures: one Prefect test server for the whole session (it costs ~6 s to start).
@pytest.fixture(scope="session")
def prefect_harness() -> Iterator[None]:
    from prefect.settings import PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=90):
        # The heartbeat thread otherwise adds ~1 s to every flow run.
        with temporary_settings({PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}):
            yield


@pytest.fixture
def run_cli(prefect_harness, leadflow_env):  # type: ignore[no-untyped-def]
    """Run `leadflow ...` as a real process against the test Prefect server and database.

    A subprocess, not CliRunner: flows log through Prefect's console handler, which
    outlives CliRunner's swapped streams.
    """
    import os
    import subprocess
    import sys

    from prefect.settings import PREFECT_API_URL

    env = {**os.environ, "PREFECT_API_URL": PREFECT_API_URL.value()}

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "leadflow.cli.main", *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )

    return run


@pytest.fixture
def recorder(leadflow_env):  # type: ignore[no-untyped-def]
    """A real SMTP server on the test's port that records every message it receives."""
    from tests.nurture.integration.nurture_support import start_recorder

    handler, controller = start_recorder(leadflow_env.smtp_port)
    yield handler
    controller.stop()

"""One Prefect test server for the whole session (it costs ~6 s to start)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest


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
        return subprocess.run([sys.executable, "-m", "leadflow.cli.main", *args], env=env, capture_output=True,
                              text=True, timeout=300)

    return run


@pytest.fixture
def recorder(leadflow_env):  # type: ignore[no-untyped-def]
    """A real SMTP server on the test's port that records every message it receives."""
    from tests.integration.nurture_support import start_recorder

    handler, controller = start_recorder(leadflow_env.smtp_port)
    yield handler
    controller.stop()

"""A temporary Prefect server gets time to start on a busy machine, unless the user says otherwise."""

from __future__ import annotations

import os
import subprocess
import sys

PROBE = (
    "import leadflow.cli.main\n"
    "from prefect.settings import get_current_settings\n"
    "print(get_current_settings().server.ephemeral.startup_timeout_seconds)\n"
)


def _timeout_seen(extra_env: dict[str, str]) -> int:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env.update(extra_env)
    out = subprocess.run(
        [sys.executable, "-c", PROBE], env=env, capture_output=True, text=True, check=True
    )
    return int(out.stdout.strip().splitlines()[-1])


def test_the_cli_gives_a_temporary_server_longer_than_prefects_20_seconds() -> None:
    assert _timeout_seen({}) == 120


def test_a_timeout_the_user_set_is_kept() -> None:
    assert _timeout_seen({"PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "45"}) == 45

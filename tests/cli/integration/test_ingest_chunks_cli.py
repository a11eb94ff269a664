"""`leadflow ingest --chunks N` needs a persistent Prefect server: it says so instead of waiting."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT


def test_chunks_without_a_stack_fail_at_once_naming_the_fix(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "LEADFLOW_"))}
    env.update(
        LEADFLOW_DATA_DIR=str(tmp_path), PREFECT_HOME=str(tmp_path / "prefect"), NO_COLOR="1"
    )
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "leadflow.cli.main",
            "ingest",
            str(ROOT / "examples" / "webinar_analytics_2026-11.csv"),
            "--campaign",
            "c",
            "--chunks",
            "2",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )
    assert done.returncode == 2, done.stderr
    assert "leadflow up" in done.stderr
    assert "Traceback" not in done.stderr
    assert "--chunks runs on the leadflow-process pool" in done.stderr

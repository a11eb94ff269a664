"""Long commands as a user meets them: a bar with the file's row count on stderr, log lines
above it, stdout left to the data; and a hint when a flow runs on a temporary Prefect server."""

from __future__ import annotations

import csv
import io
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from leadflow.app.stack import TEMPORARY_SERVER_HINT
from leadflow.core.db import session_scope
from leadflow.ingest.quarantine import export, list_rows

ROOT = Path(__file__).resolve().parents[3]
WEBINAR = ROOT / "examples" / "webinar_analytics_2026-11.csv"
WEBINAR_ROWS = 192
BAR_GLYPH = "━"


def leadflow(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "leadflow.cli.main", *args],
        env=env or dict(os.environ),
        capture_output=True,
        text=True,
        timeout=300,
    )


def bars(text: str, name: str) -> list[str]:
    return [line for line in text.splitlines() if line.startswith(name) and BAR_GLYPH in line]


def bar_line(stderr: str, name: str) -> int:
    """The index of the bar's final render (forced into a pipe, Rich draws it once, at the end)."""
    lines = stderr.splitlines()
    found = [k for k, line in enumerate(lines) if line.startswith(name) and BAR_GLYPH in line]
    assert len(found) == 1, stderr[-3000:]
    return found[0]


def assert_logs_on_their_own_lines_before_the_bar(stderr: str, name: str) -> None:
    lines = stderr.splitlines()
    end = bar_line(stderr, name)
    logs = [k for k, line in enumerate(lines) if " | INFO " in line]
    assert logs and all(k < end for k in logs), stderr[-3000:]
    assert not any(BAR_GLYPH in lines[k] for k in logs)  # not glued to the bar


def test_score_file_to_stdout_writes_clean_csv_and_the_bar_counts_the_files_rows() -> None:
    result = leadflow("score", "file", str(WEBINAR), "--out", "-", "--progress")
    assert result.returncode == 0, result.stderr[-2000:]
    rows = list(csv.reader(io.StringIO(result.stdout)))
    assert rows[0][:2] == ["line", "First Name"] and len(rows) == WEBINAR_ROWS + 1
    assert BAR_GLYPH not in result.stdout and "wrote" not in result.stdout
    line = result.stderr.splitlines()[bar_line(result.stderr, "score")]
    assert f"{WEBINAR_ROWS}/{WEBINAR_ROWS}" in line
    assert "wrote stdout" in result.stderr  # the summary, after the bar, on stderr


def test_no_bar_when_stderr_is_not_a_terminal(tmp_path: Path) -> None:
    result = leadflow("score", "file", str(WEBINAR), "--out", str(tmp_path / "scored.csv"))
    assert result.returncode == 0, result.stderr[-2000:]
    assert BAR_GLYPH not in result.stderr and BAR_GLYPH not in result.stdout
    forced_off = leadflow(
        "score", "file", str(WEBINAR), "--out", "-", env={**os.environ, "LEADFLOW_PROGRESS": "0"}
    )
    assert BAR_GLYPH not in forced_off.stderr
    forced_on = leadflow(
        "score", "file", str(WEBINAR), "--out", "-", env={**os.environ, "LEADFLOW_PROGRESS": "1"}
    )
    assert f"{WEBINAR_ROWS}/{WEBINAR_ROWS}" in forced_on.stderr


def test_dedupe_bar_counts_the_rows_of_both_linked_files_and_stdout_has_no_bar(
    tmp_path: Path,
) -> None:
    out, other = tmp_path / "linked.csv", tmp_path / "later.csv"
    lines = WEBINAR.read_text(encoding="utf-8-sig").splitlines(keepends=True)
    other.write_text("".join(lines[:51]), encoding="utf-8")  # the header and 50 rows
    result = leadflow("dedupe", str(WEBINAR), "--link", str(other), "--out", str(out), "--progress")
    assert result.returncode == 0, result.stderr[-2000:]
    with out.open(encoding="utf-8") as handle:
        written = sum(1 for _ in csv.reader(handle)) - 1
    line = result.stderr.splitlines()[bar_line(result.stderr, "dedupe")]
    assert written == WEBINAR_ROWS + 50  # both files' rows
    assert line.startswith("dedupe: writing") and f"{written}/{written}" in line
    assert not bars(result.stdout, "dedupe") and "clusters" in result.stdout


@pytest.mark.db
@pytest.mark.e2e
def test_ingest_bar_has_the_files_rows_and_flow_logs_print_above_it(run_cli) -> None:  # type: ignore[no-untyped-def]
    result = run_cli("ingest", str(WEBINAR), "--campaign", "webinar", "--progress")
    assert result.returncode == 0, result.stderr[-2000:]
    line = result.stderr.splitlines()[bar_line(result.stderr, "ingest webinar")]
    assert f"{WEBINAR_ROWS}/{WEBINAR_ROWS}" in line
    assert_logs_on_their_own_lines_before_the_bar(result.stderr, "ingest webinar")
    assert TEMPORARY_SERVER_HINT not in result.stderr  # a server is set: no hint
    assert not bars(result.stdout, "ingest") and "rows read" in result.stdout


@pytest.mark.db
@pytest.mark.e2e
def test_ingest_json_stdout_is_json_alone_and_shows_no_bar(run_cli) -> None:  # type: ignore[no-untyped-def]
    result = run_cli("ingest", str(WEBINAR), "--campaign", "webinar", "--json")
    assert result.returncode == 0, result.stderr[-2000:]
    assert json.loads(result.stdout)["rows_read"] == WEBINAR_ROWS
    assert BAR_GLYPH not in result.stderr


@pytest.mark.db
@pytest.mark.e2e
def test_quarantine_replay_bar_counts_the_records_replayed(run_cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    assert run_cli("ingest", str(WEBINAR), "--campaign", "webinar", "--json").returncode == 0
    with session_scope() as session:
        rows = list_rows(session, campaign="webinar")
    (path,) = export(rows, tmp_path)
    result = run_cli("quarantine", "replay", str(path), "--progress")
    assert result.returncode == 0, result.stderr[-2000:]
    line = result.stderr.splitlines()[bar_line(result.stderr, "replay")]
    assert f"{len(rows)}/{len(rows)}" in line
    assert_logs_on_their_own_lines_before_the_bar(result.stderr, "replay")
    assert "rows replayed" in result.stdout and not bars(result.stdout, "replay")


@pytest.mark.db
def test_ingest_without_a_stack_says_first_that_the_prefect_server_is_temporary(
    leadflow_env, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env["PREFECT_HOME"] = str(tmp_path / "prefect")  # no profile naming a server either
    process = subprocess.Popen(
        [sys.executable, "-m", "leadflow.cli.main", "ingest", str(WEBINAR), "--campaign", "w"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own group: the temporary server it starts goes with it
    )
    try:
        assert process.stderr is not None
        first = process.stderr.readline()
    finally:
        os.killpg(process.pid, signal.SIGTERM)  # the hint is all this test needs of the run
        process.communicate(timeout=60)
    assert first.strip() == f"note: {TEMPORARY_SERVER_HINT}"

"""A run that did less than it could says why: summary, WARNING log line and artifact rows."""

from __future__ import annotations

import json
import re

import pytest

from tests.conftest import ROOT

WEBINAR = str(ROOT / "examples" / "webinar_analytics_2026-11.csv")
pytestmark = pytest.mark.db


def test_smtp_down_is_named_in_the_summary_and_the_log(run_cli) -> None:  # type: ignore[no-untyped-def]
    # No SMTP server listens on the test's port: the rep emails wait, and the run says why.
    done = run_cli(
        "ingest", WEBINAR, "--campaign", "smtp-down", "--json", "--at", "2026-11-09T14:00:00+00:00"
    )  # Monday, New York 09:00
    assert done.returncode == 0, done.stderr
    problems = json.loads(done.stdout.strip().splitlines()[-1])["problems"]
    assert any(why.startswith("rep emails not sent: SMTP unreachable") for why in problems), (
        problems
    )
    assert (
        "WARNING" in done.stderr + done.stdout and "SMTP unreachable" in done.stderr + done.stdout
    )


def test_teams_out_of_hours_are_named_in_the_summary_table(run_cli, recorder) -> None:  # type: ignore[no-untyped-def]
    done = run_cli("ingest", WEBINAR, "--campaign", "weekend", "--at", "2026-11-07T14:00:00+00:00")
    assert done.returncode == 0, done.stderr
    # The table wraps long cells: compare the words, not the layout.
    words = " ".join(re.sub(r"[│┃]", " ", done.stdout).split())
    assert "why: leads sent to the fallback: the matching teams were" in words, words


def test_a_nurture_tick_with_smtp_down_logs_why_it_deferred(run_cli) -> None:  # type: ignore[no-untyped-def]
    assert (
        run_cli(
            "ingest", WEBINAR, "--campaign", "tick", "--at", "2026-11-09T14:00:00+00:00"
        ).returncode
        == 0
    )
    tick = run_cli("tick", "--at", "2026-11-09T15:00:00+00:00")
    assert tick.returncode == 0, tick.stderr
    log = tick.stderr + tick.stdout
    assert "WARNING" in log and "nurture emails not sent: SMTP unreachable" in log, log[-3000:]

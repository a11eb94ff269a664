"""Two sends given the same rows at the same moment (two resumed ticks), in real processes:
the claim is one UPDATE ... WHERE status = 'pending' RETURNING, so each message goes once.

Both processes are started, load everything, and wait; both are released together and
claim in small chunks, so their claims interleave. The SMTP server (aiosmtpd, here) counts
what arrives by Message-ID.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from tests.nurture.integration.nurture_support import (
    IMMEDIATE,
    MONDAY,
    add_lead,
    enroll,
    outbox,
    use_policy,
)

pytestmark = pytest.mark.db
ROOT = Path(__file__).resolve().parents[3]
RACER = """\
import json, sys
from dataclasses import asdict
from datetime import datetime
sys.path.insert(0, sys.argv[3])
import leadflow.nurture.outbox as outbox
outbox.CHUNK = 7
ids, at = json.loads(sys.argv[1]), datetime.fromisoformat(sys.argv[2])
outbox.nurture_policy(), outbox.get_settings()  # everything loaded before the start line
print("ready", flush=True)
sys.stdin.readline()
print(json.dumps(asdict(outbox.send_outbox(ids, at))), flush=True)
"""


def test_two_sends_racing_for_the_same_rows_send_each_message_once(recorder, tmp_path, monkeypatch):
    use_policy(tmp_path / "policy", monkeypatch, IMMEDIATE)
    enroll([add_lead(f"r{i:03d}@example.org", MONDAY, "GB") for i in range(120)], MONDAY)
    from tasks.nurture import queue_due_steps

    ids = queue_due_steps.fn(MONDAY)
    assert len(ids) == 120
    script = tmp_path / "racer.py"
    script.write_text(RACER, encoding="utf-8")
    racers = [
        subprocess.Popen(
            [sys.executable, str(script), json.dumps(ids), MONDAY.isoformat(), str(ROOT)],
            env=dict(os.environ),
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    for racer in racers:
        assert racer.stdout.readline().strip() == "ready", racer.stderr.read()  # type: ignore[union-attr]
    for racer in racers:  # released together
        racer.stdin.write("go\n")  # type: ignore[union-attr]
        racer.stdin.flush()  # type: ignore[union-attr]
    summaries = []
    for racer in racers:
        out, err = racer.communicate(timeout=300)
        assert racer.returncode == 0, err
        summaries.append(json.loads(out.strip().splitlines()[-1]))

    received = Counter(str(r.message["Message-ID"]) for r in recorder.messages)
    assert len(received) == 120 and set(received.values()) == {1}  # none twice, none lost
    assert {r.status for r in outbox()} == {"sent"}
    assert sum(s["sent"] for s in summaries) == 120
    # How the 120 split between the two is up to the scheduler; that no row was claimed
    # twice is not: a second claim would show as a second message or a summary over 120.

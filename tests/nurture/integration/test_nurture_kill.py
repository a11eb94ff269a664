"""kill -9 mid-send, then a rerun: nothing doubled, nothing lost, nobody needed when the
server's answers came back.

The sending tick runs in a subprocess against a real SMTP server (aiosmtpd, in this test
process, counting what it receives by Message-ID). It is killed with SIGKILL at a hook:
right after the claim commit (before a byte of SMTP), right after the server's first 250
(accepted, not yet confirmed in the database), or at the Nth 250 of many, across chunks
with some groups confirmed (mid-batch). A tick one minute later (long before a claim counts
as stale) settles the dead send from its journal and sends what never went. The one case a
person (or an ESP event) must settle: the server kept the message but its answer never
came back; one command settles every such row.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from typer.testing import CliRunner

from sqlalchemy import select, text, update

from leadflow.cli.nurture import nurture_app
from leadflow.core.db import engine_for
from leadflow.core.errors import DatabaseBusy
from leadflow.core.models import OutboundEmail
from leadflow.core.settings import get_settings
from leadflow.nurture import outbox_recover
from leadflow.nurture.outbox_recover import recover_dead_sends
from leadflow.nurture.send_journal import SendJournal, journal_dir
from tasks.nurture import queue_due_steps
from tests.nurture.integration.nurture_support import (
    IMMEDIATE,
    MONDAY,
    Recorder,
    add_lead,
    decisions,
    enroll,
    outbox,
    tick,
    use_policy,
)

pytestmark = pytest.mark.db
ROOT = Path(__file__).resolve().parents[3]
SENDER = """\
import os, signal, sys
from datetime import datetime
sys.path.insert(0, sys.argv[5])
import leadflow.nurture.outbox as outbox
import leadflow.nurture.outbox_results as results
from tasks.nurture import queue_due_steps
mode, at, kill_at = sys.argv[1], datetime.fromisoformat(sys.argv[2]), int(sys.argv[4])
results.CONFIRM_EVERY, outbox.CHUNK = int(sys.argv[3]), 10
die = lambda *_: os.kill(os.getpid(), signal.SIGKILL)  # no cleanup, no rollback, no goodbye
accepted = []
if mode == "claim":  # the claim is committed; not a byte of SMTP yet
    outbox.after_claim = die
elif mode == "accept":  # the server's 250 for the kill_at-th message is in; the database not told
    outbox.after_accept = lambda i: accepted.append(i) or (len(accepted) == kill_at and die())
outbox.send_outbox(queue_due_steps.fn(at), at)
print("the tick finished")
"""


class Stalling(Recorder):
    """Keeps every message; for stall@ it then never answers DATA (a hung server)."""

    def __init__(self) -> None:
        super().__init__()
        self.stalled = threading.Event()

    async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]
        await super().handle_DATA(server, session, envelope)
        if envelope.rcpt_tos[0].startswith("stall"):
            self.stalled.set()
            await asyncio.sleep(3600)
        return "250 OK"


@pytest.fixture
def stalling(leadflow_env):  # type: ignore[no-untyped-def]
    handler = Stalling()
    controller = Controller(handler, hostname="127.0.0.1", port=leadflow_env.smtp_port)
    controller.start()
    yield handler
    controller.stop()


def start_sender(
    tmp_path: Path, mode: str, confirm_every: int = 100, kill_at: int = 0
) -> subprocess.Popen[str]:
    script = tmp_path / "sender.py"
    script.write_text(SENDER, encoding="utf-8")
    args = [mode, MONDAY.isoformat(), str(confirm_every), str(kill_at), str(ROOT)]
    return subprocess.Popen(
        [sys.executable, str(script), *args],
        env=dict(os.environ),
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def killed(sender: subprocess.Popen[str]) -> None:
    assert sender.wait(timeout=120) == -signal.SIGKILL, sender.stderr.read()  # type: ignore[union-attr]


def leads(n: int, stall: int | None = None) -> list[str]:
    addresses = ["stall@example.org" if i == stall else f"a{i:02d}@example.org" for i in range(n)]
    enroll([add_lead(a, MONDAY, "GB") for a in addresses], MONDAY)
    return addresses


def assert_each_received_once(handler: Recorder, addresses: list[str]) -> None:
    """0 doubled (no Message-ID and no address twice) and 0 lost (every address once)."""
    ids = Counter(str(r.message["Message-ID"]) for r in handler.messages)
    assert [i for i, n in ids.items() if n > 1] == []
    assert sorted(r.to for r in handler.messages) == sorted(addresses)
    assert set(ids) == {r.message_id for r in outbox()}  # what arrived is what the rows say


@pytest.mark.parametrize(
    ("mode", "kill_at", "confirm_every"),
    [
        ("claim", 0, 100),  # before accept
        ("accept", 1, 100),  # after the server accepted, before the database was told
        ("accept", 17, 5),  # mid-batch: two chunks in, three groups confirmed, the rest not
    ],
    ids=["before-accept", "after-accept", "mid-batch"],
)
def test_a_killed_send_rerun_sends_each_email_exactly_once(
    recorder, tmp_path, monkeypatch, mode, kill_at, confirm_every
):
    use_policy(tmp_path / "policy", monkeypatch, IMMEDIATE)
    addresses = leads(30)
    killed(start_sender(tmp_path, mode, confirm_every, kill_at))
    before = len(recorder.messages)
    assert before == kill_at  # the hooks fire in the sender thread, right after each 250
    assert {r.status for r in outbox()} <= {"pending", "sending", "sent"}

    tick(recorder, MONDAY + timedelta(minutes=1))  # long before a claim counts as stale

    assert_each_received_once(recorder, addresses)
    assert {r.status for r in outbox()} == {"sent"}  # nothing unknown: every answer was read
    recovered = Counter(d.outcome for d in decisions("send-recovered"))
    assert recovered["delivery unknown"] == 0
    assert recovered["sent"] == before - sum(  # accepted before the kill, confirmed after it
        1 for d in decisions("send") if d.at == MONDAY
    )
    assert sum(recovered.values()) > 0 and decisions("send-unknown") == []
    tick(recorder, MONDAY + timedelta(minutes=20))  # and a later tick changes nothing
    assert_each_received_once(recorder, addresses)


def test_killed_while_the_server_holds_data_one_command_settles_the_rest(
    stalling, tmp_path, monkeypatch
):
    use_policy(tmp_path / "policy", monkeypatch, IMMEDIATE)
    addresses = leads(4, stall=2)
    sender = start_sender(tmp_path, "smtp")
    try:
        assert stalling.stalled.wait(timeout=120), "the send never reached stall@"
    finally:
        sender.kill()  # SIGKILL while it waits for the answer to DATA
        sender.wait(timeout=30)
    assert sender.returncode == -signal.SIGKILL

    tick(stalling, MONDAY + timedelta(minutes=1))
    assert_each_received_once(stalling, addresses)  # a03 went on the rerun, nothing twice
    status = {r.to_addr: r.status for r in outbox()}
    assert status == dict.fromkeys(addresses, "sent") | {"stall@example.org": "unknown"}
    listed = CliRunner().invoke(nurture_app, ["unknown"])
    stall = next(r for r in outbox() if r.status == "unknown")
    assert f"{stall.id}\tunknown\tstall@example.org\t{stall.message_id}" in listed.output

    # The server's log has the Message-ID: one command settles every unknown row.
    settled = CliRunner().invoke(nurture_app, ["resolve", "--all", "--as", "sent"])
    assert settled.exit_code == 0, settled.output
    assert {r.status for r in outbox()} == {"sent"}
    assert [d.outcome for d in decisions("resolve")] == ["sent"]
    tick(stalling, MONDAY + timedelta(minutes=20))
    assert_each_received_once(stalling, addresses)


def test_a_journal_is_read_once_and_a_later_claim_is_never_undone(recorder, tmp_path, monkeypatch):
    """Killed right after the claim: the rerun sends the rows; the dead journal is gone, and
    were it read again it would find claims that are no longer its own."""
    use_policy(tmp_path / "policy", monkeypatch, IMMEDIATE)
    addresses = leads(3)
    killed(start_sender(tmp_path, "claim"))
    journals = list((Path(os.environ["LEADFLOW_DATA_DIR"]) / "outbox-journal").glob("*"))
    assert len(journals) == 1 and recorder.messages == []
    saved = journals[0].read_bytes()
    tick(recorder, MONDAY + timedelta(minutes=1))
    assert_each_received_once(recorder, addresses)
    assert list(journals[0].parent.glob("*")) == []  # settled and removed, the rerun's too
    journals[0].write_bytes(saved)  # a stale copy comes back (say, from a backup)
    tick(recorder, MONDAY + timedelta(minutes=2))
    assert_each_received_once(recorder, addresses)
    assert {r.status for r in outbox()} == {"sent"}


def wait_for_a_lock_wait() -> None:
    """Until another session of this database waits on a row lock (120 s at most)."""
    query = text(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
        "AND wait_event_type = 'Lock'"
    )
    with engine_for(get_settings().database_url).connect() as conn:
        for _ in range(1200):
            waiting = conn.execute(query).scalar()
            # pg_stat_activity is read once per transaction: a poll in the same transaction
            # would see the first poll's snapshot forever (seen under load: a poll made before
            # the recovery reached its lock never saw it wait).
            conn.rollback()
            if waiting:
                return
            time.sleep(0.1)
    raise AssertionError("the recovery never waited on the claim's row locks")


def test_a_claim_still_committing_when_its_sender_died_is_settled_not_stranded(
    recorder, tmp_path, monkeypatch
):
    """kill -9 just after the client sent COMMIT: PostgreSQL may still be committing the claim
    when the next send reads the journal. The next send must wait for it (row locks), not
    read the rows as pending, skip them, and leave them in 'sending' for the stale sweep."""
    if get_settings().database_url.startswith("sqlite"):
        pytest.skip("SQLite commits in the writer's process: a dead writer commits nothing later")
    monkeypatch.setattr(outbox_recover, "LOCK_WAIT", "120s")  # this test commits the claim
    use_policy(tmp_path / "policy", monkeypatch, IMMEDIATE)
    addresses = leads(3)
    ids = sorted(queue_due_steps.fn(MONDAY))
    assert len(ids) == 3
    claimed_at = MONDAY + timedelta(seconds=5)
    journal = SendJournal(journal_dir(get_settings()))
    journal.plan(ids)
    journal.claim(claimed_at, ids)
    journal.close(remove=False)  # its writer is gone: a dead send's journal
    dying = engine_for(get_settings().database_url).connect()
    claim = dying.begin()  # the dead sender's claim: done, its COMMIT not yet through
    dying.execute(
        update(OutboundEmail)
        .where(OutboundEmail.id.in_(ids))
        .values(status="sending", claimed_at=claimed_at)
    )
    recovered: list[int] = []
    recovery = threading.Thread(target=lambda: recovered.extend(recover_dead_sends(MONDAY)))
    recovery.start()
    try:
        wait_for_a_lock_wait()  # the recovery is blocked on the claim's row locks
        claim.commit()
    finally:  # never leave the rows locked for the next test (its TRUNCATE would wait)
        if claim.is_active:
            claim.rollback()
        dying.close()
        recovery.join(timeout=60)
    assert sorted(recovered) == ids
    assert {r.status for r in outbox()} == {"pending"}
    tick(recorder, MONDAY + timedelta(minutes=1))
    assert_each_received_once(recorder, addresses)


def test_a_claim_written_to_the_journal_but_never_committed_is_sent_by_the_rerun(
    recorder, tmp_path, monkeypatch
):
    """kill -9 between the journal's claim line and the claim's commit: the rows are pending,
    and no later queueing returns them (their steps have moved on). The rerun sends them."""
    use_policy(tmp_path / "policy", monkeypatch, IMMEDIATE)
    addresses = leads(3)
    ids = sorted(queue_due_steps.fn(MONDAY))
    journal = SendJournal(journal_dir(get_settings()))
    journal.plan(ids)
    journal.claim(MONDAY + timedelta(seconds=5), ids)
    journal.close(remove=False)  # killed before the UPDATE committed: the database says pending
    assert {r.status for r in outbox()} == {"pending"}
    assert queue_due_steps.fn(MONDAY + timedelta(minutes=1)) == []
    tick(recorder, MONDAY + timedelta(minutes=1))
    assert_each_received_once(recorder, addresses)
    assert {r.status for r in outbox()} == {"sent"}


def test_a_recovery_held_up_by_a_live_transaction_gives_up_and_the_next_send_settles(
    recorder, tmp_path, monkeypatch
):
    """Another transaction holds the dead send's rows (a live send's prepare step, say) past
    recovery's lock wait: the recovery gives up with DatabaseBusy instead of waiting on it for
    as long as it lasts, the journal stays for the next send, and that one settles the rows and
    sends each email once."""
    if get_settings().database_url.startswith("sqlite"):
        pytest.skip("SQLite has no row locks: a writer waits on the database lock instead")
    monkeypatch.setattr(outbox_recover, "LOCK_WAIT", "500ms")
    use_policy(tmp_path / "policy", monkeypatch, IMMEDIATE)
    addresses = leads(3)
    ids = sorted(queue_due_steps.fn(MONDAY))
    claimed_at = MONDAY + timedelta(seconds=5)
    journal = SendJournal(journal_dir(get_settings()))
    journal.plan(ids)
    journal.claim(claimed_at, ids)
    journal.close(remove=False)
    engine = engine_for(get_settings().database_url)
    with engine.begin() as conn:  # the dead send's claim, committed
        conn.execute(
            update(OutboundEmail)
            .where(OutboundEmail.id.in_(ids))
            .values(status="sending", claimed_at=claimed_at)
        )
    failed: list[BaseException] = []

    def recover() -> None:
        try:
            recover_dead_sends(MONDAY)
        except BaseException as exc:  # noqa: BLE001  (what the recovery raised, for the test)
            failed.append(exc)

    holder = engine.connect()
    try:
        holder.begin()
        holder.execute(select(OutboundEmail.id).where(OutboundEmail.id.in_(ids)).with_for_update())
        recovery = threading.Thread(target=recover)
        recovery.start()
        recovery.join(timeout=60)  # a liveness bound, far above the lock wait
        gave_up = not recovery.is_alive()
    finally:  # never leave the rows locked for the next test
        holder.rollback()
        holder.close()
    recovery.join()
    assert gave_up, "the recovery waited on the held rows for as long as they were held"
    assert [type(exc) for exc in failed] == [DatabaseBusy]
    assert len(list(journal_dir(get_settings()).glob("*"))) == 1  # left for the next send
    assert sorted(recover_dead_sends(MONDAY)) == ids
    assert {r.status for r in outbox()} == {"pending"}
    tick(recorder, MONDAY + timedelta(minutes=1))
    assert_each_received_once(recorder, addresses)

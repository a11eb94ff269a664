"""The send journal: a file per send, saying what each claimed message came to, written as it happens.

Why a file and not the database: a commit per message would cost more than the SMTP round
trip it records, while one ``os.write`` on an O_APPEND file costs microseconds and, once it
returns, the kernel holds the bytes: they survive the process being killed (kill -9). The
database is still told in groups; the journal covers the gap between the server's answer
and that group commit.

Records, one line each: ``plan <id>...`` (every row the send was given), ``claim
<claimed_at> <id>...`` (written before the claim commits), ``begin <id>`` (just before
DATA: from here the server may keep the message), ``ok <id> <reply>`` (the server's 250, as
it said it) and ``no <id>`` (refused, or given up before DATA: not delivered).

The writer holds an exclusive flock on its file for as long as it lives; the kernel drops
the lock when the process dies, however it dies, so a journal whose lock can be taken
belongs to a dead send and the next send reads it (see outbox_recover).

Not fsync'ed unless LEADFLOW_OUTBOX_JOURNAL_FSYNC is set: a process kill loses nothing, but
a machine crash may lose the file's tail, and a lost ``begin`` would make a message the
server kept look never handed over (sent again). Where machine crashes must not double a
send, set it: one disk flush per record.
"""

from __future__ import annotations

import fcntl
import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from pathlib import Path

from leadflow.core.settings import Settings

SUFFIX = ".journal"


class Mark(StrEnum):
    PLAN = "plan"
    CLAIM = "claim"
    BEGIN = "begin"
    OK = "ok"
    NO = "no"


def journal_dir(settings: Settings) -> Path:
    return settings.outbox_journal_dir or settings.data_dir / "outbox-journal"


class SendJournal:
    """The live send's journal: created and locked on open, removed once all is confirmed."""

    def __init__(self, directory: Path, fsync: bool = False):
        directory.mkdir(parents=True, exist_ok=True)
        self.path = directory / f"{os.getpid()}-{uuid.uuid4().hex}{SUFFIX}"
        self.fsync = fsync
        self._fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_EXCL, 0o600)
        fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)

    def _write(self, line: str) -> None:
        # One write call per record: a reader never sees half of one line from a killed writer
        # except the very last, which it ignores.
        os.write(self._fd, (line.replace("\n", " ").replace("\r", " ") + "\n").encode())
        if self.fsync:
            os.fsync(self._fd)

    def plan(self, ids: list[int]) -> None:
        self._write(f"{Mark.PLAN} {' '.join(map(str, ids))}")

    def claim(self, claimed_at: datetime, ids: list[int]) -> None:
        self._write(f"{Mark.CLAIM} {claimed_at.isoformat()} {' '.join(map(str, ids))}")

    def begin(self, outbox_id: int) -> None:
        self._write(f"{Mark.BEGIN} {outbox_id}")

    def accepted(self, outbox_id: int, reply: str) -> None:
        self._write(f"{Mark.OK} {outbox_id} {reply[:500]}")

    def refused(self, outbox_id: int) -> None:
        self._write(f"{Mark.NO} {outbox_id}")

    def close(self, remove: bool) -> None:
        """``remove``: everything it says is in the database; otherwise the next send reads it."""
        if self._fd < 0:
            return
        if remove:
            self.path.unlink(missing_ok=True)
        os.close(self._fd)  # releases the lock
        self._fd = -1


@dataclass
class Outcome:
    """What one dead send's journal says about each row it claimed."""

    planned: set[int] = field(default_factory=set)  # given to the send: claimed or not
    claimed_at: dict[int, datetime] = field(default_factory=dict)
    begun: set[int] = field(default_factory=set)
    accepted: dict[int, str] = field(default_factory=dict)  # id -> the server's reply
    refused: set[int] = field(default_factory=set)

    def never_reached_server(self) -> set[int]:
        """Claimed, and refused or never begun: nothing was delivered, so it may go again."""
        return {i for i in self.claimed_at if i not in self.begun or i in self.refused} - set(
            self.accepted
        )

    def uncertain(self) -> set[int]:
        """DATA began and no answer came back: the server may hold it."""
        return self.begun - set(self.accepted) - self.refused


def read_outcome(text: str) -> Outcome:
    out = Outcome()
    lines = text.split("\n")
    for line in lines[:-1]:  # the last piece has no newline: a record cut off by the kill
        mark, _, rest = line.partition(" ")
        if mark == Mark.PLAN:
            out.planned.update(map(int, rest.split()))
        elif mark == Mark.CLAIM:
            moment, *ids = rest.split(" ")
            out.claimed_at.update(dict.fromkeys(map(int, ids), datetime.fromisoformat(moment)))
        elif mark == Mark.BEGIN:
            out.begun.add(int(rest))
        elif mark == Mark.OK:
            outbox_id, _, reply = rest.partition(" ")
            out.accepted[int(outbox_id)] = reply
        elif mark == Mark.NO:
            out.refused.add(int(rest))
    return out


@dataclass
class DeadJournal:
    """A dead send's journal, locked by us while we settle its rows."""

    path: Path
    fd: int
    outcome: Outcome

    def done(self) -> None:
        self.path.unlink(missing_ok=True)
        os.close(self.fd)

    def release(self) -> None:
        os.close(self.fd)


def dead_journals(directory: Path) -> Iterator[DeadJournal]:
    """Journals of sends that died; each is locked while the caller holds it (then done/release)."""
    if not directory.is_dir():
        return
    for path in sorted(directory.glob(f"*{SUFFIX}")):
        try:
            fd = os.open(path, os.O_RDONLY)
        except FileNotFoundError:
            continue  # settled by another send a moment ago
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)  # a live send's, or another send is settling it now
            continue
        if os.fstat(fd).st_nlink == 0:  # settled and removed between our open and our lock
            os.close(fd)
            continue
        with open(path, encoding="utf-8", errors="replace") as handle:
            text = handle.read()
        yield DeadJournal(path, fd, read_outcome(text))

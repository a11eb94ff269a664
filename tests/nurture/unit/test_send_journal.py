"""The send journal on a real file system: what a dead send's file says, and whose it is."""

from __future__ import annotations

from datetime import UTC, datetime

from leadflow.nurture.send_journal import SendJournal, dead_journals, read_outcome

AT = datetime(2026, 11, 9, 10, 0, 0, 123456, tzinfo=UTC)


def test_the_findings_of_each_claimed_row(tmp_path):
    journal = SendJournal(tmp_path)
    journal.plan([1, 2, 3, 4, 5, 6])
    journal.claim(AT, [1, 2, 3, 4])
    journal.begin(1)
    journal.accepted(1, "2.0.0 Ok: queued as 4Xy\r\nmore")  # a reply never breaks a line
    journal.begin(2)  # DATA went out; no answer
    journal.refused(3)  # 4xx before DATA
    journal.close(remove=False)
    (path,) = tmp_path.glob("*.journal")
    with path.open("a") as handle:
        handle.write("begin 4")  # the kill cut this record short: it never happened
    outcome = read_outcome(path.read_text())
    assert outcome.accepted == {1: "2.0.0 Ok: queued as 4Xy  more"}
    assert outcome.uncertain() == {2}
    assert outcome.never_reached_server() == {3, 4}
    assert outcome.planned - set(outcome.claimed_at) == {5, 6}
    assert outcome.claimed_at[1] == AT


def test_a_live_send_s_journal_is_not_read_a_dead_one_is_read_once(tmp_path):
    live = SendJournal(tmp_path)
    live.plan([1])
    assert list(dead_journals(tmp_path)) == []  # its writer holds the lock
    live.close(remove=False)  # as the kernel does for a killed process
    (found,) = list(dead_journals(tmp_path))
    assert found.outcome.planned == {1}
    assert list(dead_journals(tmp_path)) == []  # we hold it while we settle it
    found.done()
    assert list(dead_journals(tmp_path)) == [] and list(tmp_path.iterdir()) == []


def test_a_clean_send_leaves_no_journal(tmp_path):
    journal = SendJournal(tmp_path)
    journal.plan([1])
    journal.close(remove=True)
    assert list(tmp_path.iterdir()) == []

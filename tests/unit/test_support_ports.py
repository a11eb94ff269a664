"""The test suite's own port picker: blocks per test process, below the ephemeral range."""

from __future__ import annotations

import socket

from tests.support import ports


def test_ports_are_free_distinct_and_below_the_ephemeral_range() -> None:
    handed = [ports.free_port() for _ in range(20)]
    assert len(set(handed)) == 20
    assert all(port < ports._ephemeral_start() for port in handed)
    assert all(port in ports._BLOCK for port in handed)
    for port in handed:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", port))  # each could be bound when handed out


def test_a_port_in_use_is_skipped() -> None:
    with socket.socket() as holder:
        port = ports.free_port()
        holder.bind(("127.0.0.1", port))
        holder.listen()
        ports._next -= 1  # the picker's next candidate is the held port again
        assert ports.free_port() != port


def test_each_test_process_has_its_own_block(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    blocks = []
    for worker in ("", "gw0", "gw1", "gw2", "gw3"):
        monkeypatch.setenv("PYTEST_XDIST_WORKER", worker)
        blocks.append(set(ports._block()))
    assert all(len(b) > 1000 for b in blocks)
    assert sum(len(b) for b in blocks) == len(set().union(*blocks))  # no port in two blocks

"""Ports for the servers a test starts (SMTP sink, web app, Prefect server, fakes).

A port the kernel hands out for ``bind(0)`` comes from its ephemeral range, the range it
also gives every outgoing connection as its local port. Between choosing such a port and a
server binding it, another test process (three run at once) or any outgoing connection may
take it: a CI run failed so, ``address already in use`` on 48855. Here each test process
walks its own block of ports below the ephemeral range, from a random start (so two test
runs on one machine rarely meet), and hands out only a port it could bind just now.
"""

from __future__ import annotations

import os
import random
import socket
from pathlib import Path

LOWEST = 10_000
BLOCKS = 5  # the main process and up to four xdist workers


def _ephemeral_start() -> int:
    try:
        return int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 32_768  # Linux's default


def _block() -> range:
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")  # gw0, gw1, ...; unset: one process
    index = int(worker[2:]) + 1 if worker.startswith("gw") and worker[2:].isdigit() else 0
    size = (min(_ephemeral_start(), 32_768) - LOWEST) // BLOCKS
    start = LOWEST + (index % BLOCKS) * size
    return range(start, start + size)


_BLOCK = _block()
_next = random.randrange(len(_BLOCK)) if len(_BLOCK) > 0 else 0


def _bindable(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def free_port() -> int:
    """A port of this process's block that is free now (the kernel's choice if the block is
    empty, as on a machine whose ephemeral range starts below it)."""
    global _next
    for _ in range(len(_BLOCK)):
        port = _BLOCK[_next % len(_BLOCK)]
        _next += 1
        if _bindable(port):
            return port
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])

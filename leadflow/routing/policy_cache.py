"""The routing policy in force, read again only when routing.yaml changes.

Reading and validating the file costs tens of milliseconds; a web page asks for it on every
request (who is signed in, why a rep got a lead), so it is kept while the file's size and
modification time stay the same.
"""

from __future__ import annotations

import threading
from pathlib import Path

from leadflow.core.settings import get_settings
from leadflow.routing.policy import RoutingPolicy, load_routing

_lock = threading.Lock()
_cached: dict[str, tuple[tuple[int, int], RoutingPolicy]] = {}


def current_routing_policy() -> RoutingPolicy:
    folder = Path(get_settings().routing_dir)
    stat = (folder / "routing.yaml").stat()
    stamp = (stat.st_mtime_ns, stat.st_size)
    key = str(folder.resolve())
    with _lock:
        found = _cached.get(key)
        if found and found[0] == stamp:
            return found[1]
    policy = load_routing(folder)
    with _lock:
        _cached[key] = (stamp, policy)
    return policy

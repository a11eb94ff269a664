"""Python's cyclic garbage collector during bulk work: fewer and cheaper full collections.

A batch of leads allocates hundreds of thousands of container objects (rows, dicts, values
bound for the database). CPython runs a young collection every 700 net allocations of such
objects and, every 100 young ones, a full collection that walks every tracked object of the
process, the millions that the imported libraries made (Prefect, SQLAlchemy, pydantic, numpy)
included. Measured on 20k rows through the whole pipeline: 15-17 full collections, 2.0-2.5 s of
the 13-15 s of CPU the process used (docs/scaling.md, fifth session).

``bulk_collection`` freezes what exists when the work starts (libraries, settings, policies:
objects that live as long as the process), so full collections no longer walk them, and
raises the young threshold while the work runs. Collections still run: reference counting
frees nearly everything a batch makes, and the cycles it leaves are found as before, a few
thousand allocations later. Both are put back when the outermost block ends.

The collector is the process's, so the blocks are counted per process, not per thread: two
overlapping blocks (two threads) share one freeze, which ends with the last of them. A flow
run is a process of its own on a worker, and its tasks run in its thread.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

YOUNG_THRESHOLD = 10_000  # container allocations between young collections (CPython: 700)

_lock = threading.Lock()
_depth = 0
_saved: tuple[int, ...] = ()
_froze = False  # whether the outermost block froze (not when the process had frozen already)


@contextmanager
def bulk_collection() -> Iterator[None]:
    """Run a block of bulk work with the collector tuned for it. Nests: the outermost block
    freezes and restores; a block inside it changes nothing. A process that froze objects
    itself (a server that forks workers does) keeps them frozen: the block then only raises
    the threshold."""
    global _depth, _saved, _froze
    with _lock:
        _depth += 1
        if _depth == 1:
            _saved = gc.get_threshold()
            _froze = gc.get_freeze_count() == 0
            if _froze:
                gc.collect(1)  # young garbage is freed now rather than frozen with the rest
                gc.freeze()
            # 0 means automatic collection is off: left so
            young = _saved[0] and max(_saved[0], YOUNG_THRESHOLD)
            gc.set_threshold(young, *_saved[1:])
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0:
                gc.set_threshold(*_saved)
                if _froze:
                    gc.unfreeze()

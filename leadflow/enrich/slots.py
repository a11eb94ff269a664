"""Prefect global concurrency limits per HTTP provider, created when missing.

Prefect skips a limit that does not exist with only a warning, so we create it first and
acquire with ``strict=True``. One acquire costs ~60 ms: it is taken per batch, never per lead.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from prefect.client.orchestration import get_client
from prefect.client.schemas.actions import GlobalConcurrencyLimitCreate
from prefect.concurrency.sync import concurrency
from prefect.exceptions import ObjectAlreadyExists, ObjectNotFound

from leadflow.enrich.policy import Provider as ProviderConfig

_ensured: set[str] = set()
_lock = threading.Lock()


def ensure_limit(name: str, slots: int) -> None:
    """Create the limit if missing; an existing one is left as the operator tuned it."""
    with _lock:
        if name in _ensured:
            return
        with get_client(sync_client=True) as client:
            try:
                client.read_global_concurrency_limit_by_name(name)
            except ObjectNotFound:
                try:
                    client.create_global_concurrency_limit(
                        GlobalConcurrencyLimitCreate(name=name, limit=slots)
                    )
                except ObjectAlreadyExists:
                    pass  # another worker created it between our read and our write
        _ensured.add(name)


@contextmanager
def batch_slot(provider: ProviderConfig) -> Iterator[None]:
    """Hold one of the provider's slots while this batch talks to it."""
    ensure_limit(provider.limit_name, provider.batch_slots)
    with concurrency(provider.limit_name, occupy=1, strict=True):
        yield

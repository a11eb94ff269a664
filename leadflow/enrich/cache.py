"""The ``enrichment_cache`` table: answers per (provider, domain), negative ones included."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from leadflow.core.clock import as_utc
from leadflow.enrich.policy import Provider as ProviderConfig
from leadflow.enrich.providers import FOUND, NOT_FOUND, Lookup
from leadflow.core.models import EnrichmentCache
from leadflow.core.value_lists import among

_CHUNK = 500  # keeps IN (...) lists well under every backend's parameter limit


class SqlCache:
    """Each call is its own short transaction, so no lock is held while providers answer."""

    def __init__(self, sessions: Callable[[], AbstractContextManager[Session]], at: datetime):
        self.sessions, self.at = sessions, as_utc(at)
        self.hits = self.misses = 0

    def get_many(self, provider: ProviderConfig, domains: set[str]) -> dict[str, Lookup]:
        found: dict[str, Lookup] = {}
        ordered = sorted(domains)
        with self.sessions() as session:
            for start in range(0, len(ordered), _CHUNK):
                rows = session.scalars(
                    select(EnrichmentCache).where(
                        EnrichmentCache.provider == provider.name,
                        among(EnrichmentCache.key, ordered[start : start + _CHUNK]),
                    )
                )
                for row in rows:
                    if as_utc(row.expires_at) > self.at:
                        found[row.key] = (
                            Lookup(NOT_FOUND, detail="negative cache")
                            if row.miss
                            else Lookup(FOUND, dict(row.payload or {}))
                        )
        self.hits += len(found)
        self.misses += len(domains) - len(found)
        return found

    def put_many(self, provider: ProviderConfig, answers: Mapping[str, Lookup]) -> None:
        rows = []
        for domain, lookup in answers.items():
            miss = lookup.status != FOUND
            days = provider.negative_ttl_days if miss else provider.ttl_days
            if days <= 0:
                continue
            rows.append(
                {
                    "provider": provider.name,
                    "key": domain,
                    "payload": None if miss else lookup.fields,
                    "miss": miss,
                    "fetched_at": self.at,
                    "expires_at": self.at + timedelta(days=days),
                }
            )
        if not rows:
            return
        with self.sessions() as session:
            dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
            for start in range(0, len(rows), _CHUNK):
                stmt = dialect.insert(EnrichmentCache).values(rows[start : start + _CHUNK])
                # Another batch may have cached the same domain a moment ago: the newer answer wins.
                session.execute(
                    stmt.on_conflict_do_update(
                        index_elements=["provider", "key"],
                        set_={
                            c: getattr(stmt.excluded, c)
                            for c in ("payload", "miss", "fetched_at", "expires_at")
                        },
                    )
                )

    @property
    def hit_ratio(self) -> float:
        total = self.hits + self.misses
        return self.hits / total if total else 0.0

"""The fallback chain for one batch: skip what cannot be enriched, ask providers in order for
what is still missing (cache first, one lookup per domain), then merge by the survivorship policy.

Storage and Prefect's limits are passed in (``Cache``, ``slot``), so this runs without either.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from typing import Any, Protocol

from leadflow.enrich.policy import EnrichmentPolicy, Provider as ProviderConfig
from leadflow.enrich.limits import Budget
from leadflow.enrich.merge import Offer, missing_fields, merge_offers
from leadflow.enrich.providers import FOUND, NOT_FOUND, Lookup, Provider
from leadflow.core.errors import ProviderDisabledError
from leadflow.core.statuses import EnrichmentStatus

# A lead in one of these states is not looked up again; any other status is retried next run.
FINAL_STATUSES = frozenset(
    {
        EnrichmentStatus.ENRICHED,
        EnrichmentStatus.CACHED,
        EnrichmentStatus.NOT_FOUND,
        EnrichmentStatus.NOT_NEEDED,
        EnrichmentStatus.BAD_INPUT,
        EnrichmentStatus.SKIPPED_FREE_MAIL,
        EnrichmentStatus.SKIPPED_DISPOSABLE,
        EnrichmentStatus.SKIPPED_NO_DOMAIN,
    }
)
LIVE, CACHE, SKIP = "live", "cache", "skip"


@dataclass(frozen=True)
class LeadIn:
    id: int
    domain: str | None
    fields: Mapping[str, Any]
    is_free_mail: bool = False
    is_disposable: bool = False
    is_role_address: bool = False


@dataclass
class Consulted:
    provider: str
    lookup: Lookup
    source: str  # live, cache, or skip (the provider sat out: disabled or over budget)


@dataclass
class LeadOut:
    id: int
    domain: str | None
    status: str
    has_website: bool | None
    changes: dict[str, tuple[Any, str]] = field(default_factory=dict)  # field -> (value, provider)
    consulted: list[Consulted] = field(default_factory=list)
    found: dict[str, dict[str, Any]] = field(default_factory=dict)  # provider -> its fields


class Cache(Protocol):
    def get_many(self, provider: ProviderConfig, domains: set[str]) -> dict[str, Lookup]: ...

    def put_many(self, provider: ProviderConfig, answers: Mapping[str, Lookup]) -> None: ...


class NoCache:
    def get_many(self, provider: ProviderConfig, domains: set[str]) -> dict[str, Lookup]:
        return {}

    def put_many(self, provider: ProviderConfig, answers: Mapping[str, Lookup]) -> None:
        return None


class RunState:
    """What one flow run shares across its batches: the call budget and disabled providers."""

    def __init__(self, max_calls: int):
        self.budget = Budget(max_calls)
        self.disabled: dict[str, str] = {}  # provider -> why
        self.alerted: set[str] = set()
        self._lock = threading.Lock()

    def disable(self, provider: str, reason: str) -> None:
        with self._lock:
            self.disabled.setdefault(provider, reason)

    def new_alerts(self) -> dict[str, str]:
        """Providers disabled since the last call, so each is alerted once per run."""
        with self._lock:
            fresh = {k: v for k, v in self.disabled.items() if k not in self.alerted}
            self.alerted |= set(fresh)
            return fresh


_runs: OrderedDict[str, RunState] = OrderedDict()
_runs_lock = threading.Lock()


def run_state(run_key: str | None, max_calls: int) -> RunState:
    """The state of this flow run in this process; outside a run every call starts afresh."""
    if run_key is None:
        return RunState(max_calls)
    with _runs_lock:
        if run_key not in _runs:
            _runs[run_key] = RunState(max_calls)
            while len(_runs) > 64:  # a long-lived worker must not keep every run forever
                _runs.popitem(last=False)
        return _runs[run_key]


def skip_status(lead: LeadIn) -> str | None:
    if not lead.domain:
        return EnrichmentStatus.SKIPPED_NO_DOMAIN
    if lead.is_disposable:
        return EnrichmentStatus.SKIPPED_DISPOSABLE
    if lead.is_free_mail:
        return EnrichmentStatus.SKIPPED_FREE_MAIL
    return None


def lead_status(consulted: Iterable[Consulted]) -> str:
    """One word for the lead: found beats every failure; the first failure explains the rest."""
    seen = list(consulted)
    if not seen:
        return EnrichmentStatus.NOT_NEEDED
    found = [c for c in seen if c.lookup.status == FOUND]
    if found:
        return (
            EnrichmentStatus.ENRICHED
            if any(c.source == LIVE for c in found)
            else EnrichmentStatus.CACHED
        )
    failures = [c.lookup.status for c in seen if c.lookup.status != NOT_FOUND]
    return failures[0] if failures else NOT_FOUND


def _fetch_all(provider: Provider, domains: set[str], state: RunState) -> dict[str, Lookup]:
    name = provider.config.name

    def one(domain: str) -> Lookup:
        if name in state.disabled:
            return Lookup("provider_disabled", detail=state.disabled[name])
        try:
            return provider.lookup(domain)
        except ProviderDisabledError as exc:
            state.disable(name, str(exc))
            return Lookup("provider_disabled", attempts=1, detail=str(exc))

    if not provider.config.remote or provider.config.concurrency == 1 or len(domains) == 1:
        return {domain: one(domain) for domain in sorted(domains)}
    with ThreadPoolExecutor(max_workers=min(provider.config.concurrency, len(domains))) as pool:
        ordered = sorted(domains)
        return dict(zip(ordered, pool.map(one, ordered)))


Slot = Callable[[ProviderConfig], AbstractContextManager[Any]]


def resolve(
    provider: Provider,
    domains: set[str],
    state: RunState,
    cache: Cache,
    slot: Slot = lambda _: nullcontext(),
) -> dict[str, tuple[Lookup, str]]:
    """Each domain's answer and where it came from; fresh found/not_found answers are cached."""
    config = provider.config
    if config.name in state.disabled:
        return {
            d: (Lookup("provider_disabled", detail=state.disabled[config.name]), SKIP)
            for d in domains
        }
    cached = cache.get_many(config, domains) if config.remote and config.ttl_days > 0 else {}
    answers = {d: (lookup, CACHE) for d, lookup in cached.items()}
    to_fetch = domains - set(cached)
    if not to_fetch:
        return answers
    if config.remote and state.budget.exhausted:
        return answers | {d: (Lookup("budget_exhausted"), SKIP) for d in to_fetch}
    with slot(config) if config.remote else nullcontext():
        fetched = _fetch_all(provider, to_fetch, state)
    if config.remote:
        cache.put_many(config, {d: r for d, r in fetched.items() if r.status in (FOUND, NOT_FOUND)})
    return answers | {d: (r, _source(r)) for d, r in fetched.items()}


def _source(lookup: Lookup) -> str:
    sat_out = (
        lookup.status in (EnrichmentStatus.BUDGET_EXHAUSTED, EnrichmentStatus.PROVIDER_DISABLED)
        and lookup.attempts == 0
    )
    return SKIP if sat_out else LIVE


def run_chain(
    leads: Iterable[LeadIn],
    providers: list[Provider],
    policy: EnrichmentPolicy,
    state: RunState,
    cache: Cache | None = None,
    slot: Slot = lambda _: nullcontext(),
) -> list[LeadOut]:
    """Enrich one batch; every lead comes back with a status, whatever the providers did."""
    cache = cache or NoCache()
    outs: list[LeadOut] = []
    work: list[tuple[LeadIn, LeadOut]] = []
    for lead in leads:
        skipped = skip_status(lead)
        out = LeadOut(
            lead.id,
            lead.domain,
            skipped or "",
            has_website=None if not lead.domain else skipped is None,
        )
        outs.append(out)
        if skipped is None:
            work.append((lead, out))
    offers: dict[int, list[Offer]] = {lead.id: [] for lead, _ in work}
    for provider in providers:
        config = provider.config
        wanted = [
            (lead, out)
            for lead, out in work
            if _still_missing(lead, offers[lead.id], policy) & set(config.fields)
        ]
        if not wanted:
            continue
        answers = resolve(provider, {lead.domain or "" for lead, _ in wanted}, state, cache, slot)
        for lead, out in wanted:
            lookup, source = answers[lead.domain or ""]
            out.consulted.append(Consulted(config.name, lookup, source))
            if lookup.status == FOUND:
                offers[lead.id].append(Offer(config.name, lookup.fields, config.trust))
                out.found[config.name] = dict(lookup.fields)
    for lead, out in work:
        out.changes = merge_offers(
            lead.fields, offers[lead.id], policy.survivorship, policy.lead_trust
        )
        out.status = lead_status(out.consulted)
    return outs


def _still_missing(lead: LeadIn, offers: list[Offer], policy: EnrichmentPolicy) -> set[str]:
    offered = {
        name for offer in offers for name, value in offer.fields.items() if value not in (None, "")
    }
    return missing_fields(lead.fields, policy.survivorship) - offered

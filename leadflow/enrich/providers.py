"""The provider interface and its implementations: the local table and two HTTP contracts.

Adding a provider: write a ``Contract`` (path, query parameter, auth header, normaliser),
register it in ``CONTRACTS`` and allow its type in ``leadflow.enrich.policy``.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

import requests

from leadflow.enrich.policy import Http, Provider as ProviderConfig
from leadflow.enrich.firmographics import Firmographic, firm_fields
from leadflow.enrich.breaker import CircuitBreaker
from leadflow.enrich.http import get_capped
from leadflow.enrich.limits import Budget, TokenBucket, parse_retry_after, wait_before_retry
from leadflow.enrich.normalize import (
    CLEARBIT_TYPES,
    PDL_TYPES,
    check_status,
    clearbit_fields,
    error_in_body,
    parse_json_record,
    pdl_fields,
    wrong_types,
)
from leadflow.core.errors import EnrichmentError, ProviderDisabledError, is_transient

FOUND, NOT_FOUND = "found", "not_found"
# What counts against a provider's circuit breaker: it did not answer, or answered garbage.
FAILED_CALL = frozenset({"timeout", "provider_error", "bad_response", "invalid_response"})


@dataclass
class Lookup:
    """One provider's answer for one domain: ``status`` is found, not_found or why not."""

    status: str
    fields: dict[str, Any] = field(default_factory=dict)
    attempts: int = 0
    waits: list[float] = field(default_factory=list)
    detail: str = ""


class Provider(Protocol):
    config: ProviderConfig

    def lookup(self, domain: str) -> Lookup: ...


class LocalProvider:
    """The firmographics table: free, instant, never cached or limited."""

    def __init__(self, config: ProviderConfig, table: Mapping[str, Firmographic]):
        self.config, self.table = config, table

    def lookup(self, domain: str) -> Lookup:
        firm = self.table.get(domain)
        if firm is None:
            return Lookup(NOT_FOUND)
        return Lookup(
            FOUND, {k: v for k, v in firm_fields(firm).items() if k in self.config.fields}
        )


@dataclass(frozen=True)
class Contract:
    path: str
    domain_param: str
    auth: Callable[[str], dict[str, str]]
    normalise: Callable[[Mapping[str, Any], Mapping[str, str]], dict[str, Any]]
    types: Mapping[str, type | tuple[type, ...]]


CONTRACTS: dict[str, Contract] = {
    "clearbit": Contract(
        "/v2/companies/find",
        "domain",
        lambda key: {"Authorization": f"Bearer {key}"},
        clearbit_fields,
        CLEARBIT_TYPES,
    ),
    "peopledatalabs": Contract(
        "/v5/company/enrich", "website", lambda key: {"X-Api-Key": key}, pdl_fields, PDL_TYPES
    ),
}


class HttpProvider:
    """A company-data API: retries with backoff, honours Retry-After, spends the run's budget."""

    def __init__(
        self,
        config: ProviderConfig,
        api_key: str,
        session: requests.Session,
        http: Http,
        budget: Budget,
        bucket: TokenBucket | None = None,
        sleep: Callable[[float], None] = time.sleep,
        breaker: CircuitBreaker | None = None,
    ):
        self.config, self.contract = config, CONTRACTS[config.type]
        self.api_key, self.session, self.http, self.budget = api_key, session, http, budget
        self.bucket, self.sleep, self.breaker = bucket, sleep, breaker
        # This batch's calls to the provider end by then, whatever they meet.
        self.batch_deadline = (
            time.monotonic() + config.batch_deadline_s if config.batch_deadline_s else None
        )

    def _left(self) -> float:
        """Seconds this batch may still spend on the provider."""
        return (
            float("inf") if self.batch_deadline is None else self.batch_deadline - time.monotonic()
        )

    def _once(self, domain: str) -> Lookup:
        reply = get_capped(
            self.session,
            (self.config.base_url or "").rstrip("/") + self.contract.path,
            params={self.contract.domain_param: domain, **self.config.params},
            headers={"Accept": "application/json", **self.contract.auth(self.api_key)},
            timeout_s=min(self.config.timeout_s, self._left()),
            max_bytes=self.http.max_response_bytes,
            max_redirects=self.http.max_redirects,
        )
        check_status(reply.status, parse_retry_after(reply.retry_after))
        if reply.status == 404:
            return Lookup(NOT_FOUND, detail="404 unknown domain")
        record = parse_json_record(reply.body, reply.content_type)
        problem = error_in_body(record)
        if problem:
            return Lookup("bad_response", detail=problem)
        wrong = wrong_types(record, self.contract.types)
        if wrong:
            return Lookup("invalid_response", detail=f"wrongly typed: {', '.join(wrong)}"[:300])
        fields = self.contract.normalise(record, self.config.industry_map)
        fields = {k: v for k, v in fields.items() if k in self.config.fields and v is not None}
        return (
            Lookup(FOUND, fields)
            if fields
            else Lookup(NOT_FOUND, detail="200 without usable fields")
        )

    def lookup(self, domain: str) -> Lookup:
        """Never raises for a provider's behaviour; ``ProviderDisabledError`` means stop the run's calls."""
        waits: list[float] = []
        for attempt in range(1, self.config.max_attempts + 1):
            refused = self._refusal(attempt, waits)
            if refused is not None:
                return refused
            started = time.monotonic()
            try:
                result = self._once(domain)
            except ProviderDisabledError:
                self._record(True, started)
                raise
            except EnrichmentError as exc:
                self._record(exc.status not in FAILED_CALL, started)
                last = Lookup(exc.status, attempts=attempt, waits=waits, detail=str(exc))
                wait = wait_before_retry(
                    attempt,
                    exc.retry_after,
                    self.http.backoff_base_s,
                    self.http.backoff_max_s,
                    self.http.max_retry_after_s,
                )
                if (
                    not is_transient(exc)
                    or wait is None
                    or attempt == self.config.max_attempts
                    or wait >= self._left()
                ):
                    return last
                waits.append(wait)
                self.sleep(wait)
                continue
            self._record(result.status not in FAILED_CALL, started)
            result.attempts, result.waits = attempt, waits
            return result
        raise AssertionError("unreachable: the loop returns on its last attempt")

    def _refusal(self, attempt: int, waits: list[float]) -> Lookup | None:
        """Why this attempt may not go out (batch deadline, open breaker, budget), or None."""
        if self._left() <= 0:
            return Lookup(
                "timeout",
                attempts=attempt - 1,
                waits=waits,
                detail=f"the batch's {self.config.batch_deadline_s}s for {self.config.name} are spent",
            )
        if self.breaker is not None and not self.breaker.allow():
            return Lookup(
                "circuit_open",
                attempts=attempt - 1,
                waits=waits,
                detail=f"{self.config.name} kept failing: its calls are paused",
            )
        if not self.budget.take():
            if self.breaker is not None:
                self.breaker.abandon()
            return Lookup("budget_exhausted", attempts=attempt - 1, waits=waits)
        if self.bucket is not None:
            self.bucket.acquire()
        return None

    def _record(self, ok: bool, started: float) -> None:
        if self.breaker is not None:
            self.breaker.record(ok, time.monotonic() - started)

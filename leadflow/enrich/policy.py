"""Enrichment policy: which company-data providers, in which order, filling which fields.

API keys never live here: they come from settings (``LEADFLOW_CLEARBIT_API_KEY``,
``LEADFLOW_PDL_API_KEY``). A provider whose key is missing sits out quietly.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import Field, model_validator

from leadflow.core.policy_loader import PolicyModel, StrictModel, load_policy

# Lead columns a provider may fill (the firmographics a lead form rarely asks for).
ENRICH_FIELDS = ("company", "industry", "employees", "revenue_band", "country", "state")
EnrichField = Literal["company", "industry", "employees", "revenue_band", "country", "state"]
ProviderType = Literal["local", "clearbit", "peopledatalabs"]
Survivorship = Literal["lead_answer_wins", "first_provider_wins", "most_trusted"]


class Breaker(StrictModel):
    """When a provider stops being asked for a while (leadflow/enrichment/breaker.py)."""

    failures: int = Field(default=5, ge=1)  # consecutive failed calls that open it
    slow_call_s: float | None = Field(default=None, gt=0)  # a call this long counts as slow
    slow_ratio: float = Field(default=0.5, gt=0, le=1)  # of the last `window` calls
    window: int = Field(default=20, ge=1)
    open_s: float = Field(default=30, ge=0)  # then one probe call is let through


class Provider(StrictModel):
    name: str = Field(pattern=r"^[a-z][a-z0-9-]{0,39}$")  # also the cache key and the limit's name
    type: ProviderType
    base_url: str | None = None
    fields: list[EnrichField] = list(ENRICH_FIELDS)
    enabled: bool = True
    ttl_days: float = Field(default=90, ge=0)  # 0: no cache
    negative_ttl_days: float = Field(default=30, ge=0)
    timeout_s: float = Field(default=10, gt=0)  # connect and read, and the whole body
    max_attempts: int = Field(default=4, ge=1, le=10)
    rate_limit_per_s: float | None = Field(default=None, gt=0)  # client-side token bucket
    concurrency: int = Field(default=4, ge=1, le=64)  # requests in flight within one batch
    batch_slots: int = Field(default=2, ge=1)  # Prefect global concurrency limit enrich-<name>
    params: dict[str, str | int | float] = {}  # extra query parameters (PDL min_likelihood)
    industry_map: dict[str, str] = {}  # provider taxonomy -> ours, case-insensitive
    trust: int = 0  # for the most_trusted policy; the lead's own answers rank as `lead_trust`
    breaker: Breaker = Breaker()
    # All of this provider's calls for one batch, retries and waits included: past it, the
    # batch's remaining leads record "timeout" and move on (None: no batch limit).
    batch_deadline_s: float | None = Field(default=None, gt=0)

    @model_validator(mode="after")
    def _http_needs_url(self) -> Provider:
        if self.type != "local" and not self.base_url:
            raise ValueError(f"a {self.type} provider needs base_url")
        if (
            self.type != "local"
            and self.base_url
            and not self.base_url.startswith(("http://", "https://"))
        ):
            raise ValueError("base_url must be an http(s) URL")
        return self

    @property
    def remote(self) -> bool:
        return self.type != "local"

    @property
    def limit_name(self) -> str:
        return f"enrich-{self.name}"


class Budget(StrictModel):
    max_calls_per_run: int = Field(default=5000, ge=0)  # HTTP requests, retries included


class Http(StrictModel):
    max_response_bytes: int = Field(default=256 * 1024, ge=1024)
    backoff_base_s: float = Field(default=0.5, ge=0)
    backoff_max_s: float = Field(default=30, ge=0)
    max_retry_after_s: float = Field(default=60, ge=0)  # a longer Retry-After gives up instead
    pool_size: int = Field(default=16, ge=1)
    max_redirects: int = Field(default=3, ge=0)  # same host only


class EnrichmentPolicy(PolicyModel):
    survivorship: Survivorship = "lead_answer_wins"
    lead_trust: int = 0
    budget: Budget = Budget()
    http: Http = Http()
    providers: list[Provider]

    def reference_errors(self) -> list[tuple[tuple[Any, ...], str]]:
        names = [p.name for p in self.providers]
        return [
            (("providers", i, "name"), f"duplicate provider {name!r}")
            for i, name in enumerate(names)
            if name in names[:i]
        ]


def load_enrichment(path: Path) -> EnrichmentPolicy:
    return load_policy(path, EnrichmentPolicy)

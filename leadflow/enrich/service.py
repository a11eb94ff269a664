"""Enrich leads with company data through the provider chain of ``enrichment/providers.yaml``."""

from __future__ import annotations

import threading
from datetime import datetime
from functools import lru_cache
from pathlib import Path

import requests
from prefect.artifacts import create_markdown_artifact
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from leadflow.core.clock import as_utc
from leadflow.enrich.policy import ENRICH_FIELDS, EnrichmentPolicy, load_enrichment
from leadflow.core.db import pipeline_lock, session_scope
from leadflow.enrich.firmographics import Firmographic, load_firmographics
from leadflow.enrich.breaker import breaker_for
from leadflow.enrich.cache import SqlCache
from leadflow.enrich.chain import FINAL_STATUSES, LeadIn, LeadOut, RunState, run_chain, run_state
from leadflow.enrich.http import make_session
from leadflow.enrich.limits import bucket_for
from leadflow.enrich.providers import HttpProvider, LocalProvider, Provider
from leadflow.enrich.report import alert_markdown, decision_rows, provenance, status_counts
from leadflow.enrich.slots import batch_slot
from leadflow.core.models import Account, Decision, Lead
from leadflow.core.settings import get_settings
from leadflow.core.runtime import current_flow_run_id, log


@lru_cache(maxsize=2)
def _table(path: str, mtime: float) -> dict[str, Firmographic]:
    return load_firmographics(Path(path))


def firmographics() -> dict[str, Firmographic]:
    path = get_settings().firmographics_path
    if not path.is_file():
        log().warning("firmographics table %s not found: the local provider knows no company", path)
        return {}
    return _table(str(path), path.stat().st_mtime)


def enrichment_policy() -> EnrichmentPolicy:
    return load_enrichment(get_settings().enrichment_path)


_http: dict[int, requests.Session] = {}
_http_lock = threading.Lock()


def http_session(pool_size: int) -> requests.Session:
    """One pooled session per process: keep-alive connections outlive the batch."""
    with _http_lock:
        if pool_size not in _http:
            _http[pool_size] = make_session(pool_size)
        return _http[pool_size]


def build_providers(policy: EnrichmentPolicy, state: RunState) -> list[Provider]:
    settings = get_settings()
    keys = {"clearbit": settings.clearbit_api_key, "peopledatalabs": settings.pdl_api_key}
    providers: list[Provider] = []
    for config in policy.providers:
        if not config.enabled:
            continue
        if not config.remote:
            providers.append(LocalProvider(config, firmographics()))
            continue
        key = keys.get(config.type)
        if key is None or not key.get_secret_value():
            continue  # not subscribed: sits out without noise
        bucket = (
            bucket_for(config.name, config.rate_limit_per_s) if config.rate_limit_per_s else None
        )
        providers.append(
            HttpProvider(
                config,
                key.get_secret_value(),
                http_session(policy.http.pool_size),
                policy.http,
                state.budget,
                bucket,
                breaker=breaker_for(config.name, config.base_url, config.breaker),
            )
        )
    return providers


def _lead_in(lead: Lead) -> LeadIn:
    return LeadIn(
        lead.id,
        lead.domain,
        {f: getattr(lead, f) for f in ENRICH_FIELDS},
        lead.is_free_mail,
        lead.is_disposable,
        lead.is_role_address,
    )


def _done(lead: Lead) -> bool:
    # enriched_by without a status: enriched before statuses existed.
    return lead.enrichment_status in FINAL_STATUSES or (
        lead.enriched_by is not None and lead.enrichment_status is None
    )


def _accounts_for(
    session: Session, leads: list[Lead], outs: dict[int, LeadOut], at: datetime
) -> None:
    """Every company domain gets its account, filled from the first provider that knew it."""
    domains = {lead.domain for lead in leads if lead.domain and not lead.is_free_mail}
    accounts = {
        a.domain: a for a in session.scalars(select(Account).where(Account.domain.in_(domains)))
    }
    for domain in domains - set(accounts):
        accounts[domain] = Account(domain=domain)
        session.add(accounts[domain])
    known = {out.domain: out.found for out in outs.values() if out.found}
    for domain, account in accounts.items():
        if account.enriched_by is None and known.get(domain):
            provider, fields = next(iter(known[domain].items()))
            account.name, account.industry = fields.get("company"), fields.get("industry")
            account.employees, account.revenue_band = (
                fields.get("employees"),
                fields.get("revenue_band"),
            )
            account.country, account.state = fields.get("country"), fields.get("state")
            account.enriched_by, account.enriched_at = provider, at
    session.flush()
    for lead in leads:
        if lead.domain in accounts:
            lead.account_id = accounts[lead.domain].id


def _apply(lead: Lead, out: LeadOut, at: datetime) -> bool:
    for name, (value, _) in out.changes.items():
        setattr(lead, name, value)
    lead.enrichment_status, lead.has_website = out.status, out.has_website
    if out.changes:
        lead.enrichment_provenance = provenance(lead.enrichment_provenance, out, at)
        lead.enriched_by, lead.enriched_at = next(iter(out.changes.values()))[1], at
    return out.status in ("enriched", "cached")


def _alert(state: RunState, at: datetime, run_id: str | None) -> None:
    disabled = state.new_alerts()
    if not disabled:
        return
    for name, reason in disabled.items():
        log().error("enrichment provider %s disabled for this run: %s", name, reason)
    if run_id:
        create_markdown_artifact(
            key="enrichment-alerts",
            markdown=alert_markdown(disabled, at),
            description="Enrichment providers disabled in this run",
        )


def enrich_leads(lead_ids: list[int], now: datetime | None = None) -> int:
    """Fill company fields through the provider chain; a lead we cannot enrich keeps moving."""
    at, run_id, policy = as_utc(now), current_flow_run_id(), enrichment_policy()
    state = run_state(run_id, policy.budget.max_calls_per_run)
    with session_scope() as session:
        todo = [
            _lead_in(lead)
            for lead in session.scalars(select(Lead).where(Lead.id.in_(lead_ids)))
            if not _done(lead)
        ]
    # No transaction is open while providers answer: a slow API must not hold database locks.
    cache = SqlCache(session_scope, at)
    outs = {
        out.id: out
        for out in run_chain(
            todo, build_providers(policy, state), policy, state, cache, slot=batch_slot
        )
    }
    enriched = 0
    with session_scope() as session:
        pipeline_lock(session)  # accounts are created once, whoever else enriches the domain
        leads = list(session.scalars(select(Lead).where(Lead.id.in_(lead_ids)).order_by(Lead.id)))
        # Another run may have enriched some of them while we asked: theirs stands, once.
        outs = {lead.id: outs[lead.id] for lead in leads if lead.id in outs and not _done(lead)}
        _accounts_for(session, leads, outs, at)
        rows = []
        for lead in leads:
            if lead.id in outs:
                enriched += _apply(lead, outs[lead.id], at)
                rows += decision_rows(
                    outs[lead.id],
                    role_address=lead.is_role_address,
                    at=at,
                    flow_run_id=run_id,
                    config_version=policy.config_version,
                )
        if rows:
            session.execute(insert(Decision), rows)
    _alert(state, at, run_id)
    log().info(
        "enrichment of %d leads: %s (cache hits %d, calls used %d of %d)",
        len(lead_ids),
        status_counts(outs.values()),
        cache.hits,
        state.budget.used,
        state.budget.max_calls,
    )
    return enriched

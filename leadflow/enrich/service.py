"""Enrich leads with company data through the provider chain of ``enrichment/providers.yaml``."""

from __future__ import annotations

import threading
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

import requests
from prefect.artifacts import create_markdown_artifact
from sqlalchemy import Row, select
from sqlalchemy.orm import Session

from leadflow.core.bulk_writes import KeyedUpdate, insert_new_rows
from leadflow.core.decisions import write_decisions
from leadflow.core.statuses import EnrichmentStatus, PipelineStage
from leadflow.core.clock import as_utc
from leadflow.enrich.policy import ENRICH_FIELDS, EnrichmentPolicy, load_enrichment
from leadflow.core.db import session_scope
from leadflow.core.lead_stages import locked_rows, moved_to
from leadflow.enrich.firmographics import Firmographic, load_firmographics
from leadflow.enrich.breaker import breaker_for
from leadflow.enrich.cache import SqlCache
from leadflow.enrich.chain import FINAL_STATUSES, LeadIn, LeadOut, RunState, run_chain, run_state
from leadflow.enrich.http import make_session
from leadflow.enrich.limits import bucket_for
from leadflow.enrich.providers import HttpProvider, LocalProvider, Provider
from leadflow.enrich.report import alert_markdown, decision_rows, provenance, status_counts
from leadflow.enrich.slots import batch_slot
from leadflow.core.models import Account, Lead
from leadflow.core.settings import get_settings
from leadflow.core.runtime import current_flow_run_id, log
from leadflow.core.plain_rows import fetch_plain
from leadflow.core.value_lists import among


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


# What enrichment reads of a lead: plain rows (no ORM objects, no autoflush).
LEAD = Lead.__table__
ACCOUNT = Account.__table__
LEAD_COLUMNS = [
    LEAD.c[name]
    for name in (
        "id",
        "domain",
        *ENRICH_FIELDS,
        "is_free_mail",
        "is_disposable",
        "is_role_address",
        "enrichment_status",
        "enriched_by",
        "enriched_at",
        "enrichment_provenance",
        "account_id",
    )
]
ENRICHED = KeyedUpdate(
    LEAD,
    "lead_id",
    {name: f"v_{name}" for name in ENRICH_FIELDS}
    | {
        "enrichment_status": "v_status",
        "has_website": "v_has_website",
        "enrichment_provenance": "v_provenance",
        "enriched_by": "v_by",
        "enriched_at": "v_at",
        # In the same statement: on PostgreSQL every UPDATE of a lead writes a new row
        # version and its index entries, whatever it changes.
        "account_id": "v_account_id",
    },
    # The stage move too, for the same reason (lead_stages.moved_to).
    also={"pipeline_stage": moved_to(PipelineStage.ENRICHED, LEAD.c.pipeline_stage)},
)
LINKED = KeyedUpdate(LEAD, "lead_id", {"account_id": "a_id"})
# An account is filled once, by the first enrichment that knew its domain.
ACCOUNT_FILLED = KeyedUpdate(
    ACCOUNT,
    "a_id",
    {name: f"v_{name}" for name in ("name", "industry", "employees", "revenue_band")}
    | {"country": "v_country", "state": "v_state", "enriched_by": "v_by", "enriched_at": "v_at"},
    only=ACCOUNT.c.enriched_by.is_(None),
)


def _lead_in(lead: Row[Any]) -> LeadIn:
    return LeadIn(
        lead.id,
        lead.domain,
        {f: getattr(lead, f) for f in ENRICH_FIELDS},
        lead.is_free_mail,
        lead.is_disposable,
        lead.is_role_address,
    )


def _done(lead: Row[Any]) -> bool:
    # enriched_by without a status: enriched before statuses existed.
    return lead.enrichment_status in FINAL_STATUSES or (
        lead.enriched_by is not None and lead.enrichment_status is None
    )


def _rows(session: Session, lead_ids: list[int]) -> list[Row[Any]]:
    return fetch_plain(
        session, select(*LEAD_COLUMNS).where(among(LEAD.c.id, lead_ids)).order_by(LEAD.c.id)
    )


def _accounts_for(
    session: Session, leads: list[Row[Any]], outs: dict[int, LeadOut], at: datetime
) -> dict[int, int]:
    """Every company domain gets its account (ON CONFLICT: created once, whoever else enriches
    the domain), filled from the first provider that knew it. Returns the leads whose account
    changes, with their account's id (the caller writes them)."""
    domains = sorted({lead.domain for lead in leads if lead.domain and not lead.is_free_mail})
    if not domains:
        return {}
    insert_new_rows(session, ACCOUNT, [{"domain": d} for d in domains], unique=["domain"])
    ids, unfilled = {}, set()
    for domain, account_id, filled_by in session.execute(
        select(ACCOUNT.c.domain, ACCOUNT.c.id, ACCOUNT.c.enriched_by).where(
            among(ACCOUNT.c.domain, domains)
        )
    ):
        ids[domain] = account_id
        if filled_by is None:
            unfilled.add(domain)
    known = {out.domain: out.found for out in outs.values() if out.found}
    fills = []
    for domain in domains:
        # Filled already: sent anyway, the statement would leave it as it is (``only``).
        if domain in unfilled and known.get(domain):
            provider, fields = next(iter(known[domain].items()))
            fills.append(
                {"a_id": ids[domain], "v_name": fields.get("company"), "v_by": provider, "v_at": at}
                | {
                    f"v_{k}": fields.get(k)
                    for k in ("industry", "employees", "revenue_band", "country", "state")
                }
            )
    ACCOUNT_FILLED.run(session, fills)
    return {
        lead.id: ids[lead.domain]
        for lead in leads
        if lead.domain in ids and lead.account_id != ids[lead.domain]
    }


def _change(lead: Row[Any], out: LeadOut, at: datetime) -> dict[str, Any]:
    """The lead's enrichment columns after ``out`` (unchanged fields keep their value)."""
    change = {"lead_id": lead.id, "v_status": out.status, "v_has_website": out.has_website}
    change |= {f"v_{name}": getattr(lead, name) for name in ENRICH_FIELDS}
    change |= {f"v_{name}": value for name, (value, _) in out.changes.items()}
    change |= {
        "v_provenance": lead.enrichment_provenance,
        "v_by": lead.enriched_by,
        "v_at": lead.enriched_at,
    }
    if out.changes:
        change["v_provenance"] = provenance(lead.enrichment_provenance, out, at)
        change["v_by"], change["v_at"] = next(iter(out.changes.values()))[1], at
    return change


def _ask(
    todo: list[LeadIn],
    providers: list[Provider],
    policy: EnrichmentPolicy,
    state: RunState,
    cache: SqlCache,
) -> dict[int, LeadOut]:
    return {
        out.id: out for out in run_chain(todo, providers, policy, state, cache, slot=batch_slot)
    }


def _write(
    session: Session,
    leads: list[Row[Any]],
    outs: dict[int, LeadOut],
    at: datetime,
    run_id: str | None,
    config_version: str,
) -> None:
    """The batch's enrichment, its accounts and its decisions, in the caller's transaction."""
    links = _accounts_for(session, leads, outs, at)
    changes, rows = [], []
    for lead in leads:
        if lead.id in outs:
            account_id = links.pop(lead.id, lead.account_id)
            changes.append(_change(lead, outs[lead.id], at) | {"v_account_id": account_id})
            rows += decision_rows(
                outs[lead.id],
                role_address=lead.is_role_address,
                at=at,
                flow_run_id=run_id,
                config_version=config_version,
            )
    if changes:
        ENRICHED.run(session, changes)
    if links:  # leads enriched before, whose domain's account is new
        LINKED.run(session, [{"lead_id": k, "a_id": v} for k, v in sorted(links.items())])
    if rows:
        write_decisions(session, rows)


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
    providers = build_providers(policy, state)
    cache = SqlCache(session_scope, at)
    asked: dict[int, LeadOut] | None = None
    if any(provider.config.remote for provider in providers):
        with session_scope() as session:
            todo = [_lead_in(lead) for lead in _rows(session, lead_ids) if not _done(lead)]
        # No transaction is open while providers answer: a slow API must not hold database
        # locks. Local providers answer from memory: asked below, under the locks.
        asked = _ask(todo, providers, policy, state, cache)
    with session_scope() as session:
        # A lead another run just enriched is not enriched twice (the lock), and another run
        # may have enriched some while we asked: theirs stands, once.
        leads = locked_rows(session, lead_ids, LEAD_COLUMNS)
        if asked is None:
            asked = _ask(
                [_lead_in(lead) for lead in leads if not _done(lead)],
                providers,
                policy,
                state,
                cache,
            )
        outs = {lead.id: asked[lead.id] for lead in leads if lead.id in asked and not _done(lead)}
        _write(session, leads, outs, at, run_id, policy.config_version)
    enriched = sum(
        out.status in (EnrichmentStatus.ENRICHED, EnrichmentStatus.CACHED) for out in outs.values()
    )
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

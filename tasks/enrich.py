"""Enrich leads with company data by registrable domain (the embedded local provider)."""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from pathlib import Path

from prefect import task
from sqlalchemy import select
from sqlalchemy.orm import Session

from leadflow.clock import as_utc
from leadflow.db import session_scope
from leadflow.decisions import record
from leadflow.domain.enrich import Firmographic, enrichment_for, load_firmographics
from leadflow.models import Account, Lead
from leadflow.settings import get_settings
from tasks._common import BATCH_TASK, current_flow_run_id, log

PROVIDER = "local"


@lru_cache(maxsize=2)
def _table(path: str, mtime: float) -> dict[str, Firmographic]:
    return load_firmographics(Path(path))


def firmographics() -> dict[str, Firmographic]:
    path = get_settings().firmographics_path
    if not path.is_file():
        log().warning("firmographics table %s not found: leads stay unenriched", path)
        return {}
    return _table(str(path), path.stat().st_mtime)


def _accounts_for(session: Session, domains: set[str], table: dict[str, Firmographic],
                  at: datetime) -> dict[str, Account]:
    """The account of every company domain, created (and enriched) on first sight."""
    accounts = {a.domain: a for a in session.scalars(select(Account).where(Account.domain.in_(domains)))}
    for domain in domains - set(accounts):
        accounts[domain] = Account(domain=domain)
        session.add(accounts[domain])
    for domain, account in accounts.items():
        firm = table.get(domain)
        if firm and account.enriched_by is None:
            account.name, account.industry, account.employees = firm.name, firm.industry, firm.employees
            account.revenue_band, account.country, account.state = firm.revenue_band, firm.country, firm.state
            account.enriched_by, account.enriched_at = PROVIDER, at
    session.flush()
    return accounts


@task(name="enrich-leads", **BATCH_TASK)
def enrich_leads(lead_ids: list[int], now: datetime | None = None) -> int:
    """Fill company fields from firmographics; a lead we cannot enrich keeps moving."""
    at, run_id, table = as_utc(now), current_flow_run_id(), firmographics()
    enriched = 0
    with session_scope() as session:
        leads = [lead for lead in session.scalars(select(Lead).where(Lead.id.in_(lead_ids)))
                 if lead.domain and not lead.is_free_mail]
        accounts = _accounts_for(session, {lead.domain for lead in leads if lead.domain}, table, at)
        for lead in leads:
            firm = table.get(lead.domain or "")
            lead.account_id = accounts[lead.domain or ""].id
            if firm is None or lead.enriched_by:
                continue
            current = {k: getattr(lead, k) for k in ("company", "industry", "employees",
                                                     "revenue_band", "country", "state")}
            filled = enrichment_for(current, firm)
            for name, value in filled.items():
                setattr(lead, name, value)
            lead.enriched_by, lead.enriched_at = PROVIDER, at
            enriched += 1
            record(session, lead_id=lead.id, kind="enrich", rule_id=f"provider:{PROVIDER}",
                   outcome=f"filled {', '.join(sorted(filled)) or 'nothing new'}",
                   reason=f"firmographics for {lead.domain}", inputs={"domain": lead.domain,
                   "filled": filled}, at=at, flow_run_id=run_id)
    log().info("enriched %d of %d leads from %s", enriched, len(lead_ids), PROVIDER)
    return enriched

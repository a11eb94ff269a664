"""Leads meet their account: registrable domain first, then the company's core name (fuzzy
for Latin names, characters or pinyin for Chinese ones), with tie-breakers.

Runs after enrichment in every ingest batch. Only accounts with an owner are candidates: an
owned account is what routing acts on (the owner first). A lead whose own domain already
links it to an owned account keeps it; a lead on free mail (163.com, qq.com) or on a domain
nobody owns (a subsidiary's) is matched by name. Each match is a decision with its method,
score, tie-breakers and the candidates that qualified.
"""

from __future__ import annotations

import threading
from collections import Counter
from datetime import datetime

from typing import Any

from sqlalchemy import Row, select
from sqlalchemy.orm import Session

from leadflow.core.clock import as_utc
from leadflow.core.db import session_scope
from leadflow.core.lead_stages import locked_rows
from leadflow.core.bulk_writes import KeyedUpdate
from leadflow.core.decisions import decision_row, write_decisions
from leadflow.core.models import Account, Decision, Lead
from leadflow.dedupe.engine.accounts import Account as Candidate
from leadflow.dedupe.engine.accounts import AccountIndex, AccountMatch
from leadflow.dedupe.engine.text import has_han
from leadflow.core.value_lists import among

MATCH_KIND = "account_match"
LEAD = Lead.__table__
LEAD_COLUMNS = (Lead.id, Lead.email, Lead.company, Lead.country, Lead.is_free_mail, Lead.account_id)
LINKED = KeyedUpdate(LEAD, "lead_id", {"account_id": "a_id"})
OwnedRow = tuple[str, str | None, str | None]  # an owned account's name, domain, country


# Per (database, min_score, thread): the owned accounts last indexed, and their index.
KEPT_INDEXES = 8
_INDEXES: dict[tuple[str, float, int], tuple[dict[int, OwnedRow], AccountIndex]] = {}


def account_index(session: Session, min_score: float = 0.88) -> AccountIndex:
    """Every owned account, by domain and core name.

    Indexing 20,000 accounts costs ~0.5 s, and each batch gives owners to a few more: the index
    is kept between batches (per thread, so two never share one) and only the accounts owned
    since are added. Any other change (an owner cleared, a name edited, another database with
    other accounts under the same ids) builds it again."""
    rows: dict[int, OwnedRow] = {
        r.id: (r.name or "", r.domain, r.country)
        for r in session.execute(
            select(Account.id, Account.name, Account.domain, Account.country).where(
                Account.owner_rep.is_not(None)
            )
        )
    }
    key = (session.get_bind().url.render_as_string(), min_score, threading.get_ident())
    seen, index = _INDEXES.get(key, ({}, None))
    if index is None or any(rows.get(i) != row for i, row in seen.items()):
        seen, index = {}, AccountIndex((), min_score)
    index.add(_candidate(i, row) for i, row in rows.items() if i not in seen)
    _INDEXES.pop(key, None)
    _INDEXES[key] = (rows, index)
    while len(_INDEXES) > KEPT_INDEXES:  # threads come and go: the longest unused one goes
        _INDEXES.pop(next(iter(_INDEXES)))
    return index


def _candidate(account_id: int, row: OwnedRow) -> Candidate:
    name, domain, country = row
    return Candidate(account_id, name, (domain,), country)


def method_of(match: AccountMatch, company: str | None) -> str:
    """domain | name | cjk_name: how the lead found its account (the figures count these)."""
    if match.method == "domain":
        return "domain"
    return "cjk_name" if company and has_han(company) else "name"


def _owned(session: Session, account_ids: set[int]) -> set[int]:
    if not account_ids:
        return set()
    return set(
        session.scalars(
            select(Account.id).where(among(Account.id, account_ids), Account.owner_rep.is_not(None))
        )
    )


def _decision(lead: Row[Any], match: AccountMatch, method: str, at: datetime) -> dict[str, Any]:
    return decision_row(
        lead_id=lead.id,
        kind=MATCH_KIND,
        rule_id=f"account:{method}",
        at=at,
        outcome=f"account {match.account_id} by {method} (score {match.score:.2f})",
        reason=f"{match.method} match"
        + (f"; tie broken by {', '.join(match.tie_breakers)}" if match.tie_breakers else ""),
        inputs={
            "score": match.score,
            "method": match.method,
            "company": lead.company,
            "candidates": [list(c) for c in match.candidates[:5]],
        },
    )


def match_accounts(
    lead_ids: list[int], now: datetime | None = None, index: AccountIndex | None = None
) -> Counter[str]:
    """Link each lead without an owned account to the account it belongs to; returns counts by
    method. Idempotent: a lead already matched is left alone."""
    at, counts = as_utc(now), Counter[str]()
    with session_scope() as session:
        leads = locked_rows(session, lead_ids, LEAD_COLUMNS)  # two runs at once match a lead once
        done = set(
            session.scalars(
                select(Decision.lead_id).where(
                    among(Decision.lead_id, lead_ids), Decision.kind == MATCH_KIND
                )
            )
        )
        owned = _owned(session, {lead.account_id for lead in leads if lead.account_id})
        index = index or account_index(session)
        links, rows = [], []
        for lead in leads:
            if lead.id in done:
                continue
            match = index.match(
                email=None if lead.is_free_mail else lead.email,
                company=lead.company,
                country=lead.country,
            )
            if match is None or (
                lead.account_id in owned
                and match.account_id != lead.account_id
                and match.method != "domain"
            ):
                continue  # no account, or its own domain's owned account beats a name
            method = method_of(match, lead.company)
            counts[method] += 1
            links.append({"lead_id": lead.id, "a_id": int(match.account_id)})  # type: ignore[call-overload]
            rows.append(_decision(lead, match, method, at))
        if links:
            LINKED.run(session, links)
        if rows:
            write_decisions(session, rows)
    return counts

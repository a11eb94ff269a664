"""`leadflow accounts import FILE`: accounts and their owners from a CRM export.

Reads a CSV with our own headers (domain, name, owner, team, country) or a Salesforce or
HubSpot account export's. Each account is upserted by its domain; an owner is a rep key, a
rep's email or a rep's name. Setting an owner on an account nobody owns needs no one's leave;
changing an existing owner is an owner change, allowed to a manager of that owner's team or an
admin (the importing person, `--as`), refused and recorded otherwise. Rows that cannot be
used are reported by line and loaded nowhere else; the same file twice changes nothing.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from leadflow.core.clock import as_utc
from leadflow.core.db import session_scope
from leadflow.core.decisions import decision_row
from leadflow.core.errors import SourceNotFound
from leadflow.core.models import Account, Decision, Person
from leadflow.dedupe.engine.text import norm_domain
from leadflow.routing.people import manages, person, sync_people
from leadflow.routing.policy import RoutingPolicy, routing_policy

# Our header -> the headers CRM exports use for it (compared case- and space-insensitively).
HEADERS = {
    "domain": ("domain", "website", "account website", "company domain name", "website url"),
    "name": ("name", "account name", "company name", "company"),
    "owner": ("owner", "account owner", "company owner", "account owner email", "owner email"),
    "team": ("team", "sales team", "account team"),
    "country": ("country", "billing country", "country/region", "billing country code"),
}


@dataclass
class AccountImport:
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    owners_refused: int = 0
    problems: list[str] = field(default_factory=list)  # "line N: why", nothing loaded from it


def _columns(header: list[str]) -> dict[str, int]:
    seen = {h.strip().lower(): i for i, h in enumerate(header)}
    found = {
        ours: next((seen[a] for a in aliases if a in seen), -1) for ours, aliases in HEADERS.items()
    }
    if found["domain"] < 0:
        raise SourceNotFound(f"no domain column; expected one of: {', '.join(HEADERS['domain'])}")
    return found


def _owners(session: Session) -> dict[str, str]:
    """Rep key, email and name (lower-cased) -> rep key."""
    lookup: dict[str, str] = {}
    for rep in session.scalars(select(Person).where(Person.role == "rep")):
        for alias in (rep.key, rep.email, rep.name):
            lookup[alias.strip().lower()] = rep.key
    return lookup


@dataclass
class _Run:
    session: Session
    policy: RoutingPolicy
    actor: Person
    at: datetime
    owners: dict[str, str]
    accounts: dict[str, Account]
    result: AccountImport
    decisions: list[dict[str, object]] = field(default_factory=list)


def _owner_change(run: _Run, account: Account, owner: str) -> bool:
    """True when the actor may move this owned account to ``owner``; a refusal is recorded."""
    team = run.policy.team_of(account.owner_rep) or account.team
    if manages(run.actor, team):
        return True
    run.result.owners_refused += 1
    run.decisions.append(
        decision_row(
            lead_id=None,
            kind="owner",
            rule_id=f"account:{account.domain}",
            at=run.at,
            actor=run.actor.key,
            outcome=f"owner change to {owner} refused",
            reason=f"accounts import: only a manager of team {team} or an admin changes this owner",
            inputs={"account_id": account.id, "from": account.owner_rep, "to": owner},
        )
    )
    return False


def _apply_row(run: _Run, line: int, values: dict[str, str]) -> None:
    domain = norm_domain(values["domain"])
    if not domain:
        run.result.problems.append(f"line {line}: no usable domain in {values['domain']!r}")
        return
    owner = run.owners.get(values["owner"].strip().lower()) if values["owner"] else None
    if values["owner"] and owner is None:
        run.result.problems.append(
            f"line {line}: owner {values['owner']!r} is not a rep; "
            "account loaded without that owner"
        )
    account = run.accounts.get(domain)
    created = account is None
    if account is None:
        account = run.accounts[domain] = Account(domain=domain)
        run.session.add(account)
    before = (account.name, account.owner_rep, account.team, account.country)
    account.name = values["name"] or account.name
    account.country = (values["country"] or "").upper()[:2] or account.country
    if (
        owner
        and owner != account.owner_rep
        and (account.owner_rep is None or _owner_change(run, account, owner))
    ):
        account.owner_rep, account.team = owner, run.policy.team_of(owner)
    account.team = values["team"] or account.team
    after = (account.name, account.owner_rep, account.team, account.country)
    if created or after != before:
        run.result.created += created
        run.result.updated += not created
        run.decisions.append(
            decision_row(
                lead_id=None,
                kind="account",
                rule_id=f"account:{domain}",
                at=run.at,
                actor=run.actor.key,
                outcome=f"account {domain} {'created' if created else 'updated'} by import",
                reason=f"accounts import line {line}",
                inputs={"before": before, "after": after},
            )
        )
    else:
        run.result.unchanged += 1


def import_accounts(path: Path, actor_key: str, now: datetime | None = None) -> AccountImport:
    if not path.is_file():
        raise SourceNotFound(f"{path} does not exist or is not a file")
    at, policy, result = as_utc(now), routing_policy(), AccountImport()
    with path.open(encoding="utf-8-sig", newline="") as handle, session_scope() as session:
        sync_people(session, policy)
        reader = csv.reader(handle)
        columns = _columns(next(reader, []))
        rows = [
            (n, row) for n, row in enumerate(reader, start=2) if any(cell.strip() for cell in row)
        ]
        domains = {
            norm_domain(row[columns["domain"]]) for _, row in rows if len(row) > columns["domain"]
        }
        run = _Run(
            session,
            policy,
            person(session, actor_key),
            at,
            _owners(session),
            _existing(session, {d for d in domains if d}),
            result,
        )
        for line, row in rows:
            result.rows += 1
            values = {k: (row[i].strip() if 0 <= i < len(row) else "") for k, i in columns.items()}
            _apply_row(run, line, values)
        session.flush()
        if run.decisions:
            session.execute(Decision.__table__.insert(), run.decisions)
    return result


def _existing(session: Session, domains: set[str]) -> dict[str, Account]:
    found: dict[str, Account] = {}
    ordered = sorted(domains)
    for i in range(0, len(ordered), 1000):
        for account in session.scalars(
            select(Account).where(Account.domain.in_(ordered[i : i + 1000]))
        ):
            found[account.domain] = account
    return found

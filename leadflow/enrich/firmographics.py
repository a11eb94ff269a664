"""Firmographics lookup by registrable domain (the embedded `local` provider)."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from leadflow.enrich.merge import Offer, merge_offers


@dataclass(frozen=True)
class Firmographic:
    domain: str
    name: str | None
    industry: str | None
    employees: int | None
    revenue_band: str | None
    country: str | None
    state: str | None


def _blank_to_none(value: str | None) -> str | None:
    return value.strip() or None if value else None


def parse_firmographics(rows: Iterable[Mapping[str, str]]) -> dict[str, Firmographic]:
    table: dict[str, Firmographic] = {}
    for row in rows:
        domain = (row.get("domain") or "").strip().lower()
        if not domain:
            continue
        employees = _blank_to_none(row.get("employees"))
        table[domain] = Firmographic(
            domain=domain,
            name=_blank_to_none(row.get("name")),
            industry=_blank_to_none(row.get("industry")),
            employees=int(employees) if employees and employees.isdigit() else None,
            revenue_band=_blank_to_none(row.get("revenue_band")),
            country=(_blank_to_none(row.get("country")) or "").upper() or None,
            state=(_blank_to_none(row.get("state")) or "").upper() or None,
        )
    return table


def load_firmographics(path: Path) -> dict[str, Firmographic]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return parse_firmographics(csv.DictReader(handle))


def firm_fields(firm: Firmographic) -> dict[str, object]:
    """The table row as lead fields (the company name fills the lead's ``company``)."""
    return {
        "company": firm.name,
        "industry": firm.industry,
        "employees": firm.employees,
        "revenue_band": firm.revenue_band,
        "country": firm.country,
        "state": firm.state,
    }


def enrichment_for(lead: Mapping[str, object], firm: Firmographic) -> dict[str, object]:
    """Fields the provider may fill on the lead: blanks only, the lead's own data wins."""
    chosen = merge_offers(lead, [Offer("local", firm_fields(firm))], "lead_answer_wins")
    return {name: value for name, (value, _) in chosen.items()}

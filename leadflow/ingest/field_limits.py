"""One length limit per lead field, read from the model, enforced when a row is cleaned.

The database would enforce them too, but unevenly: PostgreSQL refuses the whole batch
(``value too long for type character varying(50)``) and SQLite stores a megabyte. So a
cleaned row is held to the model's limits here, identically on both: too long is
quarantined as ``field_too_long`` naming the field, or cut where the ingest policy says.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import fields, replace

from sqlalchemy import String

from leadflow.ingest.company import company_key
from leadflow.core.types import CleanLead, Quarantined
from leadflow.core.models import Lead

FIELD_TOO_LONG = "field_too_long"


def _limits() -> dict[str, int]:
    names = {f.name for f in fields(CleanLead)}
    return {
        column.name: column.type.length
        for column in Lead.__table__.columns
        if column.name in names and isinstance(column.type, String) and column.type.length
    }


FIELD_LIMITS: dict[str, int] = _limits()


def hold_to_limits(row: CleanLead, truncate: Collection[str] = ()) -> CleanLead | Quarantined:
    """The row within the model's limits, or the quarantine naming the first field over."""
    cuts: dict[str, str] = {}
    for name, limit in FIELD_LIMITS.items():
        value = getattr(row, name)
        if not isinstance(value, str) or len(value) <= limit:
            continue
        if name not in truncate:
            return Quarantined(
                row.source_record_id,
                row.line_no,
                FIELD_TOO_LONG,
                f"{name} is {len(value)} characters, the limit is {limit}: {value[:40]!r}...",
            )
        cuts[name] = value[:limit].rstrip()
    if "company" in cuts:  # the match key follows the company actually stored
        cuts["company_key"] = (company_key(cuts["company"]) or "")[
            : FIELD_LIMITS["company_key"]
        ] or None
    return replace(row, **cuts) if cuts else row

"""Parse a CRM export of opportunities (Salesforce, HubSpot or plain CSV) into typed rows (pure).

Columns follow the calibration file's conventions (email or lead_id, converted, won, amount,
created, closed) and accept the CRMs' own headers as aliases.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone

from leadflow.core.answers import parse_answer
from leadflow.core.errors import BadOutcomeRow

# Normalized header (lower case, letters and digits only) -> canonical field.
ALIASES: dict[str, tuple[str, ...]] = {
    "external_id": (
        "externalid",
        "opportunityid",
        "oppid",
        "crmid",
        "dealid",
        "recordid",
        "hsobjectid",
        "id",
    ),
    "email": ("email", "emailaddress", "workemail", "contactemail", "leademail"),
    "lead_id": ("leadid", "leadflowid", "leadflowleadid"),
    "status": ("status", "stage", "stagename", "dealstage", "outcome", "opportunitystatus"),
    "won": ("won", "iswon", "closedwon"),
    "converted": ("converted", "isconverted"),
    "amount": ("amount", "dealamount", "opportunityamount", "value", "amountusd"),
    "created": (
        "created",
        "createddate",
        "createdate",
        "opportunitycreated",
        "opportunitycreatedat",
        "opportunitycreateddate",
        "opened",
    ),
    "closed": ("closed", "closedate", "closeddate", "closedat", "closedon"),
}
WON = {"won", "closedwon", "closedwonwon"}
LOST = {"lost", "closedlost"}
DATE_FORMATS = (
    "%Y-%m-%d",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%m/%d/%Y",
    "%m/%d/%Y %H:%M",
    "%m/%d/%Y %I:%M %p",
    "%Y/%m/%d",
)


@dataclass(frozen=True)
class OutcomeRow:
    line_no: int
    external_id: str
    email: str | None
    lead_id: int | None
    status: str  # open | won | lost
    amount: float | None
    created_at: datetime | None
    closed_at: datetime | None


def normalize_header(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


def header_map(headers: Iterable[str]) -> dict[str, str]:
    """Canonical field -> the file's column; the first alias present wins."""
    present = {normalize_header(h): h for h in headers if h}
    found = {}
    for canonical, aliases in ALIASES.items():
        column = next((present[a] for a in aliases if a in present), None)
        if column is not None:
            found[canonical] = column
    return found


def parse_date(text: str) -> datetime | None:
    text = text.strip()
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        moment = _strptime(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def _strptime(text: str) -> datetime:
    for fmt in DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt)
        except ValueError:
            continue
    raise BadOutcomeRow(f"date {text!r} is not ISO 8601 or MM/DD/YYYY")


def parse_amount(text: str) -> float | None:
    cleaned = re.sub(r"[^\d.\-]", "", text.replace(",", ""))
    if not text.strip():
        return None
    try:
        return float(cleaned)
    except ValueError:
        raise BadOutcomeRow(f"amount {text!r} is not a number") from None


def parse_status(value: Mapping[str, str]) -> str:
    """open | won | lost from a stage name, or from the calibration file's won/converted flags."""
    stage = normalize_header(value.get("status", ""))
    if stage:
        if stage in WON or stage.endswith("won"):
            return "won"
        if stage in LOST or stage.endswith("lost"):
            return "lost"
        if stage.startswith("closed"):
            raise BadOutcomeRow(f"stage {value['status']!r} is closed but neither won nor lost")
        return "open"
    won, converted = parse_answer(value.get("won", "")), parse_answer(value.get("converted", ""))
    if won:
        return "won"
    if converted is False:
        raise BadOutcomeRow("not converted: no opportunity to import")
    if converted or won is False:
        return "lost" if value.get("closed", "").strip() else "open"
    raise BadOutcomeRow("no status, stage, won or converted value")


def row_hash(raw: Mapping[str, str]) -> str:
    """A stable id for a row without a CRM id: the same row imports onto itself."""
    text = "\x1f".join(f"{k}={(raw[k] or '').strip()}" for k in sorted(k for k in raw if k))
    return "row-" + hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def parse_row(line_no: int, raw: Mapping[str, str], columns: Mapping[str, str]) -> OutcomeRow:
    value = {field: (raw.get(column) or "").strip() for field, column in columns.items()}
    email = value.get("email", "").lower() or None
    lead_ref = value.get("lead_id", "")
    if lead_ref and not lead_ref.isdigit():
        raise BadOutcomeRow(f"lead id {lead_ref!r} is not a number")
    if email is None and not lead_ref:
        raise BadOutcomeRow("no lead email or lead id")
    return OutcomeRow(
        line_no=line_no,
        external_id=value.get("external_id") or row_hash(raw),
        email=email,
        lead_id=int(lead_ref) if lead_ref else None,
        status=parse_status(value),
        amount=parse_amount(value.get("amount", "")),
        created_at=parse_date(value.get("created", "")),
        closed_at=parse_date(value.get("closed", "")),
    )


def parse_rows(
    rows: Iterable[tuple[int, Mapping[str, str]]], headers: Iterable[str]
) -> tuple[list[OutcomeRow], list[tuple[int, str]]]:
    """Good rows, and (line number, reason) for every row that is not."""
    columns = header_map(headers)
    good, bad = [], []
    for line_no, raw in rows:
        try:
            good.append(parse_row(line_no, raw, columns))
        except BadOutcomeRow as exc:
            bad.append((line_no, str(exc)))
    return good, bad

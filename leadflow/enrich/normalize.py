"""Provider answers (Clearbit's nested record, PDL's flat one) as lead fields.

Everything here is pure: bytes and headers in, fields or an ``EnrichmentError`` out.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from leadflow.ingest.regions import country_code, state_code
from leadflow.core.errors import (
    ProviderDisabledError,
    ProviderPermanentError,
    ProviderTransientError,
)
from leadflow.core.statuses import EnrichmentStatus

# Our revenue bands (scoring/icp.yaml speaks these), by their lower bound in dollars.
REVENUE_BANDS = (
    (1_000_000_000, "$1B+"),
    (250_000_000, "$250M-$1B"),
    (50_000_000, "$50M-$250M"),
    (10_000_000, "$10M-$50M"),
    (1_000_000, "$1M-$10M"),
    (0, "<$1M"),
)
_AMOUNT = re.compile(r"\$?\s*(\d+(?:\.\d+)?)\s*([KMBT]?)", re.IGNORECASE)
_SCALE = {"": 1, "K": 1e3, "M": 1e6, "B": 1e9, "T": 1e12}
_FIRST_INT = re.compile(r"\d[\d,]*")


def revenue_band(raw: str | None) -> str | None:
    """A provider's band ("$10M-$50M", "$100M-$250M", "$10B+") as ours, by its lower bound."""
    match = _AMOUNT.search(raw or "")
    if not match:
        return None
    low = float(match.group(1)) * _SCALE[match.group(2).upper()]
    return next(band for floor, band in REVENUE_BANDS if low >= floor)


def employees_from(count: Any, size: Any) -> int | None:
    """An exact head count, else the lower bound of a size range such as "51-200" or "10001+"."""
    if isinstance(count, int) and not isinstance(count, bool) and count >= 0:
        return count
    match = _FIRST_INT.search(str(size or ""))
    return int(match.group(0).replace(",", "")) if match else None


def _get(record: Mapping[str, Any], dotted: str) -> Any:
    value: Any = record
    for part in dotted.split("."):
        value = value.get(part) if isinstance(value, Mapping) else None
    return value


def _text(value: Any) -> str | None:
    return value.strip() or None if isinstance(value, str) else None


def _industry(raw: Any, mapping: Mapping[str, str]) -> str | None:
    text = _text(raw)
    if text is None:
        return None
    lowered = {k.lower(): v for k, v in mapping.items()}
    return lowered.get(text.lower(), text if text[:1].isupper() else text.title())


def clearbit_fields(record: Mapping[str, Any], industry_map: Mapping[str, str]) -> dict[str, Any]:
    country = _text(_get(record, "geo.countryCode")) or country_code(
        _text(_get(record, "geo.country"))
    )
    state = _text(_get(record, "geo.stateCode")) or state_code(
        _text(_get(record, "geo.state")), country
    )
    return {
        "company": _text(record.get("name")) or _text(record.get("legalName")),
        "industry": _industry(_get(record, "category.industry"), industry_map),
        "employees": employees_from(
            _get(record, "metrics.employees"), _get(record, "metrics.employeesRange")
        ),
        "revenue_band": revenue_band(_text(_get(record, "metrics.estimatedAnnualRevenue"))),
        "country": country.upper() if country else None,
        "state": state.upper() if state else None,
    }


def pdl_fields(record: Mapping[str, Any], industry_map: Mapping[str, str]) -> dict[str, Any]:
    country = country_code(_text(_get(record, "location.country")))
    return {
        "company": _text(record.get("display_name")) or _text(record.get("name")),
        "industry": _industry(record.get("industry"), industry_map),
        "employees": employees_from(record.get("employee_count"), record.get("size")),
        "revenue_band": revenue_band(_text(record.get("inferred_revenue"))),
        "country": country,
        "state": state_code(_text(_get(record, "location.region")), country) if country else None,
    }


# The members each contract's normaliser reads, and their JSON types. A member that is there
# with another type is a broken answer (invalid_response), not a company without data: it is
# never cached as a miss. Absent or null members are fine.
CLEARBIT_TYPES: dict[str, type | tuple[type, ...]] = {
    "name": str,
    "legalName": str,
    "category": dict,
    "category.industry": str,
    "metrics": dict,
    "metrics.employees": int,
    "metrics.employeesRange": str,
    "metrics.estimatedAnnualRevenue": str,
    "geo": dict,
    "geo.country": str,
    "geo.countryCode": str,
    "geo.state": str,
    "geo.stateCode": str,
}
PDL_TYPES: dict[str, type | tuple[type, ...]] = {
    "name": str,
    "display_name": str,
    "industry": str,
    "employee_count": int,
    "size": str,
    "inferred_revenue": str,
    "location": dict,
    "location.country": str,
    "location.region": str,
}


def wrong_types(
    record: Mapping[str, Any], types: Mapping[str, type | tuple[type, ...]]
) -> list[str]:
    """Members present with a type the contract does not allow (a bool is not an int)."""
    wrong = []
    for dotted, allowed in types.items():
        value = _get(record, dotted)
        if value is not None and (
            not isinstance(value, allowed) or (isinstance(value, bool) and allowed is int)
        ):
            wrong.append(f"{dotted} is {type(value).__name__}")
    return wrong


def parse_json_record(body: bytes, content_type: str) -> dict[str, Any]:
    """The answer as a JSON object, or a permanent error naming what was wrong with it."""
    if "json" not in content_type.lower():
        raise ProviderPermanentError(f"content type {content_type or 'missing'!r}", "bad_response")
    try:
        record = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ProviderPermanentError(f"malformed JSON: {exc}", "bad_response") from exc
    if not isinstance(record, dict):
        raise ProviderPermanentError("JSON answer is not an object", "bad_response")
    return record


def error_in_body(record: Mapping[str, Any]) -> str | None:
    """A 200 that is really an error: an ``error`` member, or PDL's own ``status`` not 200."""
    if record.get("error"):
        return f"error body: {json.dumps(record['error'])[:200]}"
    status = record.get("status")
    if isinstance(status, int) and status != 200:
        return f"status {status} in body"
    return None


def check_status(code: int, retry_after: float | None) -> None:
    """Raise what an HTTP status means for us; return quietly on 200 and 404."""
    if code in (200, 404):
        return
    if code == 202:
        raise ProviderTransientError("202 queued: the provider is still looking", "queued")
    if code == 429:
        raise ProviderTransientError("429 rate limited", "rate_limited", retry_after)
    if code in (401, 402, 403):
        raise ProviderDisabledError(f"{code}: key refused or out of credits", "provider_disabled")
    if code in (400, 422):
        raise ProviderPermanentError(f"{code}: the provider rejects this domain", "bad_input")
    if code >= 500 or code == 408:
        raise ProviderTransientError(f"{code} from the provider", "provider_error", retry_after)
    raise ProviderPermanentError(f"unexpected status {code}", EnrichmentStatus.BAD_RESPONSE)

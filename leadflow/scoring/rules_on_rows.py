"""Score table rows with the ICP rules, so the model is always compared with them on the same rows.

Rows from an export name lead fields their own way; the usual headers (and the ingest
aliases) map onto the fields the rules read. A band such as "200-499" keeps both ends.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from leadflow.core.types import LeadView
from leadflow.scoring.features import find_column
from leadflow.scoring.values import category_key, is_missing, parse_band
from leadflow.ingest.regions import country_code
from leadflow.scoring.score import score_lead

FIELD_HEADERS: dict[str, tuple[str, ...]] = {
    "industry": ("industry", "industry_vertical", "vertical", "sector"),
    "employees": (
        "employees",
        "employee_band",
        "employee_count",
        "number_of_employees",
        "company_size",
        "employee_range",
        "headcount",
        "numberofemployees",
    ),
    "revenue_band": (
        "revenue_band",
        "estimated_revenue_band",
        "annual_revenue",
        "revenue",
        "annualrevenue",
        "revenue_range",
    ),
    "title": ("title", "job_title", "jobtitle", "position"),
    "country": ("country", "country_code", "region", "hq_country"),
    "product_line": ("product_line", "product_interest", "product"),
    "company": ("company", "company_name", "account_name"),
    "email": ("email", "email_address"),
}


def rules_view(row: Mapping[str, Any], columns: Mapping[str, str], number: int) -> LeadView:

    def get(field: str) -> Any:
        column = columns.get(field)
        value = row.get(column) if column else None
        return None if is_missing(value) else value

    band = parse_band(get("employees"))
    country = get("country")
    email = str(get("email") or "")
    return LeadView(
        id=number,
        email=email,
        domain=email.partition("@")[2] or None,
        company=get("company"),
        title=get("title"),
        country=country_code(str(country)) if country else None,
        industry=get("industry"),
        employees=band,
        revenue_band=get("revenue_band"),
        product_line=get("product_line"),
    )


def rules_columns(headers: Sequence[str]) -> dict[str, str]:
    found = {}
    for field, names in FIELD_HEADERS.items():
        column = find_column(headers, names)
        if column:
            found[field] = column
    return found


def rules_scores(
    rows: Sequence[Mapping[str, Any]], headers: Sequence[str], policy: Any
) -> list[int]:

    columns = rules_columns(headers)
    return [score_lead(rules_view(row, columns, i), policy).score for i, row in enumerate(rows)]


__all__ = ["category_key", "rules_columns", "rules_scores", "rules_view"]

"""Headers people's exports use: revenue, the Chinese ones, and a hint for the unknown rest."""

from __future__ import annotations

import pytest

from leadflow.ingest.normalize import alias_hint, map_columns, normalize_row, revenue_band_of
from leadflow.core.types import CleanLead


@pytest.mark.parametrize(
    "header", ["Annual Revenue", "AnnualRevenue", "annual_revenue", "年营业额", "营收"]
)
def test_revenue_headers_map_to_revenue(header: str) -> None:
    assert map_columns([header])[0] == {header: "revenue"}


@pytest.mark.parametrize(
    ("header", "field"),
    [
        ("客户姓名", "full_name"),
        ("联系人", "full_name"),
        ("所在省份", "state"),
        ("所在城市", "city"),
        ("单位名称", "company"),
        ("手机号码", "phone"),
        ("电子邮箱", "email"),
        ("职务", "title"),
        ("所属行业", "industry"),
        ("员工数", "employees"),
    ],
)
def test_chinese_headers_map_to_their_fields(header: str, field: str) -> None:
    assert map_columns([header])[0] == {header: field}


@pytest.mark.parametrize(
    ("raw", "band"),
    [
        ("$12,000,000", "$10M-$50M"),
        ("75M", "$50M-$250M"),
        ("$1B+", "$1B+"),
        ("5000万", "$50M-$250M"),
        ("3亿", "$250M-$1B"),
        ("800000", "<$1M"),
        ("", None),
        ("n/a", None),
    ],
)
def test_revenue_values_become_the_bands_scoring_speaks(raw: str, band: str | None) -> None:
    assert revenue_band_of(raw) == band


def test_a_row_with_annual_revenue_carries_its_band() -> None:
    lead = normalize_row({"email": "ada@example.org", "revenue": "$120,000,000"}, 1, 2)
    assert isinstance(lead, CleanLead) and lead.revenue_band == "$50M-$250M"


@pytest.mark.parametrize(
    ("header", "line"),
    [
        ("客户所在省份名", "  state: [客户所在省份名]"),
        ("Annual Revenue (USD)", "  revenue: [Annual Revenue (USD)]"),
        ("Favourite colour", "  <field>: [Favourite colour]"),
    ],
)
def test_an_unknown_header_gets_the_alias_line_that_would_map_it(header: str, line: str) -> None:
    assert map_columns([header])[1] == [header]
    assert alias_hint(header) == line

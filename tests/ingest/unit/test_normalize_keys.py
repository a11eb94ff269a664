"""Normalized keys and flags: company key, phone E.164, disposable and role addresses."""

from __future__ import annotations

import pytest

from leadflow.ingest.company import company_key
from leadflow.ingest.normalize import map_columns, normalize_phone, normalize_row
from leadflow.core.types import CleanLead, Quarantined


@pytest.mark.parametrize(
    "a, b",
    [
        ("北京三体云动科技有限公司", "三体云动"),
        ("三体云动（中国）科技有限公司", "三体云动"),
        ("上海市三体云动信息技术股份有限公司", "三体云动"),
        ("Acme, Inc.", "ACME Corporation"),
        ("The Coca-Cola Company", "Coca-Cola"),
        ("Müller GmbH & Co. KG", "Muller"),
    ],
)
def test_the_same_company_written_two_ways_has_one_key(a: str, b: str) -> None:
    assert company_key(a) == company_key(b) is not None


def test_different_companies_in_the_same_city_keep_different_keys() -> None:
    # Raw string similarity puts these two closest; their keys must not collide.
    assert company_key("北京三体云动科技有限公司") != company_key("北京三快在线科技有限公司")
    assert company_key("Procter & Gamble") != company_key("Gamble Ltd")


@pytest.mark.parametrize(
    "raw, country, e164",
    [
        ("(415) 555-2671", "US", "+14155552671"),
        ("+86 138 0013 8000", None, "+8613800138000"),
        ("13800138000", "CN", "+8613800138000"),
        ("020 7946 0958", "GB", "+442079460958"),
    ],
)
def test_phones_become_e164_with_the_leads_country(
    raw: str, country: str | None, e164: str
) -> None:
    assert normalize_phone(raw, country) == e164


@pytest.mark.parametrize("raw, country", [("12345", "US"), ("call me", None), ("555-2671", None)])
def test_a_phone_that_cannot_be_read_gets_no_e164(raw: str, country: str | None) -> None:
    assert normalize_phone(raw, country) is None


def row(**fields: str) -> CleanLead | Quarantined:
    return normalize_row(fields, source_record_id=1, line_no=7)


def test_disposable_free_and_role_addresses_are_flagged() -> None:
    disposable, free, role = (
        row(email="x@mailinator.com"),
        row(email="x@qq.com"),
        row(email="Sales@acme.com"),
    )
    assert (
        isinstance(disposable, CleanLead)
        and disposable.is_disposable
        and not disposable.is_free_mail
    )
    assert isinstance(free, CleanLead) and free.is_free_mail and not free.is_disposable
    assert isinstance(role, CleanLead) and role.is_role_address
    assert not row(email="jane.doe@acme.com").is_role_address  # type: ignore[union-attr]


def test_a_formula_cell_is_quarantined_naming_the_field() -> None:
    result = row(email="a@acme.com", company='=HYPERLINK("http://evil.example","click")')
    assert (
        isinstance(result, Quarantined)
        and result.kind == "formula_cell"
        and "company" in result.reason
    )
    # A phone number's leading + is not a formula.
    assert isinstance(row(email="a@acme.com", phone="+1 415 555 2671"), CleanLead)


def test_control_characters_are_removed_and_emoji_kept() -> None:
    result = row(email="a@acme.com", company="Acme\x00\x07 Rockets 🚀", full_name="Zoë\u200b Ng")
    assert isinstance(result, CleanLead)
    assert result.company == "Acme Rockets 🚀" and result.full_name == "Zoë Ng"


def test_required_fields_from_policy_quarantine_rows_without_them() -> None:
    missing = normalize_row({"email": "a@acme.com", "company": "  "}, 1, 9, required=["company"])
    assert (
        isinstance(missing, Quarantined)
        and missing.kind == "missing_required"
        and "company" in missing.reason
    )
    assert isinstance(
        normalize_row({"email": "a@acme.com", "company": "Acme"}, 1, 9, required=["company"]),
        CleanLead,
    )


def test_policy_aliases_extend_the_built_in_ones() -> None:
    mapping, unknown = map_columns(
        ["Correo electrónico", "Firma", "Lieblingsfarbe"],
        {"email": ["Correo electrónico"], "company": ["Firma"]},
    )
    assert mapping == {"Correo electrónico": "email", "Firma": "company"} and unknown == [
        "Lieblingsfarbe"
    ]


def test_an_internationalized_address_is_accepted() -> None:
    result = row(email="王@例子.中国")
    assert isinstance(result, CleanLead) and result.domain.endswith("中国")


@pytest.mark.parametrize(
    "raw, months",
    [
        ("within 3 months", 3),
        ("1-3 months", 3),
        ("next year", 12),
        ("ASAP", 0),
        ("6个月", 6),
        ("2 years", 24),
        ("9", 9),
        ("Q1", None),
        ("不确定", None),
        ("", None),
    ],
)
def test_purchase_timeframe_in_months(raw: str, months: int | None) -> None:
    from leadflow.ingest.normalize import timeframe_months

    assert timeframe_months(raw) == months


def test_qualification_columns_become_answers() -> None:
    mapping, unknown = map_columns(["Email", "bant.budget", "BANT.Need", "Purchase Timeframe"])
    assert unknown == [] and mapping["BANT.Need"] == "qual:bant.need"
    result = row(
        email="a@acme.com",
        **{
            "qual:bant.budget": "yes",
            "qual:bant.need": "否",
            "purchase_timeframe": "within 6 months",
        },
    )
    assert isinstance(result, CleanLead)
    assert result.answers == (("bant", "budget", True), ("bant", "need", False))
    assert result.purchase_timeframe_months == 6

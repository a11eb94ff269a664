"""Raw rows to canonical leads: headers, email, names, domains, places, sizes."""

from __future__ import annotations

import pytest

from leadflow.ingest.normalize import map_columns, normalize_row, split_name
from leadflow.core.types import CleanLead, Quarantined


def clean(**fields: str | None) -> CleanLead:
    fields.setdefault("email", "ada@example.com")
    result = normalize_row(fields, source_record_id=10, line_no=3)
    assert isinstance(result, CleanLead), result
    return result


# --- headers -------------------------------------------------------------------------------


def test_english_webinar_headers_map_to_canonical_fields() -> None:
    headers = [
        "First Name",
        "Last Name",
        "Email Address",
        "Company Name",
        "Job Title",
        "Country/Region",
        "State/Province",
        "Phone",
    ]
    mapping, unknown = map_columns(headers)
    assert mapping == {
        "First Name": "first_name",
        "Last Name": "last_name",
        "Email Address": "email",
        "Company Name": "company",
        "Job Title": "title",
        "Country/Region": "country",
        "State/Province": "state",
        "Phone": "phone",
    }
    assert unknown == []


def test_salesforce_api_names_map_regardless_of_case() -> None:
    headers = [
        "FirstName",
        "LastName",
        "Email",
        "Company",
        "Title",
        "MobilePhone",
        "NumberOfEmployees",
        "Industry",
    ]
    mapping, unknown = map_columns(headers)
    assert [mapping[h] for h in headers] == [
        "first_name",
        "last_name",
        "email",
        "company",
        "title",
        "phone",
        "employees",
        "industry",
    ]
    assert unknown == []


def test_hubspot_export_labels_map_to_canonical_fields() -> None:
    # HubSpot's default contact property labels.
    headers = [
        "Email",
        "Job Title",
        "Company Name",
        "Country/Region",
        "State/Region",
        "Number of Employees",
    ]
    mapping, unknown = map_columns(headers)
    assert unknown == []
    assert mapping["State/Region"] == "state"


def test_chinese_trade_show_headers_map_to_canonical_fields() -> None:
    headers = ["姓名", "公司名称", "邮箱", "手机", "职位", "省份", "城市"]
    mapping, unknown = map_columns(headers)
    assert mapping == {
        "姓名": "full_name",
        "公司名称": "company",
        "邮箱": "email",
        "手机": "phone",
        "职位": "title",
        "省份": "state",
        "城市": "city",
    }
    assert unknown == []


def test_unknown_columns_are_reported_in_file_order() -> None:
    mapping, unknown = map_columns(["Email", "Registration Time", "Favorite Color"])
    assert mapping == {"Email": "email"}
    assert unknown == ["Registration Time", "Favorite Color"]


def test_second_header_for_an_already_mapped_field_is_reported_not_remapped() -> None:
    mapping, unknown = map_columns(["Email", "Work Email"])
    assert mapping == {"Email": "email"}
    assert unknown == ["Work Email"]


def test_byte_order_mark_on_first_header_is_ignored_for_matching() -> None:
    mapping, unknown = map_columns(["\ufeffEmail", "  Company   Name "])
    assert mapping == {"\ufeffEmail": "email", "  Company   Name ": "company"}
    assert unknown == []


# --- email ---------------------------------------------------------------------------------


def test_email_is_trimmed_and_lower_cased() -> None:
    lead = clean(email="  Ada.Lovelace@Example.COM \t")
    assert lead.email == "ada.lovelace@example.com"
    assert lead.domain == "example.com"


@pytest.mark.parametrize("raw", ["not-an-email", "ada@", "ada@example", "ada @example.com"])
def test_invalid_email_is_quarantined_as_invalid_email(raw: str) -> None:
    result = normalize_row({"email": raw, "company": "Acme"}, source_record_id=10, line_no=3)
    assert isinstance(result, Quarantined)
    assert (result.kind, result.source_record_id, result.line_no) == ("invalid_email", 10, 3)
    assert raw.strip() in result.reason


@pytest.mark.parametrize("raw", [None, "", "   "])
def test_blank_email_is_quarantined_as_missing_email(raw: str | None) -> None:
    result = normalize_row({"email": raw, "company": "Acme"}, source_record_id=10, line_no=3)
    assert isinstance(result, Quarantined)
    assert result.kind == "missing_email"


# --- names ---------------------------------------------------------------------------------


def test_western_full_name_splits_at_the_last_space() -> None:
    assert split_name("  Mary  Ann   Smith ") == ("Mary Ann", "Smith")
    lead = clean(full_name="Ada Lovelace")
    assert (lead.first_name, lead.last_name, lead.full_name) == ("Ada", "Lovelace", "Ada Lovelace")


def test_chinese_full_name_is_kept_whole_and_not_split() -> None:
    lead = clean(full_name="张伟")
    assert (lead.first_name, lead.last_name, lead.full_name) == (None, None, "张伟")


def test_single_word_name_is_not_guessed_into_first_and_last() -> None:
    assert split_name("Cher") == (None, None)


def test_first_and_last_names_build_the_full_name() -> None:
    lead = clean(first_name=" Grace ", last_name="Hopper")
    assert lead.full_name == "Grace Hopper"


def test_given_first_and_last_names_win_over_splitting_the_full_name() -> None:
    lead = clean(first_name="Jean", last_name="Dupont", full_name="Dr Jean-Luc Dupont")
    assert (lead.first_name, lead.last_name) == ("Jean", "Dupont")


# --- domains -------------------------------------------------------------------------------


@pytest.mark.parametrize("email", ["someone@qq.com", "someone@gmail.com", "someone@vip.163.com"])
def test_free_mail_providers_are_flagged(email: str) -> None:
    assert clean(email=email).is_free_mail is True


def test_company_domain_is_not_free_mail() -> None:
    assert clean(email="ops@acmeindustries.com").is_free_mail is False


@pytest.mark.parametrize(
    ("email", "domain"),
    [
        ("a@mail.eu.acme.com", "acme.com"),
        ("a@bj.huawei.com.cn", "huawei.com.cn"),
        ("a@shengshi-logistics.com.cn", "shengshi-logistics.com.cn"),
        ("a@london.example.co.uk", "example.co.uk"),
    ],
)
def test_domain_is_the_registrable_domain_not_the_subdomain(email: str, domain: str) -> None:
    assert clean(email=email).domain == domain


# --- places --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("USA", "US"),
        ("United States", "US"),
        ("UK", "GB"),
        ("中国", "CN"),
        ("Deutschland", "DE"),
        ("Germany", "DE"),
        ("NO", "NO"),
        ("Norway", "NO"),
    ],
)
def test_country_as_humans_type_it_becomes_iso_code(typed: str, code: str) -> None:
    assert clean(country=typed).country == code


def test_unrecognised_country_is_left_empty_rather_than_guessed() -> None:
    assert clean(country="Atlantis").country is None


@pytest.mark.parametrize(
    ("country", "state", "code"),
    [
        ("中国", "广东省", "GD"),
        ("中国", "北京市", "BJ"),
        ("中国", "上海", "SH"),
        ("China", "Guangdong", "GD"),
        ("China", "Guangdong Province", "GD"),
        ("USA", "California", "CA"),
        ("US", "CA", "CA"),
        ("Germany", "Bavaria", "BY"),
    ],
)
def test_state_as_humans_type_it_becomes_subdivision_code(
    country: str, state: str, code: str
) -> None:
    assert clean(country=country, state=state).state == code


def test_chinese_province_alone_infers_china() -> None:
    lead = clean(state="广东省")
    assert (lead.country, lead.state) == ("CN", "GD")


def test_english_state_without_country_is_not_guessed() -> None:
    lead = clean(state="California")
    assert (lead.country, lead.state) == (None, None)


# --- employees -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "count"),
    [
        ("1,200", 1200),
        ("1200", 1200),
        (" 350 ", 350),
        ("500人", 500),
        ("", None),
        ("n/a", None),
    ],
)
def test_employee_count_is_parsed_from_human_formatting(typed: str, count: int | None) -> None:
    assert clean(employees=typed).employees == count


def test_employee_range_is_not_read_as_one_concatenated_number() -> None:
    # "company size" exports give bands like "201-500"; 201500 would make it enterprise.
    employees = clean(employees="201-500").employees
    assert employees is None or 201 <= employees <= 500

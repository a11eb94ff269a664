"""Raw rows to canonical leads: header aliases, email, names, places."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from functools import lru_cache

import tldextract
from email_validator import EmailNotValidError, validate_email

from leadflow.domain.regions import country_code, infer_country_from_state, state_code
from leadflow.domain.types import CleanLead, Quarantined

# Canonical field -> headers seen in Salesforce, HubSpot, webinar tools and Chinese exports.
COLUMN_ALIASES: dict[str, tuple[str, ...]] = {
    "email": ("email", "e-mail", "email address", "work email", "business email", "邮箱",
              "电子邮箱", "邮件", "电子邮件"),
    "first_name": ("first name", "firstname", "given name", "名"),
    "last_name": ("last name", "lastname", "surname", "family name", "姓"),
    "full_name": ("name", "full name", "contact name", "姓名", "联系人"),
    "company": ("company", "company name", "organization", "organisation", "account name",
                "公司", "公司名称", "单位", "单位名称", "企业名称"),
    "title": ("title", "job title", "position", "jobtitle", "职位", "职务", "头衔"),
    "phone": ("phone", "phone number", "mobile", "mobilephone", "telephone", "手机",
              "电话", "手机号", "联系电话"),
    "country": ("country", "country/region", "country code", "countrycode", "国家",
                "国家/地区"),
    "state": ("state", "state/province", "state/region", "province", "region", "省份", "省",
              "地区"),
    "city": ("city", "town", "城市", "市"),
    "employees": ("employees", "number of employees", "numberofemployees", "numemployees",
                  "company size", "no_of_employees", "员工人数", "公司规模"),
    "industry": ("industry", "行业"),
    "product_line": ("product interest", "product line", "product", "感兴趣的产品", "产品线"),
}
ALIAS_TO_FIELD = {alias: field for field, aliases in COLUMN_ALIASES.items() for alias in aliases}

FREE_MAIL_DOMAINS = frozenset({
    "gmail.com", "googlemail.com", "yahoo.com", "yahoo.co.uk", "hotmail.com", "outlook.com",
    "live.com", "msn.com", "aol.com", "icloud.com", "me.com", "proton.me", "protonmail.com",
    "gmx.de", "gmx.net", "web.de", "mail.ru", "yandex.ru", "qq.com", "163.com", "126.com",
    "sina.com", "sina.cn", "sohu.com", "foxmail.com", "yeah.net", "139.com", "aliyun.com",
})

_SPACES = re.compile(r"\s+")
_HAN = re.compile(r"[\u3400-\u9fff]")


@lru_cache(maxsize=1)
def _domain_parser() -> tldextract.TLDExtract:
    # The bundled public-suffix snapshot: no network fetch at run time.
    return tldextract.TLDExtract(suffix_list_urls=())


def header_key(header: str) -> str:
    return _SPACES.sub(" ", header.replace("\ufeff", "").strip().lower())


def map_columns(headers: Iterable[str]) -> tuple[dict[str, str], list[str]]:
    """Header -> canonical field, plus the headers nobody knows (to warn about)."""
    mapping: dict[str, str] = {}
    unknown: list[str] = []
    for header in headers:
        field = ALIAS_TO_FIELD.get(header_key(header))
        if field and field not in mapping.values():
            mapping[header] = field
        else:
            unknown.append(header)
    return mapping, unknown


def normalize_email(raw: str | None) -> str:
    """Trimmed, validated, lower-cased address; raises ValueError with the reason."""
    text = (raw or "").strip()
    if not text:
        raise ValueError("missing email")
    try:
        result = validate_email(text, check_deliverability=False)
    except EmailNotValidError as exc:
        raise ValueError(f"invalid email {text!r}: {exc}") from exc
    return result.normalized.lower()


def registrable_domain(email: str) -> str:
    host = email.rsplit("@", 1)[1]
    parts = _domain_parser()(host)
    return parts.top_domain_under_public_suffix or host


def split_name(full: str) -> tuple[str | None, str | None]:
    """'Ada Lovelace' -> ('Ada', 'Lovelace'); Chinese names stay whole (no reliable split)."""
    text = _SPACES.sub(" ", full.strip())
    if not text or _HAN.search(text) or " " not in text:
        return None, None
    first, last = text.rsplit(" ", 1)
    return first, last


def _clean_text(value: str | None) -> str | None:
    if value is None:
        return None
    text = _SPACES.sub(" ", str(value)).strip()
    return text or None


_THOUSANDS = re.compile(r"(?<=\d)[,.\s](?=\d{3}\b)")


def _employees(value: str | None) -> int | None:
    """'1,200' -> 1200; a band like '201-500' or '10,001+' -> its lower bound.

    Segment boundaries follow the bands' lower bounds, so the lower bound segments right.
    """
    numbers = re.findall(r"\d+", _THOUSANDS.sub("", value or ""))
    if not numbers or len(numbers[0]) > 8:
        return None
    return int(numbers[0])


def normalize_row(
    fields: Mapping[str, str | None], source_record_id: int, line_no: int
) -> CleanLead | Quarantined:
    """One canonical-keyed row to a clean lead, or to quarantine with the reason."""
    try:
        email = normalize_email(fields.get("email"))
    except ValueError as exc:
        kind = "missing_email" if not (fields.get("email") or "").strip() else "invalid_email"
        return Quarantined(source_record_id, line_no, kind, str(exc))
    domain = registrable_domain(email)
    raw_state = _clean_text(fields.get("state"))
    country = country_code(fields.get("country")) or infer_country_from_state(raw_state)
    first, last = _clean_text(fields.get("first_name")), _clean_text(fields.get("last_name"))
    full = _clean_text(fields.get("full_name"))
    if full and not (first or last):
        first, last = split_name(full)
    elif not full and (first or last):
        full = " ".join(part for part in (first, last) if part)
    return CleanLead(
        source_record_id=source_record_id,
        line_no=line_no,
        email=email,
        domain=domain,
        is_free_mail=domain in FREE_MAIL_DOMAINS,
        first_name=first,
        last_name=last,
        full_name=full,
        company=_clean_text(fields.get("company")),
        title=_clean_text(fields.get("title")),
        phone=_clean_text(fields.get("phone")),
        country=country,
        state=state_code(raw_state, country),
        city=_clean_text(fields.get("city")),
        employees=_employees(fields.get("employees")),
        industry=_clean_text(fields.get("industry")),
        product_line=_clean_text(fields.get("product_line")),
    )

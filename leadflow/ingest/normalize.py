"""Raw rows to canonical leads: header aliases, email, names, places."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from functools import lru_cache

import phonenumbers
import tldextract
from email_validator import EmailNotValidError, validate_email

from leadflow.core.safe_csv import is_formula
from leadflow.ingest.company import company_key
from leadflow.ingest.regions import country_code, infer_country_from_state, state_code
from leadflow.core.types import CleanLead, Quarantined
from leadflow.core.answers import parse_answer
from leadflow.enrich.normalize import revenue_band
from leadflow.ingest.vocabulary import (
    SPECIAL_USE_TLDS,
    COLUMN_ALIASES,
    DISPOSABLE,
    FREE_MAIL_DOMAINS,
    ROLE_LOCAL_PARTS,
)

# "<model>.<question>" columns carry qualification answers (scoring/qualification.yaml).
QUALIFICATION_HEADER = re.compile(r"^([a-z][a-z0-9_]*)\.([a-z][a-z0-9_]*)$")
ALIAS_TO_FIELD = {alias: field for field, aliases in COLUMN_ALIASES.items() for alias in aliases}

# Controls, the zero-width space and bidi controls (U+202E shows "gpj.exe" as "exe.jpg").
# Not U+200C/U+200D: joiners are part of Persian and Indic names.
_CONTROL = re.compile(
    r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b\u200e\u200f\u202a-\u202e\u2066-\u2069"
    r"\u061c\ufeff]"
)

_SPACES = re.compile(r"\s+")
_HAN = re.compile(r"[\u3400-\u9fff]")


@lru_cache(maxsize=1)
def _domain_parser() -> tldextract.TLDExtract:
    # The bundled public-suffix snapshot: no network fetch at run time.
    return tldextract.TLDExtract(suffix_list_urls=())


def header_key(header: str) -> str:
    return _SPACES.sub(" ", header.replace("\ufeff", "").strip().lower())


def map_columns(
    headers: Iterable[str], extra_aliases: Mapping[str, Iterable[str]] | None = None
) -> tuple[dict[str, str], list[str]]:
    """Header -> canonical field, plus the headers nobody knows (to warn about).

    ``extra_aliases`` (field -> headers, from the ingest policy) add to the built-in ones.
    The first header that maps to a field wins; a second one is reported as unknown.
    """
    aliases = dict(ALIAS_TO_FIELD)
    for field, names in (extra_aliases or {}).items():
        aliases.update({header_key(name): field for name in names})
    mapping: dict[str, str] = {}
    unknown: list[str] = []
    for header in headers:
        question = QUALIFICATION_HEADER.match(header_key(header))
        target = (
            f"qual:{question.group(1)}.{question.group(2)}"
            if question
            else aliases.get(header_key(header))
        )
        if target and target not in mapping.values():
            mapping[header] = target
        else:
            unknown.append(header)
    return mapping, unknown


# The everyday address (ASCII dot-atoms, a dotted domain, a letters-only TLD) is accepted
# by this pattern in ~1 µs; anything else goes to email-validator (~60 µs), which has the
# last word. The pattern accepts a strict subset of what email-validator accepts (tested).
# A domain with "--" is left to the validator: IDNA reserves labels with dashes in the
# third and fourth places ("ab--cd" is refused, "xn--..." is punycode it decodes).
_PLAIN_EMAIL = re.compile(
    r"(?=.{6,254}$)(?=[^@]{1,64}@)"
    r"[a-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@(?!\S*--)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}"
)


def normalize_email(raw: str | None) -> str:
    """Trimmed, validated, lower-cased address; raises ValueError with the reason."""
    text = (raw or "").strip()
    if not text:
        raise ValueError("missing email")
    lowered = text.lower()
    if _PLAIN_EMAIL.fullmatch(lowered) and lowered.rsplit(".", 1)[1] not in SPECIAL_USE_TLDS:
        return lowered
    try:
        result = validate_email(text, check_deliverability=False)
    except EmailNotValidError as exc:
        raise ValueError(f"invalid email {text!r}: {exc}") from exc
    return result.normalized.lower()


def registrable_domain(email: str) -> str:
    return _registrable_host(email.rsplit("@", 1)[1])


# Memoised by value (bounded LRU): a campaign repeats its domains, companies, countries and
# states row after row, and each costs a suffix-list walk or a table scan to work out again.
MEMO = 1 << 16


@lru_cache(maxsize=MEMO)
def _registrable_host(host: str) -> str:
    return _domain_parser()(host).top_domain_under_public_suffix or host


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
    text = str(value)
    # Printable text holds no control (Unicode Cc/Cf) and no space but the ASCII one: with no
    # double space the two substitutions would change nothing, and most fields are like that.
    if not (text.isprintable() and "  " not in text):
        text = _SPACES.sub(" ", _CONTROL.sub("", text))
    return text.strip() or None


@lru_cache(maxsize=MEMO)
def normalize_phone(raw: str | None, country: str | None) -> str | None:
    """E.164 when the number is valid for the lead's country (or carries its own +code)."""
    if not raw:
        return None
    try:
        number = phonenumbers.parse(raw, country or None)
    except phonenumbers.NumberParseException:
        return None
    if not _is_valid(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _is_valid(number: phonenumbers.PhoneNumber) -> bool:
    """phonenumbers.is_valid_number, sooner for a number of its code's main region.

    is_valid_number first finds the number's region by trying each region sharing its calling
    code in turn (25 for +1), then validates for that one. The main region comes first in that
    list; when it has no leading-digits rule it is chosen exactly when the number is valid for
    it, so a number valid there is valid, with one region tried instead of many."""
    main, only = _main_region(number.country_code or 0)
    if main is not None and phonenumbers.is_valid_number_for_region(number, main):
        return True
    if main is not None and only:
        return False  # the code's only region: the one is_valid_number would validate for
    return bool(phonenumbers.is_valid_number(number))


@lru_cache(maxsize=512)
def _main_region(calling_code: int) -> tuple[str | None, bool]:
    """The first region of a calling code when region lookup would pick it by pattern alone,
    and whether it is the code's only region."""
    regions = phonenumbers.COUNTRY_CODE_TO_REGION_CODE.get(calling_code, ())
    if not regions or regions[0] == phonenumbers.UNKNOWN_REGION:
        return None, False
    metadata = phonenumbers.PhoneMetadata.metadata_for_region(regions[0])
    if metadata is None or metadata.leading_digits is not None:
        return None, False
    return regions[0], len(regions) == 1


_MONTHS = re.compile(
    r"(\d+)\s*(?:-\s*(\d+)\s*)?(month|mo|个月|月|year|yr|年|week|wk|周|day|天|quarter|季度)?",
    re.IGNORECASE,
)
_NOW_WORDS = ("immediately", "asap", "now", "立即", "马上", "尽快")
_UNIT_MONTHS = {
    "year": 12,
    "yr": 12,
    "年": 12,
    "quarter": 3,
    "季度": 3,
    "week": 0.25,
    "wk": 0.25,
    "周": 0.25,
    "day": 1 / 30,
    "天": 1 / 30,
}


@lru_cache(maxsize=MEMO)
def timeframe_months(raw: str | None) -> int | None:
    """'within 3 months' -> 3, '1-3 months' -> 3 (the far end), 'next year' -> 12, 'ASAP' -> 0."""
    text = (raw or "").strip().lower()
    if not text:
        return None
    if any(word in text for word in _NOW_WORDS):
        return 0
    if "next year" in text or "明年" in text:
        return 12
    found = _MONTHS.search(text)
    if not found or (found.group(3) is None and not text.isdigit()):
        return None  # "Q1", "soon": a person should say it in months
    amount = int(found.group(2) or found.group(1))
    return round(amount * _UNIT_MONTHS.get((found.group(3) or "month").lower(), 1))


def _answers(fields: Mapping[str, str | None]) -> tuple[tuple[str, str, bool], ...]:

    found = []
    for key, value in fields.items():
        if key.startswith("qual:") and (answer := parse_answer(value or "")) is not None:
            model, question = key[5:].split(".", 1)
            found.append((model, question, answer))
    return tuple(found)


def _formula_field(fields: Mapping[str, str | None]) -> str | None:
    # A spreadsheet formula or DDE payload in a lead field is an export accident or an
    # injection attempt: the rule every export neutralises by (leadflow/core/safe_csv.py).
    return next((name for name, value in fields.items() if value and is_formula(str(value))), None)


_THOUSANDS = re.compile(r"(?<=\d)[,.\s](?=\d{3}\b)")


@lru_cache(maxsize=MEMO)
def _employees(value: str | None) -> int | None:
    """'1,200' -> 1200; a band like '201-500' or '10,001+' -> its lower bound.

    Segment boundaries follow the bands' lower bounds, so the lower bound segments right.
    """
    numbers = re.findall(r"\d+", _THOUSANDS.sub("", value or ""))
    if not numbers or len(numbers[0]) > 8:
        return None
    return int(numbers[0])


_CHINESE_SCALE = {"万": 1e4, "亿": 1e8}
_CHINESE_AMOUNT = re.compile(r"(\d+(?:\.\d+)?)\s*(万|亿)")


@lru_cache(maxsize=MEMO)
def revenue_band_of(value: str | None) -> str | None:
    """'$12,000,000', '12M', '$10M-$50M', '5000万' -> the revenue band scoring speaks."""

    text = _THOUSANDS.sub("", (value or "").strip())
    chinese = _CHINESE_AMOUNT.search(text)
    if chinese:
        text = f"{float(chinese.group(1)) * _CHINESE_SCALE[chinese.group(2)]:.0f}"
    return revenue_band(text)


def alias_hint(header: str) -> str:
    """The line of ingest_rules/ingest.yaml (under ``aliases:``) that would map ``header``.

    The field is guessed from the longest known header inside it ("所在省份" holds "省份"),
    else left for the reader to choose.
    """
    key = header_key(header)
    inside = [alias for alias in ALIAS_TO_FIELD if len(alias) > 1 and alias in key]
    field = ALIAS_TO_FIELD[max(inside, key=len)] if inside else "<field>"
    return f"  {field}: [{header}]"


def normalize_row(
    fields: Mapping[str, str | None],
    source_record_id: int,
    line_no: int,
    required: Iterable[str] = (),
) -> CleanLead | Quarantined:
    """One canonical-keyed row to a clean lead, or to quarantine with the reason.

    Email is always required (it is the lead's identity); ``required`` adds fields.
    """
    formula = _formula_field(fields)
    if formula:
        return Quarantined(
            source_record_id,
            line_no,
            "formula_cell",
            f"{formula} holds a spreadsheet formula: {str(fields[formula])[:60]!r}",
        )
    missing = [name for name in required if name != "email" and not _clean_text(fields.get(name))]
    if missing:
        return Quarantined(
            source_record_id,
            line_no,
            "missing_required",
            f"required field(s) empty: {', '.join(missing)}",
        )
    try:
        email = normalize_email(fields.get("email"))
    except ValueError as exc:
        kind = "missing_email" if not (fields.get("email") or "").strip() else "invalid_email"
        return Quarantined(source_record_id, line_no, kind, str(exc))
    return _clean_lead(fields, source_record_id, line_no, email)


def _names(fields: Mapping[str, str | None]) -> tuple[str | None, str | None, str | None]:
    """First, last and full name, each filled from the others where it can be."""
    first, last = _clean_text(fields.get("first_name")), _clean_text(fields.get("last_name"))
    full = _clean_text(fields.get("full_name"))
    if full and not (first or last):
        first, last = split_name(full)
    elif not full and (first or last):
        full = " ".join(part for part in (first, last) if part)
    return first, last, full


def _clean_lead(
    fields: Mapping[str, str | None], source_record_id: int, line_no: int, email: str
) -> CleanLead:
    domain = registrable_domain(email)
    raw_state = _clean_text(fields.get("state"))
    country = country_code(fields.get("country")) or infer_country_from_state(raw_state)
    company = _clean_text(fields.get("company"))
    first, last, full = _names(fields)
    phone = _clean_text(fields.get("phone"))
    return CleanLead(
        source_record_id=source_record_id,
        line_no=line_no,
        email=email,
        domain=domain,
        is_free_mail=domain in FREE_MAIL_DOMAINS,
        is_disposable=domain in DISPOSABLE,
        is_role_address=email.split("@", 1)[0].split("+", 1)[0] in ROLE_LOCAL_PARTS,
        first_name=first,
        last_name=last,
        full_name=full,
        company=company,
        company_key=company_key(company),
        title=_clean_text(fields.get("title")),
        phone=phone,
        phone_e164=normalize_phone(phone, country),
        country=country,
        state=state_code(raw_state, country),
        city=_clean_text(fields.get("city")),
        employees=_employees(fields.get("employees")),
        revenue_band=revenue_band_of(fields.get("revenue")),
        industry=_clean_text(fields.get("industry")),
        product_line=_clean_text(fields.get("product_line")),
        purchase_timeframe_months=timeframe_months(fields.get("purchase_timeframe")),
        answers=_answers(fields),
    )

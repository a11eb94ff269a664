"""Index keys for finding a row's stored look-alikes with one indexed query per key."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from leadflow.dedupe.engine.names import name_sound
from leadflow.dedupe.engine.text import fold, norm_company, norm_name

GMAIL = frozenset({"gmail.com", "googlemail.com"})


@lru_cache(maxsize=100_000)  # ingest asks twice per row (lookup, then the new lead's column)
def name_key(first: str | None, last: str | None, full: str | None) -> str | None:
    """A person-name key robust to case, accents, width, script, spelling by ear and name order.

    The sorted Soundex codes of the first and last parts (names.name_sound): "Jon Smith",
    "SMITH John" and "John Smith" share j500 s530; 郭秀英, "Xiuying Guo" and "Guō Xiùyīng"
    share g000 x520 (a Chinese name's parts are its surname and given name in pinyin), and
    張偉 and 张伟 share w000 z520.
    """
    text = norm_name(full or " ".join(p for p in (first, last) if p))
    return name_sound(text)[:100] if text and name_sound(text) else None


@lru_cache(maxsize=100_000)
def mailbox_key(email: str, gmail_dots: bool = True, plus_tags: str = "gmail") -> str:
    """The mailbox an address delivers to, per policy.

    gmail_dots: dots in a Gmail local part are ignored and googlemail.com is gmail.com.
    plus_tags: "gmail" drops "+tag" at Gmail only, "all" everywhere, "none" never.
    """
    text = fold(email) or email
    local, _, domain = text.replace(" ", "").rpartition("@")
    if not local:
        return text
    gmail = domain in GMAIL
    if gmail and gmail_dots:
        domain = "gmail.com"
        local = local.replace(".", "")
    if plus_tags == "all" or (plus_tags == "gmail" and gmail):
        local = local.split("+", 1)[0] or local
    return f"{local}@{domain}"


@dataclass(frozen=True)
class LeadKeys:
    """The indexed lead columns (see models.Lead)."""

    name_key: str | None
    email_key: str | None
    domain_name_key: str | None  # company domain | name key (free-mail domains say nothing)
    company_name_key: str | None  # company key | name key

    def columns(self) -> dict[str, str | None]:
        return dict(self.__dict__)


@lru_cache(maxsize=100_000)
def _company_core(company: str) -> str | None:
    return norm_company(company)


def _joined(first: str | None, second: str | None, width: int) -> str | None:
    return f"{first}|{second}"[:width] if first and second else None


def lead_keys(
    lead: Mapping[str, Any], gmail_dots: bool = True, plus_tags: str = "gmail"
) -> LeadKeys:
    """Keys of a lead or clean row (email, names, domain, is_free_mail, company).

    The company part is the matcher's core name, not Lead.company_key: it also folds
    traditional characters (三體雲動 is 三体云动)."""
    name = name_key(lead.get("first_name"), lead.get("last_name"), lead.get("full_name"))
    domain = None if lead.get("is_free_mail") else lead.get("domain")
    email = lead.get("email")
    return LeadKeys(
        name,
        mailbox_key(email, gmail_dots, plus_tags) if email else None,
        _joined(domain, name, 360),
        _joined(_company_core(lead["company"]) if lead.get("company") else None, name, 400),
    )

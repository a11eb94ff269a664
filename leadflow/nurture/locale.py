"""Which language a lead (or a rep) reads, from what we know about them. Pure.

The order is the policy: an explicit choice (a column in the lead's file, or set by hand)
wins; then the province (a country may speak several languages), then the country; the
script of the person's name decides only when no country is known, since a name says
little about the language of someone whose country we know.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache
from typing import Any

from babel import Locale, UnknownLocaleError


class LocaleSource(StrEnum):
    EXPLICIT = "explicit"
    STATE = "state"
    COUNTRY = "country"
    NAME_SCRIPT = "name_script"
    DEFAULT = "default"


@dataclass(frozen=True)
class LeadLocale:
    locale: str  # a BCP 47 tag the policy supports, e.g. en or zh-CN
    source: LocaleSource  # recorded with the decisions that used it


# Unicode character-name prefixes -> script. Enough for the scripts people's names come in.
_SCRIPTS = (
    ("CJK UNIFIED IDEOGRAPH", "Han"),
    ("CJK COMPATIBILITY IDEOGRAPH", "Han"),
    ("HIRAGANA", "Kana"),
    ("KATAKANA", "Kana"),
    ("HANGUL", "Hangul"),
    ("CYRILLIC", "Cyrillic"),
    ("GREEK", "Greek"),
    ("ARABIC", "Arabic"),
    ("HEBREW", "Hebrew"),
    ("THAI", "Thai"),
    ("DEVANAGARI", "Devanagari"),
    ("LATIN", "Latin"),
)


def _script_of(char: str) -> str | None:
    name = unicodedata.name(char, "")
    return next((script for prefix, script in _SCRIPTS if name.startswith(prefix)), None)


def name_script(names: Iterable[str | None]) -> str | None:
    """The script most letters of the names are written in; Kana anywhere means Japanese."""
    counts: dict[str, int] = {}
    for name in names:
        for char in name or "":
            script = _script_of(char) if char.isalpha() else None
            if script:
                counts[script] = counts.get(script, 0) + 1
    if not counts:
        return None
    if "Kana" in counts:  # Japanese names mix kanji and kana; Chinese ones never use kana
        return "Kana"
    return max(sorted(counts), key=lambda s: counts[s])


@lru_cache(maxsize=256)
def babel_locale(tag: str) -> Locale:
    """The Babel locale of a BCP 47 tag (zh-CN -> zh_Hans_CN); a ValueError names a bad one."""
    try:
        return Locale.parse(tag.replace("_", "-"), sep="-")
    except (UnknownLocaleError, ValueError) as exc:
        raise ValueError(f"unknown locale {tag!r} (use a tag like en, de or zh-CN)") from exc


def supported_tag(tag: str | None, supported: Iterable[str]) -> str | None:
    """The supported tag for a requested one: exact (any case, - or _), else same language."""
    if not tag or not tag.strip():
        return None
    wanted = tag.strip().replace("_", "-").lower()
    tags = list(supported)
    exact = next((t for t in tags if t.lower() == wanted), None)
    if exact:
        return exact
    language = wanted.split("-")[0]
    return next((t for t in tags if t.lower().split("-")[0] == language), None)


def resolve_locale(
    rules: Any,
    *,
    explicit: str | None = None,
    country: str | None = None,
    state: str | None = None,
    names: Iterable[str | None] = (),
) -> LeadLocale:
    """``rules``: the policy's LocalePolicy (default, supported, by_country, by_state...)."""
    chosen = supported_tag(explicit, rules.supported)
    if chosen:
        return LeadLocale(chosen, LocaleSource.EXPLICIT)
    country = (country or "").upper() or None
    if country:
        by_state: Mapping[str, str] = rules.by_state.get(country, {})
        if state and state.upper() in by_state:
            return LeadLocale(by_state[state.upper()], LocaleSource.STATE)
        return LeadLocale(
            rules.by_country.get(country, rules.default),
            LocaleSource.COUNTRY if country in rules.by_country else LocaleSource.DEFAULT,
        )
    script = name_script(names)
    if script and script in rules.by_script:
        return LeadLocale(rules.by_script[script], LocaleSource.NAME_SCRIPT)
    return LeadLocale(rules.default, LocaleSource.DEFAULT)


def lead_locale(rules: Any, lead: Mapping[str, Any]) -> LeadLocale:
    """From a lead's fields as the outbox reads them (locale, country, state, names)."""
    return resolve_locale(
        rules,
        explicit=lead.get("locale"),
        country=lead.get("country"),
        state=lead.get("state"),
        names=(lead.get("full_name"), lead.get("first_name"), lead.get("last_name")),
    )


def fallbacks(tag: str) -> tuple[str, ...]:
    """Template suffixes to try, most specific first: zh-CN, then zh; "" is the default set."""
    parts = tag.split("-")
    return tuple("-".join(parts[:n]) for n in range(len(parts), 0, -1))

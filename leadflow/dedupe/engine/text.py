"""Value normalization per kind, and the derived keys blocking and comparison use.

Every function maps one raw value to a normalized string or None; callers apply it once per
distinct raw value (see ``columns.py``), so their cost scales with the vocabulary, not the rows.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from functools import lru_cache

from leadflow.ingest.company import CN_GENERIC, CN_LEGAL, CN_PLACES, company_key
from leadflow.dedupe.kinds import EmailPolicy, Kind

_HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_NON_WORD = re.compile(r"[^\w\u3400-\u9fff]+")
_SPACES = re.compile(r"\s+")
_DIGITS = re.compile(r"\D+")
# A bracketed region or country inside a Chinese company name: （北京）, (中国), 【深圳】.
_CN_BRACKET = re.compile(r"[（(【\[]\s*([\u3400-\u9fff]{1,6}?)(?:省|市)?\s*[)）】\]]")
GMAIL = frozenset({"gmail.com", "googlemail.com"})
# Providers that deliver "local+tag@" to "local@".
PLUS_PROVIDERS = frozenset(
    {
        "gmail.com",
        "googlemail.com",
        "outlook.com",
        "hotmail.com",
        "live.com",
        "icloud.com",
        "me.com",
        "proton.me",
        "protonmail.com",
        "fastmail.com",
        "yahoo.com",
        "qq.com",
        "foxmail.com",
    }
)


def has_han(text: str) -> bool:
    return _HAN.search(text) is not None


@lru_cache(maxsize=1)
def _t2s() -> Callable[[str], str]:
    """Traditional -> simplified, offline; identity when OpenCC is not installed."""
    try:
        import opencc  # type: ignore[import-untyped]
    except ImportError:  # pragma: no cover - optional
        return lambda text: text
    return opencc.OpenCC("t2s").convert  # type: ignore[no-any-return]


def simplified(text: str) -> str:
    return _t2s()(text) if has_han(text) else text


_NULLS = frozenset({"nan", "none", "null", "n/a", "-"})


def fold(raw: object) -> str | None:
    """NFKC, lower case, single spaces; Latin accents dropped; Chinese made simplified."""
    if raw is None:
        return None
    text = str(raw)
    if not text.isascii():  # ASCII is its own NFKC and has no Han: most values skip all of this
        text = unicodedata.normalize("NFKC", text)
    text = text.strip().lower()
    if not text or text in _NULLS:
        return None
    if text.isascii():
        pass
    elif has_han(text):
        text = simplified(text)
    else:
        text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return " ".join(text.split()) or None


def norm_name(raw: object) -> str | None:
    text = fold(raw)
    if text is None:
        return None
    if has_han(text):
        return _NON_WORD.sub("", text) or None
    return _SPACES.sub(" ", _NON_WORD.sub(" ", text)).strip() or None


DEFAULT_POLICY = EmailPolicy()


def norm_email(raw: object, policy: EmailPolicy = DEFAULT_POLICY) -> str | None:
    text = fold(raw)
    if text is None or text.count("@") != 1:
        return None
    local, domain = text.replace(" ", "").split("@")
    if not local or "." not in domain:
        return None
    if domain == "googlemail.com" and policy.gmail_dots:
        domain = "gmail.com"
    if policy.plus_tags == "all" or (policy.plus_tags == "known" and domain in PLUS_PROVIDERS):
        local = local.split("+", 1)[0] or local
    if policy.gmail_dots and domain in GMAIL:
        local = local.replace(".", "")
    return f"{local}@{domain}"


def norm_phone(raw: object) -> str | None:
    """The last nine digits: the same for +86 138-0013-8000, 0086 13800138000 and 138 0013 8000.

    Nine digits outlive country codes and trunk prefixes and are still nearly unique; the
    pipeline may pass E.164 values, which key the same way.
    """
    if raw is None:
        return None
    digits = _DIGITS.sub("", unicodedata.normalize("NFKC", str(raw)))
    return digits[-9:] if len(digits) >= 7 else None


@lru_cache(maxsize=1)
def _domain_parser():  # type: ignore[no-untyped-def]
    import tldextract

    return tldextract.TLDExtract(suffix_list_urls=())


def norm_domain(raw: object) -> str | None:
    """Registrable domain of a URL, host or email address: https://www.shop.acme.co.uk/x -> acme.co.uk."""
    text = fold(raw)
    if text is None:
        return None
    return _registrable(text.rsplit("@", 1)[-1])


@lru_cache(maxsize=100_000)
def _registrable(host: str) -> str | None:
    """The registrable part of what follows an address's @: a company's people share it, so
    each is parsed once (the public-suffix lookup was 8% of account matching's time in a
    40k-row profile)."""
    host = re.sub(r"^[a-z]+://", "", host).split("/", 1)[0].split(":", 1)[0].strip(".")
    if "." not in host:
        return None
    parts = _domain_parser()(host)
    return parts.top_domain_under_public_suffix or host


_MONTHS = "jan feb mar apr may jun jul aug sep oct nov dec".split()
_MONTH = re.compile(r"\b(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?", re.IGNORECASE)


def norm_date(raw: object) -> str | None:
    """YYYYMMDD when the value reads as a date with the year first or last, else its digits."""
    text = fold(raw)
    if text is None:
        return None
    month_first = _MONTH.match(text) is not None  # "March 12, 1980" as against "12 Mar 1980"
    text = _MONTH.sub(lambda m: f" {_MONTHS.index(m.group(1)[:3].lower()) + 1} ", text)
    parts = [p for p in re.split(r"\D+", text) if p]
    if month_first and len(parts) == 3 and len(parts[2]) == 4:
        parts = [parts[2], parts[0], parts[1]]
    if len(parts) == 3:
        if len(parts[0]) == 4:
            y, m, d = parts
        elif len(parts[2]) == 4:
            d, m, y = parts  # day first, the common order outside the US
        else:
            return "".join(parts)
        return f"{y}{m.zfill(2)}{d.zfill(2)}"
    digits = "".join(parts)
    return digits or None


def _float_suffix(text: str) -> str:
    """'2119.0' -> '2119': a number column read as floats."""
    return text[:-2] if text.endswith(".0") and text[:-2].isdigit() else text


def norm_postcode(raw: object) -> str | None:
    text = fold(raw)
    if text is None:
        return None
    return _float_suffix(text).replace(" ", "").upper() or None


def norm_identifier(raw: object) -> str | None:
    text = fold(raw)
    if text is None:
        return None
    return _NON_WORD.sub("", _float_suffix(text)).upper() or None


def norm_text(raw: object) -> str | None:
    text = fold(raw)
    if text is None:
        return None
    return _SPACES.sub(" ", _NON_WORD.sub(" ", text)).strip() or None


def _cjk_company_core(text: str) -> str:
    """三体云动 from 北京三体云动科技有限公司, 三體雲動（北京）科技有限公司, 北京市三体云动 ..."""
    text = _CN_BRACKET.sub("", text)
    text = _NON_WORD.sub("", text)
    text = re.sub(r"[a-z0-9_]+$", "", text) or text
    changed = True
    while changed:  # legal suffixes, then generic words, until neither moves
        before = text
        for words in (CN_LEGAL, CN_GENERIC):
            for word in words:
                if text.endswith(word) and len(text) > len(word) + 1:
                    text = text[: -len(word)]
        for place in CN_PLACES:
            if text.startswith(place) and len(text) > len(place) + 1:
                text = text[len(place) :].lstrip("市省")
        changed = text != before
    return text


def norm_company(raw: object) -> str | None:
    """The company's core name: legal forms, regions and generic words removed (see company_key)."""
    text = fold(raw)
    if text is None:
        return None
    if has_han(text):
        return _cjk_company_core(text) or None
    return company_key(text)


def norm_category(raw: object) -> str | None:
    return fold(raw)


_SOUNDEX = str.maketrans("bfpvcgjkqsxzdtlmnr", "111122222222334556")


_NOT_LETTER = re.compile(r"[^a-z]")


def soundex(text: str) -> str:
    """American Soundex of the first word (letters only); '' for non-Latin text."""
    return _soundex_word(text.split(" ", 1)[0]) if text else ""


@lru_cache(maxsize=200_000)  # names repeat words: each is coded once
def _soundex_word(first: str) -> str:
    word = _NOT_LETTER.sub("", first)
    if not word:
        return ""
    coded = word.translate(_SOUNDEX)
    out, last = word[0], coded[0]
    for original, code in zip(word[1:], coded[1:], strict=True):
        if code.isdigit() and code != last:
            out += code
        if original not in "hw":
            last = code
    return (out + "000")[:4]


@lru_cache(maxsize=1)
def _pinyin_fn() -> Callable[[str], list[str]] | None:
    try:
        from pypinyin import Style, lazy_pinyin
    except ImportError:  # pragma: no cover - optional
        return None
    return lambda text: lazy_pinyin(text, style=Style.NORMAL, errors="ignore")  # type: ignore[no-any-return]


@lru_cache(maxsize=200_000)
def _syllables(text: str) -> tuple[str, ...] | None:
    """Toneless syllables, one pypinyin call per text: its initials are their first letters,
    so a text needs no second call for its phonetic key. ASCII holds no character pypinyin
    reads (tests/dedupe/unit checks every one): no call for it, the cost of most lookups."""
    if text.isascii():
        return ()
    convert = _pinyin_fn()
    return tuple(convert(text)) if convert else None


def pinyin(text: str, initials: bool = False) -> str:
    """Toneless pinyin ("santiyundong") or initials ("styd"); the text itself without pypinyin."""
    syllables = _syllables(text)
    if syllables is None:
        return text
    return ("".join(s[:1] for s in syllables) if initials else "".join(syllables)) or text


def phonetic(text: str) -> str:
    """A sound-alike key: Soundex for Latin words, pinyin initials for Chinese."""
    return pinyin(text, initials=True) if has_han(text) else soundex(text)


NORMALIZERS: dict[Kind, Callable[[object], str | None]] = {
    Kind.NAME: norm_name,
    Kind.PHONE: norm_phone,
    Kind.COMPANY: norm_company,
    Kind.DOMAIN: norm_domain,
    Kind.DATE: norm_date,
    Kind.POSTCODE: norm_postcode,
    Kind.ADDRESS: norm_text,
    Kind.TEXT: norm_text,
    Kind.CATEGORY: norm_category,
    Kind.IDENTIFIER: norm_identifier,
}


def normalizer(kind: Kind, policy: EmailPolicy) -> Callable[[object], str | None]:
    if kind is Kind.EMAIL:
        return lambda raw: norm_email(raw, policy)
    return NORMALIZERS[kind]

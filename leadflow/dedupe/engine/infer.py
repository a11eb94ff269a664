"""Which comparison kind each column of a file is, from its header and its values, and why.

The header proposes (``birth`` suggests a date), the values decide: a column proposed as a date
whose values do not parse as dates is not compared as one (``birth_place`` holds towns), and a
column no header pattern knows is still used when its values say what it is (dates, email
addresses, a low-cardinality category such as an occupation, long free text). A column that
repeats others (``first_and_surname`` = ``first_name`` + ``surname``) is left out, since
Fellegi-Sunter would count the same agreement twice. Every column gets a one-line reason.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from itertools import islice
from dataclasses import dataclass

from leadflow.dedupe.kinds import Kind

# Header patterns, first hit wins; headers are lower-cased with non-alphanumerics as "_".
HEADER_KINDS: list[tuple[str, Kind]] = [
    (r"e_?mail|邮箱|邮件", Kind.EMAIL),
    (r"phone|mobile|^tel|telephone|手机|电话", Kind.PHONE),
    (r"birth|^dob$|birthday|出生", Kind.DATE),
    (
        (
            r"^(given|first|fore|middle)_?names?$|^first$|^surname$|^(last|family)_?name$|^last$|"
            r"^(full_|contact_)?name$|^姓名?$|^名$|联系人"
        ),
        Kind.NAME,
    ),
    (r"company|organi[sz]ation|^org$|account_?name|employer|公司|单位|企业", Kind.COMPANY),
    (r"domain|website|^url$|^web$|网站|域名", Kind.DOMAIN),
    (r"post_?code|^zip|postal|邮编", Kind.POSTCODE),
    (r"suburb|city|town|address|street(?!_?(number|no))|locality|place|地址|城市", Kind.ADDRESS),
    (r"soc_sec|ssn|national_id|passport|tax_?id|customer_?(id|number)|身份证", Kind.IDENTIFIER),
    (r"^state$|province|country|region|gender|^sex$|street_?(number|no)|省|国家", Kind.CATEGORY),
    (r"surname|forename|(first|last|given|family|full|person)_?names?", Kind.NAME),
]
# Row keys and entity labels ("cluster", "entity_id"): they name records, they do not describe them.
ROW_KEY = re.compile(
    r"^(rec|record|row|entity|cluster|true|unique|uu)?_?(id|key|uid|uuid)$"
    r"|^(cluster|entity)$"
)
_DATE = re.compile(
    r"^\s*(\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|\d{1,2}[-/.]\d{1,2}[-/.]\d{4}|"
    r"(1[6-9]|20)\d{2}(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])|"
    r"\d{1,2}\s+[a-z]{3,9}\.?\s+\d{4}|[a-z]{3,9}\.?\s+\d{1,2},?\s+\d{4})\s*$",
    re.IGNORECASE,
)
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[a-z]{2,}$", re.IGNORECASE)
SAMPLE = 5000  # values looked at per column
AS_KIND = 0.6  # share of a sample that must read as the kind
CATEGORY_MAX_SHARE = 0.05  # distinct values / values, at most, for a category
CATEGORY_MAX_VALUES = 2000
TEXT_MIN_WORDS = 4.0  # mean words per value for free text


@dataclass(frozen=True)
class ColumnGuess:
    column: str
    kind: Kind | None  # None: not compared
    reason: str


def header_key(header: str) -> str:
    return re.sub(r"[^0-9a-z\u3400-\u9fff]+", "_", header.strip().lower()).strip("_")


def header_kinds(header: str) -> list[Kind]:
    """Kinds the header suggests, most likely first (empty for a row key or an unknown header)."""
    key = header_key(header)
    if ROW_KEY.match(key):
        return []
    kinds: list[Kind] = []
    for pattern, kind in HEADER_KINDS:
        if re.search(pattern, key) and kind not in kinds:
            kinds.append(kind)
    return kinds


def _share(values: Sequence[str], pattern: re.Pattern[str]) -> float:
    return sum(1 for v in values if pattern.match(v)) / len(values) if values else 0.0


def _sample(raw: Sequence[object]) -> list[str]:
    values = [str(v).strip() for v in raw if v is not None and str(v).strip()]
    step = max(1, len(values) // SAMPLE)
    return values[::step][:SAMPLE]


def _by_content(values: list[str], distinct: int, total: int) -> tuple[Kind | None, str]:
    """A kind from the values alone, for a column whose header says nothing (or was wrong)."""
    dates, emails = _share(values, _DATE), _share(values, _EMAIL)
    if dates >= AS_KIND:
        return Kind.DATE, f"{dates:.0%} of values parse as dates"
    if emails >= AS_KIND:
        return Kind.EMAIL, f"{emails:.0%} of values are email addresses"
    words = sum(len(v.split()) for v in values) / max(len(values), 1)
    if words >= TEXT_MIN_WORDS:
        return Kind.TEXT, f"free text ({words:.1f} words a value)"
    if distinct <= CATEGORY_MAX_VALUES and distinct <= CATEGORY_MAX_SHARE * total:
        return Kind.CATEGORY, f"a category ({distinct} distinct values in {total})"
    return None, f"unknown header and {distinct} distinct short values: no kind fits"


def guess_column(header: str, raw: Sequence[object]) -> ColumnGuess:
    kinds = header_kinds(header)
    if ROW_KEY.match(header_key(header)):
        return ColumnGuess(header, None, "a row key or entity label")
    values = _sample(raw)
    if not values:
        return ColumnGuess(header, None, "no values")
    present = [v for v in raw if v is not None and str(v).strip()]
    distinct = len(set(map(str, present)))
    if distinct == 1:
        return ColumnGuess(header, None, "one value in every row: no evidence")
    notes = []
    for kind in kinds:
        if kind is Kind.DATE and _share(values, _DATE) < AS_KIND:
            share = _share(values, _DATE)
            notes.append(f"header suggests a date but {share:.0%} of values parse as one")
            continue
        note = "; ".join(notes + [f"header suggests {kind}"])
        return ColumnGuess(header, kind, note)
    kind, why = _by_content(values, distinct, len(present))
    return ColumnGuess(header, kind, "; ".join(notes + [why]))


def _repeats(
    guess: ColumnGuess, columns: Mapping[str, Sequence[object]], names: list[str]
) -> str | None:
    """'first_name + surname' when the column is two other name columns joined (>= 90%)."""
    mine = columns[guess.column]
    for first in names:
        for second in names:
            if len({first, second, guess.column}) < 3:
                continue
            rows = zip(mine, columns[first], columns[second], strict=True)
            pairs = list(islice(((m, a, b) for m, a, b in rows if m and a and b), SAMPLE))
            joined = sum(1 for m, a, b in pairs if str(m).split() == f"{a} {b}".split())
            if len(pairs) >= 20 and joined >= 0.9 * len(pairs):
                return f"{first} + {second}"
    return None


def infer_columns(columns: Mapping[str, Sequence[object]]) -> list[ColumnGuess]:
    """One guess per column, in the columns' order."""
    guesses = [guess_column(header, values) for header, values in columns.items()]
    names = [g.column for g in guesses if g.kind is Kind.NAME]
    out = []
    for guess in guesses:
        joined = _repeats(guess, columns, names) if guess.kind is Kind.NAME else None
        if joined:
            guess = ColumnGuess(guess.column, None, f"repeats {joined} (would count them twice)")
        out.append(guess)
    return out

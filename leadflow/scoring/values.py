"""Read one cell as what it means: a number, a band with both ends, a yes/no, a date (pure).

Exports write the same fact many ways: "1,200", "200-499", "2000+", "1万人以上", "$10M-$50M",
"TRUE", "<NA>". Every reader of lead values (rules, features, `score file`) goes through here.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any
from leadflow.core.errors import BadOutcomeRow
from leadflow.ingest.regions import country_code
from leadflow.report.outcome_rows import parse_date

MISSING_WORDS = frozenset({"", "na", "n/a", "<na>", "nan", "none", "null", "-", "—", "nat"})
TRUE_WORDS = frozenset({"true", "yes", "y", "1", "t", "是"})
FALSE_WORDS = frozenset({"false", "no", "n", "0", "f", "否"})
_SCALE = {"k": 1e3, "m": 1e6, "b": 1e9, "bn": 1e9, "mm": 1e6, "万": 1e4, "亿": 1e8, "千": 1e3}
_AMOUNT = r"(\d+(?:[.,]\d+)*)\s*(bn|mm|k|m|b|万|亿|千)?"
_BAND = re.compile(
    rf"^[^\d<>]*?(?:(<|under|less than|以下)\s*)?{_AMOUNT}"
    rf"(?:\s*(?:-|–|—|to|~|至|到)\s*[^\d]*?{_AMOUNT})?[^\d+]*?"
    r"(\+|or more|以上|plus|以下|or less)?\s*$",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Band:
    """A range of headcount or revenue; ``high`` None means open-ended ("2000+")."""

    low: float
    high: float | None

    @property
    def representative(self) -> float:
        """The midpoint; an open band counts as half again its floor (a stated guess)."""
        if self.high is None:
            return self.low * 1.5
        return (self.low + self.high) / 2

    def within(self, low: float | None, high: float | None) -> bool:
        """The whole band lies inside [low, high]: "2000+" is never inside a range up to 5000."""
        top = math.inf if self.high is None else self.high
        return (low is None or self.low >= low) and (high is None or top <= high)


def is_missing(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return isinstance(value, str) and value.strip().lower() in MISSING_WORDS


def _amount(digits: str, unit: str | None) -> float:
    # "1,200" and "1.200" are thousands; "2.5" is a decimal.
    if re.fullmatch(r"\d{1,3}([.,]\d{3})+", digits):
        digits = re.sub(r"[.,]", "", digits)
    return float(digits.replace(",", "")) * _SCALE.get((unit or "").lower(), 1.0)


def parse_band(value: Any) -> Band | None:
    """ "200-499" -> 200..499, "2000+" / "1万人以上" -> open above, "<50" -> 0..50."""
    if is_missing(value) or isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return Band(float(value), float(value))
    found = _BAND.match(str(value).strip())
    if not found:
        return None
    below, digits, unit, digits_high, unit_high, above = found.groups()
    low = _amount(digits, unit or unit_high)
    if below or (above or "").lower() in ("以下", "or less"):
        return Band(0.0, low)
    if digits_high:
        return Band(low, _amount(digits_high, unit_high))
    return Band(low, None) if above else Band(low, low)


def to_number(value: Any) -> float | None:
    if is_missing(value) or isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    text = re.sub(r"[$€£¥,\s%]", "", str(value))
    try:
        return float(text)
    except ValueError:
        return None


def to_bool(value: Any) -> bool | None:
    if is_missing(value):
        return None
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in TRUE_WORDS:
        return True
    if text in FALSE_WORDS:
        return False
    return None


def to_date(value: Any) -> datetime | None:
    if is_missing(value):
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=timezone.utc)
    if isinstance(value, (int, float)):
        return None

    try:
        return parse_date(str(value))
    except (BadOutcomeRow, ValueError):
        return None


def category_key(value: Any) -> str | None:
    """Case, spacing and punctuation do not make a different category."""
    if is_missing(value):
        return None
    return re.sub(r"[\s_\-/]+", "_", str(value).strip().lower())


def normal_form(field: str, value: Any) -> Any:
    """The one form rules compare in: countries as ISO codes ("UK" -> GB), words case- and
    spacing-insensitive ("Financial Services" = "financial_services"); numbers and yes/no as is."""
    if isinstance(value, (bool, int, float)) or value is None:
        return value
    if field == "country":
        return country_code(str(value)) or category_key(value)
    return category_key(value)

"""Memoised normalisation says what the libraries say, number by number and value by value."""

from __future__ import annotations

import phonenumbers
import pytest
from hypothesis import given
from hypothesis import strategies as st

from leadflow.ingest.normalize import (
    _CONTROL,
    _SPACES,
    _clean_text,
    _is_valid,
    normalize_phone,
    registrable_domain,
)

NUMBERS = [
    ("(212) 555-0148", "US"),  # 555-01xx: fictional, invalid everywhere
    ("(212) 736-5000", "US"),
    ("+1 416 555 0199", None),
    ("+1 416 979 2000", "US"),  # Toronto: valid for CA, not for the main region US
    ("+1 800 555 0199", None),  # toll free: shared across NANPA
    ("+1 264 497 2000", None),  # Anguilla: a region with its own leading digits
    ("+44 20 7946 0958", None),
    ("+44 1624 612345", "GB"),  # Isle of Man under GB's code
    ("+44 1534 612345", None),  # Jersey
    ("+86 138 0013 8000", "CN"),
    ("010 6552 9988", "CN"),
    ("+49 30 901820", "DE"),
    ("+7 727 258 0000", None),  # Kazakhstan under Russia's code
    ("+7 495 123 4567", None),
    ("+800 1234 5678", None),  # a non-geographic code
    ("12", "US"),
    ("+999 123", None),
]


@pytest.mark.parametrize(("raw", "country"), NUMBERS)
def test_validity_equals_the_library(raw: str, country: str | None) -> None:
    try:
        number = phonenumbers.parse(raw, country)
    except phonenumbers.NumberParseException:
        assert normalize_phone(raw, country) is None
        return
    expected = phonenumbers.is_valid_number(number)
    assert _is_valid(number) == expected
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    assert normalize_phone(raw, country) == (e164 if expected else None)


def test_domains_memoised_by_host_agree_with_a_fresh_parse() -> None:
    assert registrable_domain("a@mail.example.co.uk") == "example.co.uk"
    assert registrable_domain("b@mail.example.co.uk") == "example.co.uk"
    assert registrable_domain("c@localhost") == "localhost"


_PIECES = [" ", "  ", "a", "\t", "\n", "\u00a0", "\u200b", "\u200c", "\u202e", "\ufeff"]
_PIECES += ["\x85", "\x7f", "\u3000", "张", "é", "\u061c", "\u2066", "\x00", "\r", "\u2028"]


@given(st.lists(st.sampled_from(_PIECES), max_size=8).map("".join))
def test_clean_text_fast_path_equals_the_substitutions(text: str) -> None:
    expected = _SPACES.sub(" ", _CONTROL.sub("", text)).strip() or None
    assert _clean_text(text) == expected

"""The fast path for everyday addresses never accepts what email-validator would refuse."""

from __future__ import annotations

import string

import pytest
from email_validator import EmailNotValidError, validate_email
from hypothesis import given, settings
from hypothesis import strategies as st

from leadflow.ingest.normalize import _PLAIN_EMAIL, normalize_email

ATOM = string.ascii_lowercase + string.digits + "._-+'"
addresses = st.builds(
    lambda local, labels, tld: f"{local}@{'.'.join(labels)}.{tld}",
    st.text(ATOM, min_size=1, max_size=20),
    st.lists(
        st.text(string.ascii_lowercase + string.digits + "-", min_size=1, max_size=12),
        min_size=1,
        max_size=3,
    ),
    st.text(string.ascii_lowercase, min_size=2, max_size=6),
)


@settings(max_examples=500, deadline=None)
@given(addresses)
def test_fast_path_agrees_with_email_validator(address: str) -> None:
    try:
        expected = validate_email(address, check_deliverability=False).normalized.lower()
    except EmailNotValidError:
        expected = None
    if _PLAIN_EMAIL.fullmatch(address):
        # Accepted fast only if the validator accepts it too, unchanged.
        if expected is not None:
            assert normalize_email(address) == expected
        else:
            with pytest.raises(ValueError):
                normalize_email(address)
    elif expected is not None:
        assert normalize_email(address) == expected


@pytest.mark.parametrize(
    "bad",
    [
        "a..b@acme.com",
        ".a@acme.com",
        "a.@acme.com",
        "a@-acme.com",
        "a@acme-.com",
        "a@acme",
        "a@@acme.com",
        "a b@acme.com",
        "a@acme.test",
    ],
)
def test_classic_mistakes_are_refused(bad: str) -> None:
    with pytest.raises(ValueError):
        normalize_email(bad)


@pytest.mark.parametrize("address", ["jo@ab--cd.com", "jo@mail.ab--cd.com", "a@xn--bcher-kva.com"])
def test_reserved_double_dash_labels_go_to_the_validator(address: str) -> None:
    # Found by the property test above: the fast path used to accept "ab--cd" as is.
    assert not _PLAIN_EMAIL.fullmatch(address)
    try:
        expected = validate_email(address, check_deliverability=False).normalized.lower()
    except EmailNotValidError:
        with pytest.raises(ValueError):
            normalize_email(address)
    else:
        assert normalize_email(address) == expected

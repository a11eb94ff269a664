"""Signed click/open/unsubscribe tokens: genuine ones read back, anything else is None."""

from __future__ import annotations

import re

import pytest

from leadflow.engagement.tokens import make_token, read_token

SECRET = "s3cret-for-tests"


@pytest.mark.parametrize(
    ("kind", "email_id", "position"), [("c", 42, 3), ("o", 7, 0), ("u", 123456, 0)]
)
def test_token_round_trips_to_its_ids(kind: str, email_id: int, position: int) -> None:
    assert read_token(SECRET, make_token(SECRET, kind, email_id, position), kind) == (
        email_id,
        position,
    )


def test_tampered_signature_is_rejected() -> None:
    token = make_token(SECRET, "c", 42, 3)
    last = token[-1]
    forged = token[:-1] + ("A" if last != "A" else "B")
    assert read_token(SECRET, forged, "c") is None


def test_changed_ids_with_the_old_signature_are_rejected() -> None:
    kind, _, _, signature = make_token(SECRET, "c", 42, 3).split(".")
    assert read_token(SECRET, f"{kind}.43.3.{signature}", "c") is None
    assert read_token(SECRET, f"{kind}.42.4.{signature}", "c") is None


def test_token_of_another_kind_is_rejected() -> None:
    unsubscribe = make_token(SECRET, "u", 42)
    assert read_token(SECRET, unsubscribe, "c") is None
    forged_kind = "c" + unsubscribe[1:]
    assert read_token(SECRET, forged_kind, "c") is None


def test_token_signed_with_another_secret_is_rejected() -> None:
    assert read_token(SECRET, make_token("other-secret", "o", 42), "o") is None


@pytest.mark.parametrize("cut", [1, 5, 20])
def test_truncated_token_is_rejected(cut: int) -> None:
    token = make_token(SECRET, "c", 42, 3)
    assert read_token(SECRET, token[:-cut], "c") is None


@pytest.mark.parametrize("garbage", ["", "c", "c.1.2", "c.1.2.3.4", "c.x.y.zzzz"])
def test_malformed_token_is_rejected(garbage: str) -> None:
    assert read_token(SECRET, garbage, "c") is None


def test_unknown_kind_cannot_be_minted() -> None:
    with pytest.raises(ValueError):
        make_token(SECRET, "x", 1)


def test_token_carries_only_ids_and_a_signature_never_an_address() -> None:
    token = make_token(SECRET, "u", 42)
    assert "@" not in token
    assert re.fullmatch(r"u\.42\.0\.[A-Za-z0-9_-]+", token)

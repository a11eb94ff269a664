"""Signed rep-link tokens and the assignment webhook's signature and retry schedule."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from leadflow.routing.assignment_webhook import MAX_ATTEMPTS, next_step, signature, verify
from leadflow.routing.rep_links import ACTIONS, make_rep_token, read_rep_token, rep_link_urls

SECRET = "s3cret"
EXPIRES = datetime(2026, 11, 12, 10, 0, tzinfo=timezone.utc)


@pytest.mark.parametrize("action", sorted(ACTIONS))
def test_a_token_reads_back_its_assignment_action_and_expiry(action: str) -> None:
    link = read_rep_token(SECRET, make_rep_token(SECRET, 42, action, EXPIRES))
    assert link is not None and (link.assignment_id, link.action, link.expires_at) == (
        42,
        action,
        EXPIRES,
    )


def test_a_tampered_token_is_refused() -> None:
    token = make_rep_token(SECRET, 42, "not_ready", EXPIRES)
    head, action, expiry, sig = token.split(".")
    assert read_rep_token(SECRET, f"43.{action}.{expiry}.{sig}") is None
    assert (
        read_rep_token(SECRET, f"{head}.accept.{expiry}.{sig}") is None
    )  # turn a reject into an accept
    assert (
        read_rep_token(SECRET, f"{head}.{action}.{int(expiry) + 86400}.{sig}") is None
    )  # extend it
    assert read_rep_token("another-secret", token) is None


@given(st.text(max_size=80))
def test_random_text_is_never_a_token(text: str) -> None:
    assert read_rep_token(SECRET, text) is None


def test_every_action_gets_its_own_url() -> None:
    urls = rep_link_urls(SECRET, "https://leads.example/", 7, EXPIRES)
    assert set(urls) == set(ACTIONS)
    assert all(url.startswith("https://leads.example/r/7.") for url in urls.values())
    assert len(set(urls.values())) == len(ACTIONS)


def test_the_webhook_signature_verifies_only_fresh_and_untouched() -> None:
    body, stamp = b'{"type":"lead.assigned"}', 1_800_000_000
    given_sig = signature(SECRET, stamp, body)
    assert verify(SECRET, str(stamp), body, given_sig, now=stamp + 10)
    assert not verify(SECRET, str(stamp), body + b" ", given_sig, now=stamp + 10)
    assert not verify(SECRET, str(stamp), body, given_sig, now=stamp + 301)  # replayed later
    assert not verify(SECRET, "yesterday", body, given_sig, now=stamp)


def test_webhook_answers_decide_delivered_retry_or_failed() -> None:
    at = EXPIRES
    assert next_step(204, 1, at) == ("delivered", None)
    assert next_step(400, 1, at) == (
        "failed",
        None,
    )  # the receiver refuses this payload: retrying won't help
    assert next_step(503, 1, at) == ("pending", at + timedelta(minutes=1))
    assert next_step(None, 3, at) == ("pending", at + timedelta(minutes=4))
    assert next_step(429, MAX_ATTEMPTS, at) == ("failed", None)

"""The workspace's pure rules: signed values, safe redirects, the sign-in rate limit, words."""

from __future__ import annotations

import time

import pytest

from leadflow.core.settings import reset_settings
from leadflow.routing.inbox import span
from leadflow.routing.policy import load_routing
from leadflow.routing.words import why_words
from leadflow.core.settings import PROJECT_ROOT
from leadflow.web.session import safe_next, sign, unsign
from leadflow.web.signin import RateLimit


@pytest.fixture(autouse=True)
def secret(monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("LEADFLOW_SECRET_KEY", "unit-secret")
    reset_settings()
    yield
    reset_settings()


def test_a_signed_value_is_read_back_only_untouched_unexpired_and_for_its_purpose():
    token = sign("session", {"person": "emma.schulz", "exp": int(time.time()) + 60})
    assert unsign("session", token) == {
        "person": "emma.schulz",
        "exp": pytest.approx(time.time() + 60, abs=5),
    }
    assert unsign("signin", token) is None  # a session cookie is no sign-in link
    body, mac = token.split(".")
    tampered = sign("session", {"person": "felix.martin", "exp": int(time.time()) + 60}).split(".")[
        0
    ]
    assert unsign("session", f"{tampered}.{mac}") is None
    assert unsign("session", token, now=time.time() + 61) is None
    assert unsign("session", "") is None and unsign("session", "ü.ä") is None


@pytest.mark.parametrize(
    "target, expected",
    [
        ("/leads/7?tab=raw", "/leads/7?tab=raw"),
        ("/inbox", "/inbox"),
        ("", "/inbox"),
        (None, "/inbox"),
        ("https://evil.example/", "/inbox"),
        ("//evil.example", "/inbox"),
        ("/\\evil.example", "/inbox"),
        ("javascript:alert(1)", "/inbox"),
        ("/x\r\nSet-Cookie: a=b", "/inbox"),
        ("leads/7", "/inbox"),
    ],
)
def test_only_paths_of_this_site_are_followed_after_sign_in(target, expected):
    assert safe_next(target) == expected


def test_the_rate_limit_counts_per_key_within_its_window():
    limit = RateLimit(2, 60)
    assert [limit.allow("a", now=t) for t in (0, 1, 2)] == [True, True, False]
    assert limit.allow("b", now=2)
    assert limit.allow("a", now=61)  # the first request left the window


@pytest.mark.parametrize(
    "minutes, words",
    [(5, "5 min"), (61, "1 h 01 min"), (47 * 60 + 59, "47 h 59 min"), (49 * 60, "2 days 1 h")],
)
def test_clock_spans_read_at_a_glance(minutes, words):
    assert span(minutes) == words


def test_why_you_is_the_rule_in_words():
    policy = load_routing(PROJECT_ROOT / "routing_rules")
    assert why_words("na-enterprise", policy) == (
        "leads with territory north_america, segment enterprise go to team North America Enterprise"
    )
    assert why_words("dach-top-enterprise", policy).startswith("German-speaking enterprise buyers")
    assert "country one of DE, AT, CH" in why_words("dach-top-enterprise", policy)
    assert (
        why_words("account-owner", policy) == "you own this lead's account (one owner per customer)"
    )
    assert why_words("fallback", policy).endswith("team Inside Sales (catch-all)")
    assert why_words("gone-rule", policy) == "rule gone-rule (no longer in the routing rules)"

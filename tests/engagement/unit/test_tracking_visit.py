"""The visit token rides on clicks to our own site only; the target otherwise stays as stored."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from leadflow.engagement.tokens import make_token, read_token, with_visit_token

HOSTS = frozenset({"leadflow.example"})


def test_our_site_gets_the_visit_token_and_keeps_its_query() -> None:
    url = with_visit_token(
        "https://leadflow.example/pricing?utm_source=nurture&lf=old", "v.1.0.sig", HOSTS
    )
    parts = urlsplit(url)
    assert (parts.scheme, parts.netloc, parts.path) == ("https", "leadflow.example", "/pricing")
    assert parse_qs(parts.query) == {"utm_source": ["nurture"], "lf": ["v.1.0.sig"]}


def test_other_sites_and_other_schemes_are_left_alone() -> None:
    for url in (
        "https://partner.example/page?a=1",
        "mailto:sales@leadflow.example",
        "https://leadflow.example.evil.test/",
    ):
        assert with_visit_token(url, "v.1.0.sig", HOSTS) == url


def test_a_visit_token_is_not_a_click_token() -> None:
    token = make_token("secret", "v", 42)
    assert read_token("secret", token, "v") == (42, 0) and read_token("secret", token, "c") is None


def test_a_token_with_non_ascii_characters_is_forged_not_an_error() -> None:
    token = make_token("secret", "c", 42)
    assert (
        read_token("secret", token[:-1] + "é", "c") is None
        and read_token("secret", "c.4２.0.x", "c") is None
    )

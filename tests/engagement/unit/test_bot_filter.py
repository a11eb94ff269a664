"""Human or machine: each rule of leadflow.engagement.bot_filter on its own, and a person passing all."""

from __future__ import annotations

import pytest

from leadflow.engagement.bot_filter import (
    BotRules,
    ClickSignal,
    OpenSignal,
    RecentClicks,
    classify_click,
    classify_open,
)

IPHONE_MAIL = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Mobile/15E148"
)
GMAIL_PROXY = (
    "Mozilla/5.0 (Windows NT 5.1; rv:11.0) Gecko Firefox/11.0 (via ggpht.com GoogleImageProxy)"
)
CHROME = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36"


@pytest.mark.parametrize(
    ("signal", "reason"),
    [
        (OpenSignal("Mozilla/5.0", "203.0.113.9"), "apple_mpp"),
        (OpenSignal(IPHONE_MAIL, "17.58.101.4"), "apple_mpp"),
        (OpenSignal(GMAIL_PROXY, "203.0.113.9"), "gmail_proxy"),
        (OpenSignal(CHROME, "66.249.84.10"), "gmail_proxy"),
        (
            OpenSignal("YahooMailProxy; https://help.yahoo.com/kb/yahoo-mail-proxy-SLN28749.html"),
            "yahoo_proxy",
        ),
        (OpenSignal(CHROME, esp_says_machine=True), "esp_machine_open"),
        (OpenSignal("Barracuda Sentinel (EE)", "198.51.100.7"), "scanner_user_agent"),
    ],
)
def test_machine_opens_are_named(signal: OpenSignal, reason: str) -> None:
    assert classify_open(signal) == reason


@pytest.mark.parametrize(
    "signal",
    [
        OpenSignal(IPHONE_MAIL, "203.0.113.9"),
        OpenSignal(CHROME, "2001:db8::1"),
        OpenSignal(None, None),
        OpenSignal(CHROME, "not an ip"),
    ],
)
def test_a_person_opening_is_not_a_machine(signal: OpenSignal) -> None:
    assert classify_open(signal) is None


@pytest.mark.parametrize(
    ("signal", "reason"),
    [
        (ClickSignal(CHROME, 3600, honeypot=True), "honeypot"),
        (ClickSignal("Mozilla/5.0 (compatible; Mimecast URL Protect)", 3600), "scanner_user_agent"),
        (ClickSignal("Mozilla/5.0 (compatible; bingbot/2.0)", 3600), "scanner_user_agent"),
        (ClickSignal(CHROME, 2.5), "too_soon_after_send"),
        (ClickSignal(CHROME, 3600, links_in_burst=3), "all_links_at_once"),
    ],
)
def test_scanner_clicks_are_named(signal: ClickSignal, reason: str) -> None:
    assert classify_click(signal) == reason


@pytest.mark.parametrize(
    "signal",
    [
        ClickSignal(CHROME, 3600),
        ClickSignal(CHROME, None),
        ClickSignal(CHROME, 3600, links_in_burst=2),
        ClickSignal(
            "python-requests/2.32", 3600
        ),  # scripts and tests click with libraries, not scanners
        ClickSignal(CHROME, -30),  # clock skew between mailer and web app: not a fast scanner
    ],
)
def test_a_person_clicking_is_not_a_machine(signal: ClickSignal) -> None:
    assert classify_click(signal) is None


def test_the_thresholds_come_from_the_rules() -> None:
    strict = BotRules(min_click_after_send_s=60, burst_links=2)
    assert classify_click(ClickSignal(CHROME, 30), strict) == "too_soon_after_send"
    assert (
        classify_click(ClickSignal(CHROME, 3600, links_in_burst=2), strict) == "all_links_at_once"
    )


def test_recent_clicks_count_distinct_links_of_one_email_within_the_window() -> None:
    recent = RecentClicks(window_s=5)
    assert [recent.add(1, p, t) for p, t in [(0, 100.0), (0, 100.5), (1, 101.0), (2, 101.2)]] == [
        1,
        1,
        2,
        3,
    ]
    assert recent.add(2, 0, 101.3) == 1  # another email is counted apart
    assert recent.add(1, 3, 110.0) == 1  # the earlier burst has left the window


def test_recent_clicks_forget_the_oldest_email_when_full() -> None:
    recent = RecentClicks(window_s=5, max_emails=2)
    recent.add(1, 0, 0.0)
    recent.add(2, 0, 0.0)
    recent.add(3, 0, 0.0)
    assert recent.add(1, 1, 0.1) == 1  # email 1 was evicted, so its first link is gone

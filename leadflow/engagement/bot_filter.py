"""Human or machine: which opens and clicks a mail proxy or a link scanner made.

Pure functions over what a request tells us (user agent, IP, timing), so every rule has
its own unit test. A machine signal is still stored (flagged, with a reason): scoring
decides what it is worth, and nothing here ever unsubscribes anyone.

Generic HTTP libraries (curl, python-requests) are deliberately *not* scanners: scripts
and tests click with them, and a scanner that hides behind one is caught by timing.
"""

from __future__ import annotations

import ipaddress
import re
import threading
from collections import OrderedDict, deque
from dataclasses import dataclass

# Apple Mail Privacy Protection prefetches every image with a bare "Mozilla/5.0" from
# Apple's own network (17.0.0.0/8); no real mail client sends a user agent that short.
APPLE_MPP_USER_AGENT = "Mozilla/5.0"
APPLE_NETWORKS = (ipaddress.ip_network("17.0.0.0/8"),)
# Image proxies that fetch on the reader's behalf: the open is real but its time, place
# and repeats are not (Gmail caches, so a second open never reaches us).
PROXY_USER_AGENTS = (
    ("googleimageproxy", "gmail_proxy"),
    ("ggpht.com", "gmail_proxy"),
    ("yahoomailproxy", "yahoo_proxy"),
)
GOOGLE_PROXY_NETWORKS = (
    ipaddress.ip_network("66.102.0.0/20"),
    ipaddress.ip_network("66.249.80.0/20"),
)
# Link scanners and prefetchers (Safe Links, Mimecast, Barracuda, Proofpoint...) and bots.
SCANNER_USER_AGENT = re.compile(
    r"bot\b|crawler|spider|scanner|preview|headlesschrome|phantomjs|mimecast|barracuda|proofpoint"
    r"|safelinks|symantec|trendmicro|forcepoint|fireeye|sophos|urldefense|cisco|ironport|zscaler",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class BotRules:
    # A click this soon after the email left us was made by a scanner on delivery.
    min_click_after_send_s: float = 10.0
    # This many different links of one email clicked within burst_window_s: a scanner.
    burst_links: int = 3
    burst_window_s: float = 5.0


DEFAULT_RULES = BotRules()


@dataclass(frozen=True)
class OpenSignal:
    user_agent: str | None = None
    ip: str | None = None
    esp_says_machine: bool = False  # SendGrid's sg_machine_open


@dataclass(frozen=True)
class ClickSignal:
    user_agent: str | None = None
    seconds_since_send: float | None = None  # None: not known (not sent by us, or no send time)
    links_in_burst: int = (
        1  # distinct links of this email clicked within the burst window, this one too
    )
    honeypot: bool = False


def _ip_in(
    ip: str | None, networks: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]
) -> bool:
    if not ip:
        return False
    try:
        address = ipaddress.ip_address(ip.strip())
    except ValueError:
        return False
    return any(address in network for network in networks)


def scanner_user_agent(user_agent: str | None) -> bool:
    return bool(user_agent) and SCANNER_USER_AGENT.search(user_agent or "") is not None


def classify_open(signal: OpenSignal) -> str | None:
    """The machine reason for an open, or None for a person's."""
    agent = (signal.user_agent or "").strip()
    if signal.esp_says_machine:
        return "esp_machine_open"
    if agent == APPLE_MPP_USER_AGENT or _ip_in(signal.ip, APPLE_NETWORKS):
        return "apple_mpp"
    lowered = agent.lower()
    for marker, reason in PROXY_USER_AGENTS:
        if marker in lowered:
            return reason
    if _ip_in(signal.ip, GOOGLE_PROXY_NETWORKS):
        return "gmail_proxy"
    if scanner_user_agent(agent):
        return "scanner_user_agent"
    return None


def classify_click(signal: ClickSignal, rules: BotRules = DEFAULT_RULES) -> str | None:
    """The machine reason for a click, or None for a person's. The strongest evidence first."""
    if signal.honeypot:
        return "honeypot"
    if scanner_user_agent(signal.user_agent):
        return "scanner_user_agent"
    # A negative gap is clock skew (or a simulated clock), not a fast scanner.
    if (
        signal.seconds_since_send is not None
        and 0 <= signal.seconds_since_send < rules.min_click_after_send_s
    ):
        return "too_soon_after_send"
    if signal.links_in_burst >= rules.burst_links:
        return "all_links_at_once"
    return None


class RecentClicks:
    """Which links of each email were clicked lately, for the all-links-at-once rule.

    Per process and bounded (the oldest emails fall out), so memory stays flat under load;
    a burst split across several web processes goes unseen, which timing still catches.
    """

    def __init__(self, window_s: float = DEFAULT_RULES.burst_window_s, max_emails: int = 50_000):
        self.window_s, self.max_emails = window_s, max_emails
        self._seen: OrderedDict[int, deque[tuple[float, int]]] = OrderedDict()
        self._lock = threading.Lock()

    def add(self, email_id: int, position: int, at: float) -> int:
        """Record a click; return the distinct positions of that email clicked within the window."""
        with self._lock:
            clicks = self._seen.pop(email_id, None) or deque()
            clicks.append((at, position))
            while clicks and at - clicks[0][0] > self.window_s:
                clicks.popleft()
            self._seen[email_id] = clicks
            if len(self._seen) > self.max_emails:
                self._seen.popitem(last=False)
            return len({p for _, p in clicks})

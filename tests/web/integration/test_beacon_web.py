"""Page-visit beacon and bot filtering over real HTTP (uvicorn), on each database."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from sqlalchemy import select

from leadflow.core.clock import utcnow
from leadflow.core.db import session_scope
from leadflow.engagement.tokens import HONEYPOT_POSITION, make_token
from leadflow.core.models import EngagementEvent, Lead, OutboundEmail, Suppression, TrackedLink
from leadflow.web.event_writer import wait_until_written
from tests.support.esp_webhooks import serve

pytestmark = pytest.mark.db
LINKS = [
    "https://leadflow.example/guides/routing",
    "https://leadflow.example/pricing",
    "https://partner.example/webinar",
]
CHROME = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36"
BROWSER = {"User-Agent": CHROME}


@pytest.fixture
def web(leadflow_env, monkeypatch):
    monkeypatch.setenv("LEADFLOW_BEACON_HOSTS", "leadflow.example")
    with serve(leadflow_env):
        yield leadflow_env.public_base_url


def sent_email(sent_ago: timedelta) -> int:
    at = utcnow() - sent_ago
    with session_scope() as session:
        lead = Lead(email="ada@example.org", status="nurturing", created_at=at, updated_at=at)
        session.add(lead)
        session.flush()
        outbox = OutboundEmail(
            dedupe_key="n:0",
            kind="nurture",
            lead_id=lead.id,
            to_addr=lead.email,
            status="sent",
            created_at=at,
            sent_at=at,
        )
        session.add(outbox)
        session.flush()
        session.add_all(
            [
                TrackedLink(outbound_email_id=outbox.id, position=i, url=u)
                for i, u in enumerate(LINKS)
            ]
        )
        return outbox.id


@pytest.fixture
def email_id(web) -> int:
    return sent_email(timedelta(hours=1))


def url(settings, kind: str, email: int, position: int = 0) -> str:
    token = make_token(settings.secret_key.get_secret_value(), kind, email, position)
    return f"{settings.public_base_url}/{kind}/{token}"


def stored() -> list[tuple[object, ...]]:
    with session_scope() as session:
        return [
            tuple(r)
            for r in session.execute(
                select(
                    EngagementEvent.type,
                    EngagementEvent.url,
                    EngagementEvent.is_machine,
                    EngagementEvent.machine_reason,
                ).order_by(EngagementEvent.id)
            )
        ]


# --- the beacon ------------------------------------------------------------------------------


def test_a_click_to_our_site_carries_the_visit_token_and_the_beacon_records_pages(
    web, email_id, leadflow_env
):
    answer = requests.get(
        url(leadflow_env, "c", email_id, 1), headers=BROWSER, allow_redirects=False, timeout=10
    )
    target = urlsplit(answer.headers["location"])
    assert (target.netloc, target.path) == ("leadflow.example", "/pricing")
    [token] = parse_qs(target.query)["lf"]
    page = "https://leadflow.example/pricing?plan=team"
    pixel = requests.get(f"{web}/v/{token}.gif", params={"u": page}, headers=BROWSER, timeout=10)
    by_referer = requests.get(
        f"{web}/v/{token}.gif",
        headers={**BROWSER, "Referer": "https://leadflow.example/"},
        timeout=10,
    )
    assert pixel.headers["content-type"] == "image/gif" and by_referer.status_code == 200
    assert stored() == [
        ("click", LINKS[1], False, None),
        ("visit", page, False, None),
        ("visit", "https://leadflow.example/", False, None),
    ]


def test_a_click_to_another_site_is_redirected_unchanged(web, email_id, leadflow_env):
    answer = requests.get(
        url(leadflow_env, "c", email_id, 2), headers=BROWSER, allow_redirects=False, timeout=10
    )
    assert answer.headers["location"] == LINKS[2]


def test_a_forged_visit_token_gets_the_pixel_and_writes_nothing(web, email_id, leadflow_env):
    genuine = url(leadflow_env, "v", email_id)
    for forged in (genuine[:-2] + "zz", genuine.replace("/v/v.", "/v/c."), f"{web}/v/v.1.0.x"):
        answer = requests.get(
            f"{forged}.gif", params={"u": "https://leadflow.example/"}, timeout=10
        )
        assert answer.status_code == 200 and answer.content.startswith(b"GIF")
    assert stored() == []


def test_the_beacon_script_reports_to_this_app(web):
    script = requests.get(f"{web}/v.js", timeout=10)
    assert script.headers["content-type"].startswith("application/javascript")
    assert f'"{web}"+"/v/"' in script.text and "lf=" in script.text


# --- human or machine ------------------------------------------------------------------------


def test_a_scanner_user_agent_click_is_kept_but_flagged(web, email_id, leadflow_env):
    scanner = {"User-Agent": "Mozilla/5.0 (compatible; Mimecast URL Protect)"}
    assert (
        requests.get(
            url(leadflow_env, "c", email_id), headers=scanner, allow_redirects=False, timeout=10
        ).status_code
        == 302
    )
    assert stored() == [("click", LINKS[0], True, "scanner_user_agent")]


def test_every_link_at_once_is_a_scanner_and_so_were_its_first_clicks(web, email_id, leadflow_env):
    for position in range(len(LINKS)):
        requests.get(
            url(leadflow_env, "c", email_id, position),
            headers=BROWSER,
            allow_redirects=False,
            timeout=10,
        )
    assert [row[2:] for row in stored()] == [(True, "all_links_at_once")] * 3


def test_the_hidden_honeypot_link_flags_the_click_and_its_companions(web, email_id, leadflow_env):
    requests.get(
        url(leadflow_env, "c", email_id, 0), headers=BROWSER, allow_redirects=False, timeout=10
    )
    trap = requests.get(
        url(leadflow_env, "c", email_id, HONEYPOT_POSITION),
        headers=BROWSER,
        allow_redirects=False,
        timeout=10,
    )
    assert trap.status_code == 204 and "location" not in trap.headers
    assert stored() == [("click", LINKS[0], True, "honeypot"), ("click", None, True, "honeypot")]


def test_a_click_seconds_after_sending_is_a_scanner(web, leadflow_env):
    email = sent_email(timedelta(seconds=1))
    requests.get(url(leadflow_env, "c", email), headers=BROWSER, allow_redirects=False, timeout=10)
    assert stored() == [("click", LINKS[0], True, "too_soon_after_send")]


@pytest.mark.parametrize(
    ("agent", "reason"),
    [
        ("Mozilla/5.0", "apple_mpp"),
        (CHROME, None),
        ("Mozilla/5.0 (via ggpht.com GoogleImageProxy)", "gmail_proxy"),
    ],
)
def test_proxy_opens_are_flagged(web, email_id, leadflow_env, agent, reason):
    requests.get(
        url(leadflow_env, "o", email_id) + ".gif", headers={"User-Agent": agent}, timeout=10
    )
    wait_until_written()  # the pixel is answered before its row is committed
    assert stored() == [("open", None, reason is not None, reason)]


def test_a_scanner_following_every_link_never_unsubscribes(web, email_id, leadflow_env):
    scanner = {"User-Agent": "Mozilla/5.0 (compatible; Barracuda Sentinel)"}
    for position in (0, 1, 2, HONEYPOT_POSITION):
        requests.get(
            url(leadflow_env, "c", email_id, position),
            headers=scanner,
            allow_redirects=False,
            timeout=10,
        )
    assert (
        requests.get(url(leadflow_env, "u", email_id), headers=scanner, timeout=10).status_code
        == 200
    )
    with session_scope() as session:
        assert (
            not session.scalar(select(Lead.suppressed))
            and session.scalar(select(Suppression.email)) is None
        )

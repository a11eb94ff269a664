"""Sign-in and the workspace's guards over real HTTP (uvicorn, requests, a real SMTP server)."""

from __future__ import annotations

import re
import time

import pytest
import requests
from sqlalchemy import select

from leadflow.core.db import session_scope
from leadflow.core.models import Assignment, Decision, Lead
from leadflow.web import signin
from leadflow.web.auth import person_by_email
from tests.web.conftest import add_lead, rep_email, route, sign_in_link, wait_for

pytestmark = pytest.mark.db
CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def csrf_of(http: requests.Session, url: str) -> str:
    return CSRF.search(http.get(url, timeout=10).text).group(1)  # type: ignore[union-attr]


def ask_link(
    http: requests.Session, web: str, email: str, next_path: str = ""
) -> requests.Response:
    token = csrf_of(http, f"{web}/signin")
    return http.post(
        f"{web}/signin", data={"csrf": token, "email": email, "next": next_path}, timeout=10
    )


def signed_in(web: str, recorder, key: str) -> requests.Session:  # type: ignore[no-untyped-def]
    http = requests.Session()
    assert ask_link(http, web, rep_email(key)).status_code == 200
    link = wait_for(lambda: recorder.to(rep_email(key)) and sign_in_link(recorder, rep_email(key)))
    token = csrf_of(http, link)
    assert (
        http.post(link, data={"csrf": token}, timeout=10, allow_redirects=False).status_code == 303
    )
    return http


def test_a_link_signs_in_once_with_a_safe_cookie(web, recorder):
    http = requests.Session()
    answer = ask_link(http, web, rep_email("emma.schulz"), "/leads/1")
    assert answer.status_code == 200 and "on its way" in answer.text
    link = wait_for(
        lambda: (
            recorder.to(rep_email("emma.schulz"))
            and sign_in_link(recorder, rep_email("emma.schulz"))
        )
    )
    assert http.get(f"{web}/inbox", timeout=10, allow_redirects=False).status_code == 303  # not yet
    token = csrf_of(http, link)  # a GET of the link signs nobody in (mail scanners fetch links)
    assert http.get(f"{web}/inbox", timeout=10, allow_redirects=False).status_code == 303
    done = http.post(link, data={"csrf": token}, timeout=10, allow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == "/leads/1"
    cookie = done.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie and "path=/" in cookie
    assert http.get(f"{web}/inbox", timeout=10).status_code == 200
    other = requests.Session()
    again = other.post(link, data={"csrf": csrf_of(other, link)}, timeout=10, allow_redirects=False)
    assert again.status_code == 410 and "used already" in again.text


def test_an_unknown_address_gets_the_same_answer_and_no_email(web, recorder):
    http = requests.Session()
    answer = ask_link(http, web, "stranger@example.org")
    known = ask_link(requests.Session(), web, rep_email("emma.schulz"))
    assert answer.status_code == known.status_code == 200
    assert re.sub(CSRF, "", answer.text) == re.sub(CSRF, "", known.text)
    wait_for(lambda: recorder.to(rep_email("emma.schulz")))
    assert recorder.to("stranger@example.org") == []


def test_sign_in_requests_are_rate_limited_per_address(web, recorder):
    http = requests.Session()
    codes = [ask_link(http, web, rep_email("felix.martin")).status_code for _ in range(6)]
    assert codes == [200] * 5 + [429]
    assert (
        ask_link(http, web, rep_email("grace.tan")).status_code == 200
    )  # another address still can


def test_a_form_without_its_csrf_token_is_refused(web, recorder):
    http = requests.Session()
    http.get(f"{web}/signin", timeout=10)
    answer = http.post(f"{web}/signin", data={"email": rep_email("emma.schulz")}, timeout=10)
    assert answer.status_code == 403
    forged = http.post(
        f"{web}/signin", data={"email": rep_email("emma.schulz"), "csrf": "x" * 32}, timeout=10
    )
    assert forged.status_code == 403
    time.sleep(0.5)  # a refused form sends nothing; give a wrongly sent email the time to arrive
    assert recorder.to(rep_email("emma.schulz")) == []


def test_expired_or_forged_links_do_not_work(web, leadflow_env):
    person = person_by_email(rep_email("emma.schulz"))  # mirrors the people first
    assert person is not None
    old = signin.make_link(person, "/inbox", now=time.time() - signin.LINK_SECONDS - 1)
    assert requests.get(old, timeout=10).status_code == 410
    fresh = signin.make_link(person, "/inbox")
    body, mac = fresh.rsplit("/", 1)[1].split(".")
    assert requests.get(f"{web}/signin/{body}.{mac[:-2]}AA", timeout=10).status_code == 410


@pytest.mark.parametrize(
    "target", ["https://evil.example/x", "//evil.example", "/\\evil.example", "javascript:alert(1)"]
)
def test_no_open_redirect_after_sign_in(web, recorder, target):
    http = requests.Session()
    ask_link(http, web, rep_email("emma.schulz"), target)
    link = wait_for(
        lambda: (
            recorder.to(rep_email("emma.schulz"))
            and sign_in_link(recorder, rep_email("emma.schulz"))
        )
    )
    done = http.post(link, data={"csrf": csrf_of(http, link)}, timeout=10, allow_redirects=False)
    assert done.headers["location"] == "/inbox"


def test_a_rep_cannot_act_on_or_read_another_reps_lead(web, recorder):
    offer = route(add_lead("anna@firma.example.de"))
    intruder = "felix.martin" if offer.rep != "felix.martin" else "emma.schulz"
    http = signed_in(web, recorder, intruder)
    token = csrf_of(http, f"{web}/inbox")
    answer = http.post(
        f"{web}/inbox/{offer.id}", data={"csrf": token, "action": "accept"}, timeout=10
    )
    assert answer.status_code == 403
    assert http.get(f"{web}/leads/{offer.lead_id}", timeout=10).status_code == 403
    assert http.get(f"{web}/leads/{offer.lead_id}.json", timeout=10).status_code == 403
    with session_scope() as session:
        assert session.get(Assignment, offer.id).status == "offered"
        assert session.scalars(select(Decision).where(Decision.kind == "accept")).all() == []


def test_the_owner_acts_through_the_same_service_as_the_links(web, recorder):
    offer = route(add_lead("anna@firma.example.de"))
    http = signed_in(web, recorder, offer.rep)
    token = csrf_of(http, f"{web}/inbox")
    missing = http.post(f"{web}/inbox/{offer.id}", data={"action": "accept"}, timeout=10)
    assert missing.status_code == 403  # no CSRF token: nothing happens
    done = http.post(
        f"{web}/inbox/{offer.id}",
        data={"csrf": token, "action": "reject", "reason": "not_ready", "note": "budget next year"},
        timeout=10,
    )
    assert done.status_code == 200 and "back to nurture" in done.text
    with session_scope() as session:
        assert session.get(Assignment, offer.id).status == "rejected"
        assert session.get(Lead, offer.lead_id).status == "pool"
        (reject,) = session.scalars(select(Decision).where(Decision.kind == "reject")).all()
        assert reject.inputs["via"] == "web" and reject.reason == "budget next year"
    again = http.post(
        f"{web}/inbox/{offer.id}", data={"csrf": token, "action": "accept"}, timeout=10
    )
    assert again.status_code == 409  # already handled: a clear answer, nothing changes


def test_each_role_sees_its_pages(web, recorder, monkeypatch):
    offer = route(add_lead("anna@firma.example.de"))
    http = signed_in(web, recorder, offer.rep)
    trace = http.get(f"{web}/leads/{offer.lead_id}.json", timeout=10).json()
    assert trace["lead"]["email"] == "anna@firma.example.de"
    assert [e["kind"] for e in trace["timeline"]][:1] == ["route"]
    for page in ("/marketing", "/marketing/report", "/ops", "/queues"):  # not a rep's pages
        assert http.get(f"{web}{page}", timeout=10).status_code == 403
    manager = signed_in(web, recorder, "hans.weber")
    assert manager.get(f"{web}/leads/{offer.lead_id}.json", timeout=10).status_code == 200
    for page in ("/marketing", "/marketing/report", "/ops", "/queues"):
        assert manager.get(f"{web}{page}", timeout=30).status_code == 200

"""The rep loop over real HTTP: signed links in the rep's email, the team webhook, CRM activity.

A real SMTP server records the rep emails; links are read out of them and followed with
requests against the web app on uvicorn; the webhook goes to a real local HTTP server.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Iterator
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlparse

import pytest
import requests
from sqlalchemy import func, select

from leadflow.core.db import session_scope
from leadflow.routing.assignment_webhook import signature, verify
from leadflow.app.local_services import WebServer
from leadflow.core.models import Assignment, AssignmentWebhook, Decision, Lead
from leadflow.core.settings import PROJECT_ROOT, reset_settings
from tasks.notify import deliver_assignment_webhooks
from leadflow.pipeline.notify import notify_reps
from tasks.routing import route_leads

pytestmark = pytest.mark.db
T0 = datetime(2026, 11, 9, 15, 0, tzinfo=timezone.utc)  # Berlin 16:00: EMEA at work
SECRET = "hook-secret"


@pytest.fixture
def web(leadflow_env) -> Iterator[str]:  # type: ignore[no-untyped-def]
    base = urlparse(leadflow_env.public_base_url)
    with WebServer(base.hostname, base.port):
        yield leadflow_env.public_base_url


@pytest.fixture
def long_links(monkeypatch: pytest.MonkeyPatch, leadflow_env):  # type: ignore[no-untyped-def]
    """Links from the simulated past still valid today."""
    monkeypatch.setenv("LEADFLOW_REP_LINK_TTL_HOURS", str(24 * 365 * 50))
    monkeypatch.setenv("LEADFLOW_ASSIGNMENT_WEBHOOK_SECRET", SECRET)
    reset_settings()


def routed_lead(email: str = "anna@firma.example.de") -> Assignment:
    with session_scope() as session:
        lead = Lead(
            email=email,
            domain=email.split("@")[1],
            country="DE",
            employees=500,
            industry="Software",
            temperature="hot",
            score=85,
            status="new",
            created_at=T0,
            updated_at=T0,
        )
        session.add(lead)
        session.flush()
        lead_id = lead.id
    routed = route_leads.fn([lead_id], T0)
    notify_reps(routed.assignment_ids, T0)
    with session_scope() as session:
        return session.get(Assignment, routed.assignment_ids[0])


def links_in(recorder, rep_email: str) -> dict[str, str]:  # type: ignore[no-untyped-def]
    (received,) = recorder.to(rep_email)
    text = received.message.get_body(preferencelist=("plain",)).get_content()
    found = dict(
        re.findall(
            r"^(Accept|Wrong match|Not ready|After accepting)[^:]*:\s+(http\S+/r/[\w.=-]+)",
            text,
            re.M,
        )
    )
    return {
        "accept": found["Accept"],
        "wrong_match": found["Wrong match"],
        "not_ready": found["Not ready"],
        "activity": found["After accepting"],
    }


def rep_email(key: str) -> str:
    return f"{key}@leadflow.example"


def wait_for(condition, seconds: float = 20.0):  # type: ignore[no-untyped-def]
    """Poll until the background work is visible (not a timing assertion: only a ceiling)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if value := condition():
            return value
        time.sleep(0.1)
    raise AssertionError("condition not met in time")


def decisions(kind: str) -> list[Decision]:
    with session_scope() as session:
        return list(
            session.scalars(select(Decision).where(Decision.kind == kind).order_by(Decision.id))
        )


def test_a_get_changes_nothing_and_the_posted_accept_accepts(web, recorder, long_links):
    offer = routed_lead()
    links = links_in(recorder, rep_email(offer.rep))
    page = requests.get(links["accept"], timeout=10)
    assert (
        page.status_code == 200
        and "Accept this lead" in page.text
        and "anna@firma.example.de" in page.text
    )
    with session_scope() as session:
        assert session.get(Assignment, offer.id).status == "offered"
    done = requests.post(links["accept"], timeout=10)
    assert done.status_code == 200 and "accepted by" in done.text
    with session_scope() as session:
        assert session.get(Assignment, offer.id).status == "accepted"
        assert session.get(Lead, offer.lead_id).lifecycle_stage == "sql"
    again = requests.post(links["accept"], timeout=10)
    assert again.status_code == 409  # a second click finds nothing left to do
    logged = requests.post(links["activity"], data={"note": "first call"}, timeout=10)
    assert logged.status_code == 200
    assert [d.outcome for d in decisions("activity")] == [f"{offer.rep}: first call"]


def test_wrong_match_link_flags_the_rule_and_the_next_rep_gets_the_lead_by_email(
    web, recorder, long_links
):
    offer = routed_lead()
    links = links_in(recorder, rep_email(offer.rep))
    answer = requests.post(links["wrong_match"], data={"note": "we do not sell in DE"}, timeout=10)
    assert answer.status_code == 200 and "someone else" in answer.text

    def new_offer() -> Assignment | None:
        with session_scope() as session:
            return session.scalar(
                select(Assignment).where(
                    Assignment.lead_id == offer.lead_id, Assignment.status == "offered"
                )
            )

    second = wait_for(new_offer)
    assert second.rep != offer.rep and second.rule_id != offer.rule_id
    wait_for(lambda: recorder.to(rep_email(second.rep)))
    (review,) = decisions("rule_review")
    assert review.rule_id == offer.rule_id and "we do not sell in DE" in review.reason


def test_not_ready_link_returns_the_lead_to_the_pool(web, recorder, long_links):
    offer = routed_lead()
    answer = requests.post(links_in(recorder, rep_email(offer.rep))["not_ready"], timeout=10)
    assert answer.status_code == 200
    with session_scope() as session:
        assert session.get(Lead, offer.lead_id).status == "pool"


def test_forged_and_expired_links_act_on_nothing(web, recorder, leadflow_env):
    offer = routed_lead()  # default 72 h links, issued on the simulated T0: long expired today
    links = links_in(recorder, rep_email(offer.rep))
    assert requests.post(links["accept"], timeout=10).status_code == 410
    head, action, expiry, sig = links["accept"].rsplit("/", 1)[1].split(".")
    forged = f"{web}/r/{head}.{action}.{int(expiry) + 10**9}.{sig}"
    assert requests.get(forged, timeout=10).status_code == 404
    assert requests.post(forged, timeout=10).status_code == 404
    assert requests.post(f"{web}/r/../../etc", timeout=10).status_code == 404
    with session_scope() as session:
        assert session.get(Assignment, offer.id).status == "offered"
        assert not session.scalars(select(Decision).where(Decision.kind == "accept")).all()


def test_crm_activity_webhook_needs_a_valid_signature(web, recorder, long_links):
    offer = routed_lead()
    requests.post(links_in(recorder, rep_email(offer.rep))["accept"], timeout=10)
    body = json.dumps({"lead": offer.lead_id, "what": "meeting booked"}).encode()
    stamp = int(time.time())
    headers = {
        "X-Leadflow-Timestamp": str(stamp),
        "X-Leadflow-Signature": signature(SECRET, stamp, body),
        "Content-Type": "application/json",
    }
    bad = {**headers, "X-Leadflow-Signature": signature("wrong", stamp, body)}
    assert (
        requests.post(f"{web}/crm/activity", data=body, headers=bad, timeout=10).status_code == 401
    )
    old = {
        **headers,
        "X-Leadflow-Timestamp": str(stamp - 3600),
        "X-Leadflow-Signature": signature(SECRET, stamp - 3600, body),
    }
    assert (
        requests.post(f"{web}/crm/activity", data=body, headers=old, timeout=10).status_code == 401
    )
    assert decisions("activity") == []
    assert (
        requests.post(f"{web}/crm/activity", data=body, headers=headers, timeout=10).status_code
        == 200
    )
    assert [d.rule_id for d in decisions("activity")] == ["crm"]


class _Hook(BaseHTTPRequestHandler):
    answers: list[int] = []
    received: list[tuple[dict[str, str], bytes]] = []

    def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.received.append((dict(self.headers), body))
        self.send_response(self.answers.pop(0) if self.answers else 200)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def hook_server() -> Iterator[tuple[str, type[_Hook]]]:
    handler = type("Hook", (_Hook,), {"answers": [503], "received": []})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/leads", handler
    server.shutdown()


def test_the_assignment_webhook_is_signed_retried_and_delivered_once(
    leadflow_env, long_links, hook_server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    url, handler = hook_server
    rules = tmp_path / "rules"
    rules.mkdir()
    text = (PROJECT_ROOT / "routing_rules" / "routing.yaml").read_text(encoding="utf-8")
    text = text.replace(
        "  - key: emea\n    name: EMEA\n",
        f"  - key: emea\n    name: EMEA\n    webhook_url: {url}\n",
    )
    (rules / "routing.yaml").write_text(text, encoding="utf-8")
    monkeypatch.setenv("LEADFLOW_ROUTING_DIR", str(rules))
    reset_settings()
    offer = routed_lead()  # the first post gets a 503
    with session_scope() as session:
        row = session.scalar(select(AssignmentWebhook))
        assert (row.status, row.attempts) == ("pending", 1) and "503" in row.last_error
        retry_at = row.next_attempt_at
    assert deliver_assignment_webhooks.fn([], retry_at) == {
        "delivered": 1,
        "pending": 0,
        "failed": 0,
    }
    assert deliver_assignment_webhooks.fn([offer.id], retry_at) == {
        "delivered": 0,
        "pending": 0,
        "failed": 0,
    }
    assert len(handler.received) == 2
    headers, body = handler.received[-1]
    assert verify(
        SECRET,
        headers["X-Leadflow-Timestamp"],
        body,
        headers["X-Leadflow-Signature"],
        int(time.time()),
    )
    payload = json.loads(body)
    assert (
        payload["assignment"]["rep"] == offer.rep
        and payload["lead"]["email"] == "anna@firma.example.de"
    )
    assert set(payload["links"]) == {"accept", "wrong_match", "not_ready", "activity"}
    with session_scope() as session:
        assert session.scalar(select(func.count()).select_from(AssignmentWebhook)) == 1

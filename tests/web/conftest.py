"""The web workspace under test: the app on uvicorn, a real SMTP recorder, Debian's chromium.

Chromium is the system's (apt-get install chromium), driven by Playwright from PyPI; no
browser is ever downloaded (the `browser` fixture: tests/support/browser.py). Screenshots go
to LEADFLOW_SCREENSHOT_DIR when it is set.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import urlparse

import pytest

from leadflow.app.local_services import WebServer
from leadflow.core.db import session_scope
from leadflow.core.models import Assignment, Lead
from leadflow.web import signin
from tests.nurture.integration.nurture_support import Recorder

T0 = datetime(2026, 11, 9, 15, 0, tzinfo=timezone.utc)  # Berlin 16:00: EMEA at work
LINK = re.compile(r"(http\S+/signin/\S+)")


@pytest.fixture(autouse=True)
def fresh_rate_limits(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test starts with empty sign-in counters (they live in the process)."""
    monkeypatch.setattr(signin, "PER_ADDRESS", signin.RateLimit(5, 15 * 60))
    monkeypatch.setattr(signin, "PER_CLIENT", signin.RateLimit(20, 15 * 60))


@pytest.fixture
def web(leadflow_env, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("LEADFLOW_REP_LINK_TTL_HOURS", str(24 * 365 * 50))
    base = urlparse(leadflow_env.public_base_url)
    with WebServer(base.hostname, base.port):
        yield leadflow_env.public_base_url


@pytest.fixture
def shots(tmp_path: Path) -> Path:
    folder = Path(os.environ.get("LEADFLOW_SCREENSHOT_DIR") or tmp_path / "screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def sign_in_link(recorder: Recorder, email: str) -> str | None:
    """The newest sign-in link emailed to the address, if any arrived yet."""
    for received in reversed(recorder.to(email)):
        found = LINK.search(received.message.get_body(preferencelist=("plain",)).get_content())
        if found:
            return found.group(1)
    return None


def add_lead(
    email: str,
    *,
    full_name: str | None = None,
    company: str | None = None,
    country: str = "DE",
    employees: int = 500,
    score: int = 85,
    grade: str = "A",
    status: str = "new",
    **more: object,
) -> int:
    with session_scope() as session:
        lead = Lead(
            email=email,
            domain=email.split("@")[1],
            country=country,
            employees=employees,
            industry="Software",
            temperature="hot",
            score=score,
            grade=grade,
            status=status,
            full_name=full_name,
            company=company,
            created_at=T0,
            updated_at=T0,
            **more,
        )
        session.add(lead)
        session.flush()
        return lead.id


def route(lead_id: int) -> Assignment:
    from tasks.routing import route_leads

    routed = route_leads.fn([lead_id], T0)
    with session_scope() as session:
        return session.get(Assignment, routed.assignment_ids[0])


def due_in(offer: Assignment, hours: float, rep: str | None = None) -> None:
    """Move an offer's deadline to some hours from the real now (routing ran at T0)."""
    from datetime import timedelta

    from leadflow.core.clock import utcnow

    with session_scope() as session:
        row = session.get(Assignment, offer.id)
        row.sla_due_at, row.rep = utcnow() + timedelta(hours=hours), rep or row.rep


PEOPLE_EMAILS = {
    "mia.marketing": "mia.park@leadflow.example",
    "ops.admin": "sales-ops@leadflow.example",
}


def rep_email(key: str) -> str:
    """The address of a person of routing_rules/routing.yaml (reps and people)."""
    return PEOPLE_EMAILS.get(key, f"{key}@leadflow.example")


def wait_for(condition, seconds: float = 20.0):  # type: ignore[no-untyped-def]
    """Poll until background work is visible (not a timing assertion: only a ceiling)."""
    import time

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if value := condition():
            return value
        time.sleep(0.05)
    raise AssertionError("condition not met in time")

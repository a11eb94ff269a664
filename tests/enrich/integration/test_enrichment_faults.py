"""Providers that cannot hold us: a real local server that trickles, hangs and lies."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from leadflow.core.db import session_scope
from leadflow.core.models import Account, EnrichmentCache, Lead
from leadflow.core.settings import reset_settings
from tasks.enrich import enrich_leads
from tests.support.fake_enrichment_server import FakeProviders, clearbit_record

pytestmark = pytest.mark.db
NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


@pytest.fixture
def fake() -> Iterator[FakeProviders]:
    server = FakeProviders(key="test-key", hang_s=30, trickle_s=0.2).start()
    yield server
    server.stop()


@pytest.fixture
def providers(
    leadflow_env: Any,
    fake: FakeProviders,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    prefect_harness: None,
) -> Any:
    def write(extra: str = "", timeout_s: float = 1) -> None:
        path = tmp_path / "providers.yaml"
        path.write_text(
            "version: 1\nhttp: {backoff_base_s: 0.001, backoff_max_s: 0.01}\nproviders:\n"
            f"  - {{name: faulty, type: clearbit, base_url: '{fake.url}', timeout_s: {timeout_s},"
            f" max_attempts: 1, concurrency: 4{extra}}}\n",
            encoding="utf-8",
        )
        monkeypatch.setenv("LEADFLOW_ENRICHMENT_PATH", str(path))
        monkeypatch.setenv("LEADFLOW_CLEARBIT_API_KEY", "test-key")
        reset_settings()

    write()
    return write


def add_leads(*domains: str) -> list[int]:
    with session_scope() as session:
        leads = [Lead(email=f"ada@{d}", domain=d) for d in domains]
        session.add_all(leads)
        session.flush()
        return [lead.id for lead in leads]


def statuses(ids: list[int]) -> dict[str, str | None]:
    with session_scope() as session:
        return dict(
            session.execute(select(Lead.domain, Lead.enrichment_status).where(Lead.id.in_(ids)))
            .tuples()
            .all()
        )


def test_a_trickling_answer_is_cut_at_the_call_deadline(
    providers: Any, fake: FakeProviders
) -> None:
    fake.script["drip.com"] = ["trickle"]
    ids = add_leads("drip.com")
    enrich_leads.fn(ids, NOW)
    assert statuses(ids) == {"drip.com": "timeout"}
    # One byte per 0.2 s against a 1 s deadline: the whole answer never went out (how many
    # bytes did depends on how busy the machine is: a starved server thread may send none).
    assert fake.requests_for("drip.com") == 1
    assert fake.trickled.get("drip.com", 0) < len(json.dumps(clearbit_record("drip.com"))) // 4


def test_a_lying_answer_is_invalid_response_never_a_cached_miss(
    providers: Any, fake: FakeProviders
) -> None:
    # A deadline no local answer misses, however loaded the machine: the test is about lies.
    providers(timeout_s=5)
    fake.script["liar.com"] = ["lie", "ok"]
    ids = add_leads("liar.com")
    enrich_leads.fn(ids, NOW)
    assert statuses(ids) == {"liar.com": "invalid_response"}
    with session_scope() as session:
        assert session.scalar(select(func.count()).select_from(EnrichmentCache)) == 0
    enrich_leads.fn(ids, NOW)  # not final: the next run asks again, and gets the truth
    assert statuses(ids) == {"liar.com": "enriched"} and fake.requests_for("liar.com") == 2


def test_the_breaker_opens_on_hanging_domains_and_the_rest_are_not_asked(
    providers: Any, fake: FakeProviders
) -> None:
    providers(", breaker: {failures: 3, open_s: 3600}, concurrency: 1")
    hanging = [f"hang{i}.com" for i in range(16)]
    fake.script.update({d: ["hang"] for d in hanging})
    ids = add_leads(*hanging)
    enrich_leads.fn(ids, NOW)
    found = statuses(ids)
    assert sorted(found.values()) == ["circuit_open"] * 13 + ["timeout"] * 3
    assert sum(fake.requests_for(d) for d in hanging) == 3


def test_a_batch_deadline_bounds_a_provider_whatever_its_domains_do(
    providers: Any, fake: FakeProviders
) -> None:
    providers(", batch_deadline_s: 2.5, concurrency: 1, breaker: {failures: 100}")
    slow = [f"slow{i}.com" for i in range(6)]
    fake.script.update({d: ["trickle"] for d in slow})
    ids = add_leads(*slow)
    enrich_leads.fn(ids, NOW)
    # Calls of at least 1 s each (their deadline) one after another: by 2.5 s at most a third
    # has started, and the rest never start. Fewer when the machine is busy, never more.
    assert sorted(statuses(ids).values()) == ["timeout"] * 6
    assert 1 <= sum(fake.requests_for(d) for d in slow) <= 3


def test_an_account_is_made_once_per_domain_and_filled_by_the_first_that_knew_it(
    providers: Any,
) -> None:
    """One domain's account exists and was filled by hand; the other's does not exist. After
    enrichment both leads are linked, the first account as it was, the second made and filled
    from the provider's answer."""
    with session_scope() as session:
        session.add(Account(domain="kept.io", name="Kept Inc", industry="Kept", enriched_by="hand"))
    ids = add_leads("kept.io", "new.io")
    enrich_leads.fn(ids, NOW)
    with session_scope() as session:
        accounts = {a.domain: a for a in session.scalars(select(Account))}
        linked = dict(session.execute(select(Lead.domain, Lead.account_id)).tuples().all())
    assert sorted(accounts) == ["kept.io", "new.io"]
    assert {d: accounts[d].id for d in accounts} == linked
    kept, new = accounts["kept.io"], accounts["new.io"]
    assert (kept.name, kept.industry, kept.enriched_by) == ("Kept Inc", "Kept", "hand")
    answer = clearbit_record("new.io")
    assert (new.name, new.enriched_by) == (answer["name"], "faulty")
    assert (new.industry, new.employees) == (
        answer["category"]["industry"],
        answer["metrics"]["employees"],
    )
    assert new.enriched_at is not None

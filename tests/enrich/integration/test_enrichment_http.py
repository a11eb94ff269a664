"""HTTP providers against a real local server speaking the Clearbit and PDL contracts.

Retry waits are made tiny through the providers file; a 429 carries Retry-After: 1, so the
one test that meets it waits one real second.

The answer deadline (2 s) is far from both a local answer and the hang (6 s): with 0.4 s,
a fully loaded CI machine once let an "ok" answer miss it, and the request count failed.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from prefect import flow
from sqlalchemy import select

from leadflow.core.db import session_scope
from tests.support.fake_enrichment_server import CLEARBIT_PATH, PDL_PATH, FakeProviders
from leadflow.core.models import Decision, EnrichmentCache, Lead
from leadflow.core.settings import reset_settings
from tasks.enrich import enrich_leads

pytestmark = pytest.mark.db
NOW = datetime(2026, 11, 24, 9, 0, tzinfo=timezone.utc)


@pytest.fixture
def fake() -> Iterator[FakeProviders]:
    server = FakeProviders(key="test-key", hang_s=6).start()
    yield server
    server.stop()


@pytest.fixture
def configure(
    leadflow_env: Any,
    fake: FakeProviders,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    prefect_harness: None,
) -> Any:
    """Write a providers file pointing at the fake server; returns a function to rewrite it."""

    def write(
        providers: str = "clearbit, pdl", max_calls: int = 1000, clearbit_concurrency: int = 4
    ) -> None:
        blocks = {
            "local": "  - {name: local, type: local}\n",
            "clearbit": f"  - {{name: clearbit, type: clearbit, base_url: '{fake.url}', timeout_s: 2,"
            f" max_attempts: 3, concurrency: {clearbit_concurrency}, batch_slots: 3}}\n",
            "pdl": f"  - {{name: pdl, type: peopledatalabs, base_url: '{fake.url}', timeout_s: 2,"
            " max_attempts: 2}\n",
        }
        path = tmp_path / "providers.yaml"
        path.write_text(
            "version: 1\nbudget: {max_calls_per_run: %d}\n"
            "http: {backoff_base_s: 0.001, backoff_max_s: 0.01, max_retry_after_s: 2,"
            " max_response_bytes: 65536}\nproviders:\n"
            % max_calls
            + "".join(blocks[p.strip()] for p in providers.split(",")),
            encoding="utf-8",
        )
        monkeypatch.setenv("LEADFLOW_ENRICHMENT_PATH", str(path))
        monkeypatch.setenv("LEADFLOW_CLEARBIT_API_KEY", "test-key")
        monkeypatch.setenv("LEADFLOW_PDL_API_KEY", "test-key")
        reset_settings()

    write()
    return write


def add_leads(*domains: str, prefix: str = "ada", **flags: Any) -> list[int]:
    with session_scope() as session:
        leads = [Lead(email=f"{prefix}@{d}", domain=d, **flags) for d in domains]
        session.add_all(leads)
        session.flush()
        return [lead.id for lead in leads]


def leads_by_domain(ids: list[int]) -> dict[str, Lead]:
    with session_scope() as session:
        return {lead.domain: lead for lead in session.scalars(select(Lead).where(Lead.id.in_(ids)))}


def decisions(lead_id: int) -> list[Decision]:
    with session_scope() as session:
        return list(
            session.scalars(
                select(Decision)
                .where(Decision.lead_id == lead_id, Decision.kind == "enrich")
                .order_by(Decision.id)
            )
        )


@flow(name="enrich-in-batches")
def enrich_in_batches(batches: list[list[int]], now: datetime) -> None:
    for ids in batches:
        enrich_leads(ids, now)


def test_every_misbehaviour_leaves_the_lead_flowing_with_a_status(
    configure: Any, fake: FakeProviders
) -> None:
    configure("clearbit")
    script = {
        "ok.com": ["ok"],
        "gone.com": ["404"],
        "bad.com": ["422"],
        "broken.com": ["malformed"],
        "html.com": ["html"],
        "errbody.com": ["error_body"],
        "huge.com": ["huge"],
        "endless.com": ["huge_unsized"],
        "away.com": ["redirect_other_host"],
        "moved.com": ["redirect_same_host"],
        "slow.com": ["hang"],
        "queued.com": ["202"],
        "flaky.com": ["500", "500", "ok"],
        "busy.com": ["429", "ok"],
    }
    fake.script.update(script)
    ids = add_leads(*script)
    assert enrich_leads.fn(ids, NOW) == 4  # ok, moved, flaky and busy
    leads = leads_by_domain(ids)
    assert {d: lead.enrichment_status for d, lead in leads.items()} == {
        "ok.com": "enriched",
        "gone.com": "not_found",
        "bad.com": "bad_input",
        "broken.com": "bad_response",
        "html.com": "bad_response",
        "errbody.com": "bad_response",
        "huge.com": "response_too_large",
        "endless.com": "response_too_large",
        "away.com": "redirect_refused",
        "moved.com": "enriched",
        "slow.com": "timeout",
        "queued.com": "queued",
        "flaky.com": "enriched",
        "busy.com": "enriched",
    }
    # Transient answers were retried up to max_attempts; permanent ones were asked once.
    assert {
        d: fake.requests_for(d)
        for d in ("flaky.com", "queued.com", "slow.com", "busy.com", "bad.com")
    } == {"flaky.com": 3, "queued.com": 3, "slow.com": 3, "busy.com": 2, "bad.com": 1}
    ok = leads["ok.com"]
    assert (ok.company, ok.country, ok.state, ok.has_website, ok.enriched_by) == (
        "Ok",
        "US",
        "WA",
        True,
        "clearbit",
    )
    assert ok.enrichment_provenance["company"] == {"provider": "clearbit", "at": NOW.isoformat()}
    (busy,) = decisions(leads["busy.com"].id)
    assert (busy.rule_id, busy.inputs["attempts"], busy.inputs["waits_s"]) == (
        "provider:clearbit",
        2,
        [1.0],
    )
    (flaky,) = decisions(leads["flaky.com"].id)
    assert flaky.inputs["waits_s"] == [0.001, 0.002]  # exponential backoff from the configured base


def test_second_run_hits_the_cache_and_unknown_domains_are_negative_cached(
    configure: Any, fake: FakeProviders
) -> None:
    fake.script["gone.com"] = ["404"]
    first = add_leads("acme.com", "gone.com")
    enrich_leads.fn(first, NOW)
    # acme.com: clearbit filled every field, so PDL was not asked; gone.com: both said 404.
    assert fake.requests_for("acme.com") == 1 and fake.hits[(PDL_PATH, "acme.com")] == 0
    assert fake.hits[(CLEARBIT_PATH, "gone.com")] == fake.hits[(PDL_PATH, "gone.com")] == 1
    second = add_leads("acme.com", "gone.com", prefix="bob")
    enrich_leads.fn(second, NOW + timedelta(days=1))
    assert (
        fake.requests_for("acme.com") == 1 and fake.requests_for("gone.com") == 2
    )  # no new request
    leads = leads_by_domain(second)
    assert (leads["acme.com"].enrichment_status, leads["acme.com"].company) == ("cached", "Acme")
    assert leads["gone.com"].enrichment_status == "not_found"
    with session_scope() as session:
        miss = session.get(EnrichmentCache, ("clearbit", "gone.com"))
        assert miss.miss and miss.payload is None
        assert miss.expires_at.replace(tzinfo=timezone.utc) == NOW + timedelta(days=30)
    # After the negative TTL the unknown domain is asked again.
    third = add_leads("gone.com", prefix="cy")
    enrich_leads.fn(third, NOW + timedelta(days=31))
    assert fake.requests_for("gone.com") == 4


def test_pdl_fills_in_when_clearbit_does_not_know_the_company(
    configure: Any, fake: FakeProviders
) -> None:
    fake.script["clearbit:werk.de"] = ["404"]
    (lead_id,) = add_leads("werk.de")
    enrich_leads.fn([lead_id], NOW)
    lead = leads_by_domain([lead_id])["werk.de"]
    assert (lead.enrichment_status, lead.company, lead.country) == ("enriched", "Werk", "DE")
    assert (
        lead.industry == "Computer Software"
    )  # no industry_map in this file: PDL's name, title-cased
    provenance = lead.enrichment_provenance
    assert set(provenance) == {
        "company",
        "industry",
        "employees",
        "revenue_band",
        "country",
        "state",
    }
    assert {p["provider"] for p in provenance.values()} == {"pdl"}
    assert [d.rule_id for d in decisions(lead_id)] == ["provider:clearbit", "provider:pdl"]


def test_free_mail_is_skipped_without_a_call_and_recorded_as_no_web_site(
    configure: Any, fake: FakeProviders
) -> None:
    (free,) = add_leads("gmail.com", is_free_mail=True)
    (role,) = add_leads("acme.com", prefix="info", is_role_address=True)
    enrich_leads.fn([free, role], NOW)
    leads = leads_by_domain([free, role])
    assert (leads["gmail.com"].enrichment_status, leads["gmail.com"].has_website) == (
        "skipped_free_mail",
        False,
    )
    assert fake.requests_for("gmail.com") == 0
    assert decisions(role)[0].inputs["role_address"] is True


def test_budget_runs_out_across_batches_and_the_rest_pass_unenriched(
    configure: Any, fake: FakeProviders
) -> None:
    configure("clearbit", max_calls=3, clearbit_concurrency=1)
    ids = add_leads("a.com", "b.com", "c.com", "d.com", "e.com")
    enrich_in_batches([ids[:4], ids[4:]], NOW)
    statuses = sorted(lead.enrichment_status for lead in leads_by_domain(ids).values())
    assert statuses == ["budget_exhausted"] * 2 + ["enriched"] * 3
    assert sum(fake.hits.values()) == 3
    # The next run has a fresh budget and picks up exactly the leads that were left.
    enrich_in_batches([ids], NOW)
    assert {lead.enrichment_status for lead in leads_by_domain(ids).values()} == {"enriched"}
    assert sum(fake.hits.values()) == 5


def test_402_disables_the_provider_for_the_run_which_still_completes(
    configure: Any, fake: FakeProviders
) -> None:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey

    configure("clearbit, pdl", clearbit_concurrency=1)
    fake.script["clearbit:a.com"] = ["402"]  # out of credits; PDL still answers
    ids = add_leads("a.com", "b.com", "c.com", "d.com")
    state = enrich_in_batches([ids[:2], ids[2:]], NOW, return_state=True)
    assert state.is_completed()
    assert fake.hits[(CLEARBIT_PATH, "a.com")] == 1
    assert sum(n for (path, _), n in fake.hits.items() if path == CLEARBIT_PATH) == 1
    leads = leads_by_domain(ids)
    assert {lead.enrichment_status for lead in leads.values()} == {"enriched"}
    assert {lead.enriched_by for lead in leads.values()} == {"pdl"}
    assert decisions(leads["b.com"].id)[0].outcome == "provider_disabled"
    with get_client(sync_client=True) as client:
        by_key = ArtifactFilter(key=ArtifactFilterKey(any_=["enrichment-alerts"]))
        artifacts = client.read_artifacts(artifact_filter=by_key)
        mine = [a for a in artifacts if a.flow_run_id == state.state_details.flow_run_id]
        assert len(mine) == 1 and "clearbit" in mine[0].data and "402" in mine[0].data
        limit = client.read_global_concurrency_limit_by_name("enrich-clearbit")
        assert limit.limit == 3  # created by the code with the file's batch_slots

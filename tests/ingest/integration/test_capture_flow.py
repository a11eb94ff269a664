"""A lead captured by a webhook becomes a lead through the same path as a file row."""

from __future__ import annotations

from urllib.parse import urlparse

import pytest
import requests
from sqlalchemy import select

from flows.capture import ingest_captured
from leadflow.core.db import session_scope
from leadflow.app.local_services import WebServer
from leadflow.core.models import Campaign, CampaignMember, Lead, SourceRecord
from leadflow.core.settings import reset_settings

pytestmark = [pytest.mark.db, pytest.mark.e2e]


def test_captured_leads_are_processed_in_micro_batches_once(
    prefect_harness, leadflow_env, monkeypatch
):
    monkeypatch.setenv("LEADFLOW_CAPTURE_TOKEN", "t0ken")
    reset_settings()
    base = urlparse(leadflow_env.public_base_url)
    leads = {
        "leads": [
            {
                "Email": "Grace.Hopper@Navy.example",
                "First Name": "Grace",
                "Company": "US Navy",
                "Job Title": "Director",
            },
            {"email": "not-an-address", "company": "Nowhere"},
        ]
    }
    with WebServer(base.hostname, base.port):
        answer = requests.post(
            f"{leadflow_env.public_base_url}/capture/json/spring-form",
            json=leads,
            headers={"Authorization": "Bearer t0ken"},
            timeout=10,
        )
    assert answer.status_code == 202 and answer.json()["stored"] == 2

    (summary,) = ingest_captured()
    assert (summary.campaign, summary.read, summary.created, summary.quarantined) == (
        "spring-form",
        2,
        1,
        1,
    )
    assert ingest_captured() == []  # nothing left to process
    with session_scope() as session:
        lead = session.scalar(select(Lead).where(Lead.email == "grace.hopper@navy.example"))
        assert lead is not None and lead.first_name == "Grace" and lead.title == "Director"
        campaign = session.scalar(select(Campaign).where(Campaign.name == "spring-form"))
        assert (
            session.scalar(
                select(CampaignMember).where(CampaignMember.lead_id == lead.id)
            ).campaign_id
            == campaign.id
        )
        bad = session.scalar(select(SourceRecord).where(SourceRecord.status == "quarantined"))
        assert bad.reason_code == "invalid_email" and bad.source_name == "webhook:json"

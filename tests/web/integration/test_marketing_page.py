"""Marketing's page shows each campaign's funnel and cost per outcome from the report's rows."""

from __future__ import annotations

import re

import pytest

from leadflow.core.clock import utcnow
from leadflow.core.db import session_scope
from leadflow.core.models import Campaign, Lead
from tests.web.integration.test_signin_http import signed_in

pytestmark = pytest.mark.db


def test_a_campaign_with_its_cost_per_lead(web, recorder):
    now = utcnow()
    with session_scope() as session:
        campaign = Campaign(name="Spring <webinar>", channel="webinar", cost=1000.0)
        session.add(campaign)
        session.flush()
        session.add_all(
            [
                Lead(
                    email=f"p{i}@buyer.example",
                    first_campaign_id=campaign.id,
                    created_at=now,
                    updated_at=now,
                )
                for i in range(4)
            ]
        )
    page = (
        signed_in(web, recorder, "mia.marketing").get(f"{web}/marketing?period=7d", timeout=30).text
    )
    rows = {re.sub(r"<[^>]+>", "|", row) for row in re.findall(r"<tr>.*?</tr>", page, re.S)}
    assert any(
        "|Spring &lt;webinar&gt;||webinar||4|" in row for row in rows
    )  # name escaped, 4 leads
    assert any("|Spring &lt;webinar&gt;||1,000||250|" in row for row in rows)  # cost, per lead
    assert "Campaigns, last 7 days" in page

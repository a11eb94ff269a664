"""The per-batch lookups of source rows read the batch's own rows, whatever the planner's
statistics say. With a filter on the status in SQL, PostgreSQL planned them through the
status index whenever its statistics were off in the right way, and then read, for each
batch, every row the campaign had cleaned so far (statistics gathered while the file was
staged) or every staged row of every campaign (statistics gathered on a cleaned base): a cost
per batch that grew with the data (docs/scaling.md, eighth session)."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from sqlalchemy import insert, select, text

from leadflow.core.db import session_scope
from leadflow.core.models import CampaignMember, Lead
from leadflow.core.statuses import RowStatus
from leadflow.dedupe.batch_store import staged_rows, staged_versions, touch_memberships
from tests.conftest import only_on
from tests.support.source_rows import source_rows_read, stage_campaign

pytestmark = [pytest.mark.db, only_on("postgresql")]

ROWS, ASKED = 3000, 50
NOW = datetime(2026, 12, 6, 21, 0, tzinfo=timezone.utc)


def _stage(name: str) -> tuple[int, list[int]]:
    return stage_campaign(name, ROWS)


def _clean(campaign: int) -> list[int]:
    """Every row of the campaign linked to a lead of its own, as the cleaner writes them; the
    leads in row order."""
    with session_scope() as session:
        leads = session.scalars(
            insert(Lead).returning(Lead.id, sort_by_parameter_order=True),
            [{"email": f"p{i}@{campaign}.example"} for i in range(ROWS)],
        ).all()
        session.execute(
            text(
                "UPDATE source_record SET status = :created, lead_id = lead.id FROM lead"
                " WHERE source_record.campaign_id = :campaign"
                " AND lead.email = 'p' || source_record.line_no || '@' || :campaign || '.example'"
            ),
            {"created": RowStatus.CREATED, "campaign": campaign},
        )
    return list(leads)


def _analyze() -> None:
    with session_scope() as session:
        session.execute(text("ANALYZE source_record"))


def test_the_membership_count_reads_only_the_rows_of_the_leads_asked_for(leadflow_env):
    """Statistics gathered when the file was staged, the campaign cleaned since."""
    campaign, _ = _stage("staged-then-cleaned")
    _analyze()
    asked = _clean(campaign)[-ASKED:]
    read = source_rows_read(lambda session: touch_memberships(session, campaign, asked, NOW))
    with session_scope() as session:
        members = session.execute(
            select(CampaignMember.lead_id, CampaignMember.touches).where(
                CampaignMember.campaign_id == campaign
            )
        ).all()
    assert sorted(members) == [(lead, 1) for lead in sorted(asked)]
    # Through the status index, under these statistics, it read all 3,000 cleaned rows.
    assert read <= 2 * ASKED


def test_a_batch_of_a_new_file_reads_its_own_rows_on_a_cleaned_base(leadflow_env):
    """Statistics gathered on a cleaned base, a new file staged since."""
    cleaned, _ = _stage("cleaned-base")
    _clean(cleaned)
    _analyze()
    campaign, records = _stage("new-file")
    first, last = records[0], records[ASKED - 1]
    with session_scope() as session:  # one row of the batch cleaned already (a resumed run)
        session.execute(
            text("UPDATE source_record SET status = 'quarantined' WHERE id = :id"), {"id": first}
        )
    read_rows = source_rows_read(lambda session: staged_rows(session, campaign, first, last))
    read_versions = source_rows_read(
        lambda session: staged_versions(session, campaign, first, last)
    )
    with session_scope() as session:
        rows = staged_rows(session, campaign, first, last)
        versions = staged_versions(session, campaign, first, last)
    assert [row.id for row in rows] == [id_ for id_, _ in versions] == records[1:ASKED]
    # Through the status index, under these statistics, each read all 3,000 staged rows.
    assert read_rows <= 2 * ASKED and read_versions <= 2 * ASKED

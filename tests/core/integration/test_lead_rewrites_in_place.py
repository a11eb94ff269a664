"""Each step of the ingest pipeline rewrites its leads; where nothing indexed changes and the
row's page has room, PostgreSQL writes the new version as a heap-only tuple (no new entry in
any index of ``lead``). Migration 0012: no index on the stage every step moves; migration
0015: half of each page left for the new versions (fillfactor 50); migration 0016: no index on
the account a lead is linked to, which enrichment writes."""

from __future__ import annotations

import pytest
from sqlalchemy import func, inspect, select, text

from leadflow.core.bulk_writes import insert_rows
from leadflow.core.db import get_engine, session_scope
from leadflow.core.lead_stages import PipelineStage, advance
from leadflow.core.models import Account, Lead
from leadflow.core.statuses import EnrichmentStatus, LeadStatus
from leadflow.enrich.service import ENRICHED
from leadflow.scoring.rescore import WRITE_SCORE_AND_STAGE
from tests.conftest import only_on
from tests.support.ingest_runs import cleaned_leads

pytestmark = pytest.mark.db

# A column a step writes with a value that changes once at most: the lead's status (routed,
# nurturing, disqualified). Indexed: queues and sweeps look leads up by it.
CHANGE_ONCE = {"status"}


def _indexed_columns() -> set[str]:
    found = inspect(get_engine())
    indexes = found.get_indexes("lead") + found.get_unique_constraints("lead")
    return {name for index in indexes for name in index["column_names"] if name}


def test_no_index_covers_a_column_the_enrich_and_score_steps_rewrite(leadflow_env):
    rewritten = {*ENRICHED.params, *ENRICHED.also, *WRITE_SCORE_AND_STAGE.params}
    rewritten |= set(WRITE_SCORE_AND_STAGE.also)
    assert "pipeline_stage" in rewritten
    assert _indexed_columns() & (rewritten - CHANGE_ONCE) == set()


# This backend's counts not yet reported (earlier transactions' too, on PostgreSQL 15+): read
# before and after within one transaction, during which nothing is reported.
PENDING = text(
    "SELECT n_tup_upd, n_tup_hot_upd FROM pg_stat_xact_user_tables WHERE relname = 'lead'"
)


@only_on("postgresql")
def test_a_stage_move_is_written_in_place_on_postgresql(leadflow_env):
    first = cleaned_leads("in place")[0]  # on the first page the cleaning filled
    with session_scope() as session:
        before = session.execute(PENDING).one()
        assert advance(session, [first], PipelineStage.ENRICHED) == 1
        after = session.execute(PENDING).one()
        options = session.scalar(text("SELECT reloptions FROM pg_class WHERE relname = 'lead'"))
    assert (after[0] - before[0], after[1] - before[1]) == (1, 1)  # one rewrite, heap-only
    assert options is not None and "fillfactor=50" in options


def _stored_batch(count: int) -> list[int]:
    """A batch of new leads as the clean step stores them (one COPY, at the stage after
    cleaning), with fields as wide as a webinar export's, and nothing rewritten since."""
    rows = [
        {
            "email": f"attendee.number{i}@company{i % 37}.example.com",
            "first_name": f"Firstname{i}",
            "last_name": f"Lastname-{i * 7}",
            "full_name": f"Firstname{i} Lastname-{i * 7}",
            "company": f"Company {i % 37} Analytics Incorporated",
            "title": "Director of Marketing Operations",
            "phone_e164": f"+1415555{i:04d}",
            "country": "US",
            "domain": f"company{i % 37}.example.com",
            "status": LeadStatus.NEW,
            "pipeline_stage": PipelineStage.CLEANED,
        }
        for i in range(count)
    ]
    with session_scope() as session:
        insert_rows(session, Lead.__table__, rows)
        return sorted(session.scalars(select(Lead.id).where(Lead.email.like("attendee.%"))))


@only_on("postgresql")
def test_a_whole_batch_rewritten_in_one_transaction_is_written_in_place(leadflow_env):
    """A step rewrites every lead of its batch in one transaction: every row of a page needs
    room for its new version on that page, beside the old one (which no one may remove
    before the transaction ends). Half of each page left free is that room.

    The batch is stored fresh, as the clean step stores new leads: leads the cleaning merged
    into hold a dead version beside the live one, whose room depends on when the server may
    prune it (a snapshot open elsewhere on the server delays it), not on the fill factor."""
    leads = _stored_batch(400)
    with session_scope() as session:
        pages = session.scalar(
            text("SELECT count(DISTINCT (ctid::text::point)[0]) FROM lead WHERE id = ANY(:ids)"),
            {"ids": leads},
        )
        before = session.execute(PENDING).one()
        assert advance(session, leads, PipelineStage.ENRICHED) == len(leads)
        after = session.execute(PENDING).one()
    assert pages > 1  # the batch spans pages: not one page with room by chance
    assert (after[0] - before[0], after[1] - before[1]) == (len(leads), len(leads))


@only_on("postgresql")
def test_enrichment_linking_a_batch_to_its_accounts_is_written_in_place(leadflow_env):
    """Enrichment's one UPDATE of its batch links each company lead to its domain's account
    (migration 0016: account_id is not indexed, so the link keeps the rewrite heap-only)."""
    leads = _stored_batch(400)
    with session_scope() as session:
        domains = sorted(set(session.scalars(select(Lead.domain).where(Lead.id.in_(leads)))))
        insert_rows(session, Account.__table__, [{"domain": d} for d in domains])
        account_of = dict(session.execute(select(Account.domain, Account.id)).tuples().all())
        stored = session.execute(select(Lead.id, Lead.domain).where(Lead.id.in_(leads))).all()
    rows = [
        {param: None for param in ENRICHED.params.values()}
        | {
            "lead_id": lead_id,
            "v_status": EnrichmentStatus.NOT_FOUND.value,
            "v_account_id": account_of[domain],
            "v_company": "Company Analytics Incorporated",
            "v_country": "US",
        }
        for lead_id, domain in stored
    ]
    with session_scope() as session:
        before = session.execute(PENDING).one()
        ENRICHED.run(session, rows)
        after = session.execute(PENDING).one()
        linked = session.scalar(
            select(func.count()).where(Lead.id.in_(leads), Lead.account_id.is_not(None))
        )
    assert linked == len(leads)
    assert (after[0] - before[0], after[1] - before[1]) == (len(leads), len(leads))

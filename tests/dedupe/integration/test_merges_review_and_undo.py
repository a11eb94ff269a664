"""The merge review queue, undo, and the merges CLI (review, resolve, undo, fit, reindex), on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from leadflow.core.clock import utcnow
from leadflow.core.db import session_scope
from leadflow.core.errors import MergeError
from leadflow.core.models import (
    Campaign,
    CampaignMember,
    Decision,
    Lead,
    LeadAlias,
    MergeCandidate,
    MergeEvent,
    SourceRecord,
)
from leadflow.dedupe.merging.review import keep_apart, merge_pair
from leadflow.dedupe.merging.undo import undo
from leadflow.dedupe.policy import load_matching
from tests.support.merges import ADA, ADA_WORK, WANG, WANG_163, count, fields, ingest, lead_of

pytestmark = pytest.mark.db


def test_a_borderline_pair_waits_for_review_and_merging_it_moves_the_rows(leadflow_env, tmp_path):
    ingest(tmp_path, "spring", [WANG])
    ingest(tmp_path, "summer", [WANG_163])
    assert count(Lead) == 2
    stored, new = lead_of(WANG[0]), lead_of(WANG_163[0])
    with session_scope() as session:
        pair = session.scalars(select(MergeCandidate)).one()
        assert (pair.lead_id, pair.other_lead_id, pair.status) == (stored.id, new.id, "open")
        assert 0.6 <= pair.probability < 0.95
        assert pair.deciding["company"]["level"] == "exact core name"
    with session_scope() as session:
        event_id = merge_pair(
            session, pair.id, load_matching(leadflow_env.ingest_dir), "tester", utcnow()
        )
    with session_scope() as session:
        with pytest.raises(MergeError, match="already merged"):
            keep_apart(session, pair.id, "tester", utcnow())
    assert lead_of(WANG_163[0]).id == stored.id
    assert lead_of(WANG[0]).title == "经理"  # the folded lead's blank-filling values arrived
    with session_scope() as session:
        assert session.get(Lead, new.id).suppression_reason == "merged"
        assert session.get(MergeEvent, event_id).absorbed_lead_id == new.id
    ingest(tmp_path, "autumn", [WANG_163])  # its address now finds the stored lead
    assert lead_of(WANG_163[0]).id == stored.id


def test_undo_of_an_ingest_merge_restores_exactly_and_only_once(leadflow_env, tmp_path):
    ingest(tmp_path, "spring", [ADA])
    original = fields(lead_of(ADA[0]))
    ingest(tmp_path, "summer", [ADA_WORK])
    with session_scope() as session:
        event_id = session.scalars(select(MergeEvent.id)).one()
        result = undo(session, event_id, "tester", utcnow())
    assert result.restored == ["title"] and not result.conflicts
    assert fields(lead_of(ADA[0])) == original
    split = lead_of(ADA_WORK[0])
    assert (split.email, split.title, split.full_name) == (
        "a.lovelace@analytical.io",
        "CTO",
        "Ada Lovelace",
    )
    decisions = count(Decision)
    with session_scope() as session:
        assert undo(session, event_id, "tester", utcnow()).already
        assert session.scalar(select(func.count()).select_from(LeadAlias)) == 0
        members = dict(
            session.execute(select(CampaignMember.lead_id, CampaignMember.campaign_id))
            .tuples()
            .all()
        )
    assert count(Decision) == decisions
    assert members.keys() == {original["id"], split.id}
    assert members[original["id"]] != members[split.id]


def test_undo_of_a_review_merge_brings_the_folded_lead_back(leadflow_env, tmp_path):
    ingest(tmp_path, "spring", [WANG])
    ingest(tmp_path, "summer", [WANG_163])
    stored_before, new_before = fields(lead_of(WANG[0])), fields(lead_of(WANG_163[0]))
    with session_scope() as session:
        pair_id = session.scalars(select(MergeCandidate.id)).one()
        event_id = merge_pair(
            session, pair_id, load_matching(leadflow_env.ingest_dir), "tester", utcnow()
        )
    with session_scope() as session:
        undo(session, event_id, "tester", utcnow())
    assert fields(lead_of(WANG[0])) == stored_before
    assert fields(lead_of(WANG_163[0])) == new_before
    with session_scope() as session:
        assert session.get(MergeCandidate, pair_id).status == "rejected"


def test_the_cli_lists_resolves_and_undoes(leadflow_env, tmp_path):
    from typer.testing import CliRunner

    from leadflow.cli.main import app

    runner = CliRunner()
    ingest(tmp_path, "spring", [WANG])
    ingest(tmp_path, "summer", [WANG_163])
    listed = runner.invoke(app, ["merges", "review"], env={"COLUMNS": "250"})
    assert listed.exit_code == 0, listed.output
    assert "1 open pairs" in listed.output and "wangqiang1980@163.com" in listed.output
    with session_scope() as session:
        pair_id = session.scalars(select(MergeCandidate.id)).one()
    merged = runner.invoke(app, ["merges", "resolve", str(pair_id), "--merge"])
    assert merged.exit_code == 0, merged.output
    again = runner.invoke(app, ["merges", "resolve", str(pair_id), "--distinct"])
    assert again.exit_code == 2 and "already merged" in again.output
    with session_scope() as session:
        event_id = session.scalars(select(MergeEvent.id)).one()
    assert f"merges undo {event_id}" in merged.output
    undone = runner.invoke(app, ["merges", "undo", str(event_id)])
    assert undone.exit_code == 0 and "undone" in undone.output
    assert "already undone" in runner.invoke(app, ["merges", "undo", str(event_id)]).output
    assert lead_of(WANG_163[0]).id != lead_of(WANG[0]).id


def test_fit_writes_versioned_weights_that_ingest_reads_and_reindex_rebuilds_keys(
    leadflow_env, tmp_path, monkeypatch
):
    import shutil

    from typer.testing import CliRunner

    from leadflow.cli.main import app
    from leadflow.dedupe.merging import fit as fitting
    from leadflow.dedupe.merging.scoring import BUILT_IN, load_weights
    from leadflow.core.settings import get_settings, reset_settings

    rules = tmp_path / "rules"
    shutil.copytree(leadflow_env.ingest_dir, rules)
    monkeypatch.setenv("LEADFLOW_INGEST_DIR", str(rules))
    reset_settings()
    monkeypatch.setattr(fitting, "MIN_LEADS", 20)
    rows = [
        [
            f"p{k}@firm{k % 7}.example.com",
            f"Person{k} Surname{k % 11}",
            f"Firm {k % 7}",
            "",
            f"City{k % 5}",
            "US",
            "",
        ]
        for k in range(60)
    ]
    ingest(tmp_path, "spring", rows)
    runner = CliRunner()
    for version in (1, 2):
        result = runner.invoke(app, ["merges", "fit"], env={"COLUMNS": "200"})
        assert result.exit_code == 0, result.output
        weights = load_weights(rules / "matching_weights.json")
        assert (weights.version, weights.fitted_on) == (version, 60)
    assert weights != BUILT_IN and weights.fields.keys() == BUILT_IN.fields.keys()
    assert get_settings().ingest_dir == rules  # where clean_batch looks for them
    with session_scope() as session:
        keys = {
            lead.id: (lead.email_key, lead.domain_name_key, lead.company_name_key)
            for lead in session.scalars(select(Lead))
        }
        for lead in session.scalars(select(Lead)):
            lead.email_key = lead.domain_name_key = lead.company_name_key = None
    assert runner.invoke(app, ["merges", "reindex"]).exit_code == 0
    with session_scope() as session:
        assert {
            lead.id: (lead.email_key, lead.domain_name_key, lead.company_name_key)
            for lead in session.scalars(select(Lead))
        } == keys
    assert all(all(k) for k in keys.values())


def test_undo_also_gives_back_rows_that_arrived_later_through_the_kept_address(
    leadflow_env, tmp_path
):
    ingest(tmp_path, "spring", [ADA])
    ingest(tmp_path, "summer", [ADA_WORK])  # fuzzy merge: the address is kept as an alias
    ingest(tmp_path, "autumn", [ADA_WORK])  # finds the lead through the alias
    stored = lead_of(ADA[0]).id
    assert lead_of(ADA_WORK[0]).id == stored
    with session_scope() as session:
        event = session.scalars(select(MergeEvent)).one()
        assert len(event.source_record_ids) == 2
        undo(session, event.id, "tester", utcnow())
    with session_scope() as session:
        rows = session.execute(
            select(SourceRecord.source_name, SourceRecord.lead_id, SourceRecord.status).order_by(
                SourceRecord.id
            )
        ).all()
        members = session.execute(
            select(CampaignMember.lead_id, func.count()).group_by(CampaignMember.lead_id)
        ).all()
    split = lead_of(ADA_WORK[0]).id
    assert [(r.lead_id, r.status) for r in rows] == [
        (stored, "created"),
        (split, "created"),
        (split, "merged"),
    ]
    assert dict(members) == {stored: 1, split: 2}


def test_undo_of_a_review_merge_gives_back_rows_that_arrived_through_the_alias_since(
    leadflow_env, tmp_path
):
    ingest(tmp_path, "spring", [WANG])
    ingest(tmp_path, "summer", [WANG_163])
    with session_scope() as session:
        pair = session.scalars(select(MergeCandidate)).one()
        event_id = merge_pair(
            session, pair.id, load_matching(leadflow_env.ingest_dir), "tester", utcnow()
        )
    ingest(tmp_path, "autumn", [WANG_163])
    stored, folded = lead_of(WANG[0]).id, pair.other_lead_id
    assert lead_of(WANG_163[0]).id == stored
    with session_scope() as session:
        undo(session, event_id, "tester", utcnow())
    assert lead_of(WANG_163[0]).id == folded
    with session_scope() as session:
        members = set(
            session.execute(
                select(CampaignMember.lead_id, Campaign.name).join(
                    Campaign, Campaign.id == CampaignMember.campaign_id
                )
            ).tuples()
        )
    assert members == {(stored, "spring"), (folded, "summer"), (folded, "autumn")}


def test_undo_recounts_the_touches_left_in_the_file_created_and_merged_rows_together(
    leadflow_env, tmp_path
):
    """Ada registered twice in one file (a row that created her lead, one merged into it),
    and her work address merged in from the same file; undoing that merge leaves her two
    touches of her own there."""
    ingest(tmp_path, "spring", [ADA, ADA_WORK, ADA])
    ada = lead_of(ADA[0]).id
    with session_scope() as session:
        statuses = sorted(
            session.scalars(select(SourceRecord.status).where(SourceRecord.lead_id == ada))
        )
        event_id = session.scalars(select(MergeEvent.id)).one()
    assert statuses == ["created", "merged", "merged"]
    with session_scope() as session:
        undo(session, event_id, "tester", utcnow())
    with session_scope() as session:
        touches = dict(
            session.execute(select(CampaignMember.lead_id, CampaignMember.touches)).tuples().all()
        )
    assert touches == {ada: 2, lead_of(ADA_WORK[0]).id: 1}

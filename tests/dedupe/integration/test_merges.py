"""Fuzzy merges on ingest, the review queue and undo, against SQLite and PostgreSQL."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from sqlalchemy import func, select

from leadflow.core.clock import utcnow
from leadflow.dedupe.policy import load_matching
from leadflow.core.db import session_scope
from leadflow.dedupe.merging.review import keep_apart, merge_pair
from leadflow.core.errors import MergeError
from leadflow.dedupe.merging.undo import undo
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
from tasks.ingest import clean_batch, register_campaign
from tasks.staging import stage_file

pytestmark = pytest.mark.db
HEADER = ["Email", "Name", "Company", "Phone", "City", "Country", "Title"]
ADA = [
    "ada@analytical.io",
    "Ada Lovelace",
    "Analytical Engines Ltd",
    "+44 20 7946 0958",
    "London",
    "GB",
    "",
]
# Same phone, name and company: another address of the same person.
ADA_WORK = [
    "a.lovelace@analytical.io",
    "Ada Lovelace",
    "Analytical Engines",
    "020 7946 0958",
    "London",
    "GB",
    "CTO",
]
WANG = ["wq@santi-cloud.cn", "王强", "北京三体云动科技有限公司", "", "北京", "CN", ""]
# Name, company (written another way) and country, no city or phone: worth a look, not a merge.
WANG_163 = ["wangqiang1980@163.com", "王强", "三體雲動（北京）科技有限公司", "", "", "CN", "经理"]


def ingest(tmp_path: Path, campaign: str, rows: list[list[str]]) -> None:
    path = tmp_path / f"{campaign}.csv"
    with path.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows([HEADER, *rows])
    campaign_id = register_campaign.fn(campaign, "webinar", "analytics", None, None)
    for first, last in stage_file.fn(str(path), campaign_id, 100).batches:
        clean_batch.fn(campaign_id, first, last)


def count(model: type) -> int:
    with session_scope() as session:
        return session.scalar(select(func.count()).select_from(model))


def lead_of(email: str) -> Lead:
    """The lead the latest row with this address belongs to."""
    with session_scope() as session:
        record = next(
            r
            for r in session.scalars(select(SourceRecord).order_by(SourceRecord.id.desc()))
            if r.payload["values"][0] == email
        )
        lead = session.get(Lead, record.lead_id)
        session.expunge(lead)
        return lead


def fields(lead: Lead) -> dict:
    return {c: getattr(lead, c) for c in Lead.__table__.columns.keys() if c != "updated_at"}


def test_another_address_of_a_stored_person_merges_and_keeps_both(leadflow_env, tmp_path):
    ingest(tmp_path, "spring", [ADA])
    ingest(tmp_path, "summer", [ADA_WORK])
    assert count(Lead) == 1
    with session_scope() as session:
        lead = session.scalars(select(Lead)).one()
        assert (lead.email, lead.title) == (
            "ada@analytical.io",
            "CTO",
        )  # its address stays, blanks fill
        record = session.scalars(select(SourceRecord).order_by(SourceRecord.id.desc())).first()
        assert (record.status, record.lead_id) == ("merged", lead.id)
        decision = session.scalars(select(Decision).where(Decision.rule_id == "fuzzy")).one()
        assert decision.kind == "merge" and decision.inputs["probability"] >= 0.95
        assert "phone_e164" in decision.inputs["deciding"]
        assert [(a.kind, a.value) for a in session.scalars(select(LeadAlias))] == [
            ("email", "a.lovelace@analytical.io")
        ]
        assert (
            session.scalar(
                select(func.count())
                .select_from(CampaignMember)
                .where(CampaignMember.lead_id == lead.id)
            )
            == 2
        )


def test_reingesting_the_same_people_merges_and_creates_nothing_new(leadflow_env, tmp_path):
    ingest(tmp_path, "spring", [ADA, WANG])
    ingest(tmp_path, "summer", [ADA_WORK, WANG_163])
    before = (count(Lead), count(MergeEvent), count(MergeCandidate), count(LeadAlias))
    ingest(tmp_path, "autumn", [ADA, ADA_WORK, WANG, WANG_163])
    assert (count(Lead), count(MergeEvent), count(MergeCandidate), count(LeadAlias)) == before
    with session_scope() as session:
        autumn = session.scalars(
            select(SourceRecord).where(SourceRecord.source_name.like("autumn%"))
        ).all()
        assert {r.status for r in autumn} == {"merged"}


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


def test_one_chinese_company_written_several_ways_merges_and_a_lookalike_does_not(
    leadflow_env, tmp_path
):
    spellings = [
        "北京三体云动科技有限公司",
        "三体云动",
        "三體雲動（北京）科技有限公司",
        "北京市三体云动科技有限公司",
    ]
    ingest(
        tmp_path,
        "spring",
        [["wang.qiang@santi-cloud.cn", "王强", spellings[0], "", "北京", "CN", ""]],
    )
    ingest(
        tmp_path,
        "summer",
        [
            [f"wq{k}@163.com", "王强", name, "", "北京", "CN", ""]
            for k, name in enumerate(spellings[1:])
        ],
    )
    ingest(
        tmp_path,
        "autumn",
        [["wq@meituan.example.cn", "王强", "北京三快在线科技有限公司", "", "北京", "CN", ""]],
    )
    stored = lead_of("wang.qiang@santi-cloud.cn").id
    assert {lead_of(f"wq{k}@163.com").id for k in range(3)} == {stored}
    assert lead_of("wq@meituan.example.cn").id != stored
    assert count(MergeCandidate) == 0


def test_gmail_dots_and_plus_tags_are_one_mailbox(leadflow_env, tmp_path):
    ingest(tmp_path, "spring", [["jane.doe@gmail.com", "Jane Doe", "", "", "", "US", ""]])
    ingest(
        tmp_path,
        "summer",
        [
            ["janedoe+webinar@gmail.com", "J. Doe", "", "", "", "", ""],
            ["jane.doe+x@acme-widgets.com", "Jane Doe", "", "", "", "US", ""],
        ],
    )
    assert lead_of("janedoe+webinar@gmail.com").id == lead_of("jane.doe@gmail.com").id
    assert lead_of("jane.doe+x@acme-widgets.com").id != lead_of("jane.doe@gmail.com").id
    with session_scope() as session:
        assert session.scalars(select(Decision.rule_id).where(Decision.kind == "merge")).all() == [
            "mailbox"
        ]


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


def test_two_addresses_of_one_gmail_box_in_one_file_make_one_lead(leadflow_env, tmp_path):
    ingest(
        tmp_path,
        "spring",
        [
            ["jane.doe@gmail.com", "Jane Doe", "", "", "", "US", ""],
            ["janedoe+webinar@gmail.com", "Jane Doe", "", "", "", "US", "CFO"],
        ],
    )
    lead = lead_of("janedoe+webinar@gmail.com")
    assert (count(Lead), lead.email, lead.title) == (1, "jane.doe@gmail.com", "CFO")
    with session_scope() as session:
        assert session.scalars(select(LeadAlias.value)).all() == ["janedoe+webinar@gmail.com"]


def test_two_addresses_of_one_person_in_one_file_make_one_lead_and_undo_splits_them(
    leadflow_env, tmp_path
):
    ingest(tmp_path, "spring", [ADA, ADA_WORK])
    assert count(Lead) == 1
    lead = lead_of(ADA_WORK[0])
    assert (lead.email, lead.title) == (ADA[0], "CTO")
    with session_scope() as session:
        decision = session.scalars(select(Decision).where(Decision.rule_id == "fuzzy-batch")).one()
        assert decision.lead_id == lead.id and decision.inputs["probability"] >= 0.95
        assert (
            "earlier row of this batch" in decision.reason
            and "phone_e164" in decision.inputs["deciding"]
        )
        event_id = decision.inputs["merge_event_id"]
        assert session.scalars(select(LeadAlias.value)).all() == [ADA_WORK[0]]
    ingest(tmp_path, "spring", [ADA, ADA_WORK])  # the same file again: nothing new
    assert (count(Lead), count(MergeEvent), count(LeadAlias), count(SourceRecord)) == (1, 1, 1, 2)
    with session_scope() as session:
        result = undo(session, event_id, "tester", utcnow())
    assert result.restored == ["title"]
    split = lead_of(ADA_WORK[0])
    assert split.id != lead.id and (split.email, split.title) == (ADA_WORK[0], "CTO")
    assert lead_of(ADA[0]).title is None


def test_a_borderline_pair_in_one_file_is_queued_for_review_and_colleagues_stay_apart(
    leadflow_env, tmp_path
):
    colleague = [
        "charles@analytical.io",
        "Charles Babbage",
        "Analytical Engines Ltd",
        "+44 20 7946 0958",
        "London",
        "GB",
        "",
    ]
    ingest(tmp_path, "spring", [WANG, WANG_163, ADA, colleague])
    assert count(Lead) == 4
    with session_scope() as session:
        pair = session.scalars(select(MergeCandidate)).one()
        assert (pair.lead_id, pair.other_lead_id) == (lead_of(WANG[0]).id, lead_of(WANG_163[0]).id)
        assert 0.6 <= pair.probability < 0.95
    ingest(
        tmp_path, "summer", [WANG, WANG_163, ADA, colleague]
    )  # another campaign, the same people
    assert (count(Lead), count(MergeCandidate)) == (4, 1)


def test_a_common_name_weighs_less_and_its_share_of_the_leads_is_recorded(leadflow_env, tmp_path):
    # Name + company + city merges a 王强 (the Chinese test above); with another 王强 among
    # 100 stored leads the name is common enough that the same evidence is only worth a review.
    fillers = [
        [f"p{k}@filler{k}.com", f"Filler Person{k}", f"Filler {k} Ltd", "", "Leeds", "GB", ""]
        for k in range(98)
    ]
    ingest(
        tmp_path,
        "spring",
        [
            WANG,
            ["wq@other-trading.cn", "王强", "上海远航贸易有限公司", "", "上海", "CN", ""],
            *fillers,
        ],
    )
    ingest(tmp_path, "summer", [["wq@163.com", "王强", "三体云动", "", "北京", "CN", ""]])
    assert lead_of("wq@163.com").id != lead_of(WANG[0]).id
    with session_scope() as session:
        pair = session.scalars(select(MergeCandidate)).one()
    assert pair.lead_id == lead_of(WANG[0]).id and 0.6 <= pair.probability < 0.95
    assert pair.deciding["full_name"]["level"] == "exact"
    assert 0.004 < pair.deciding["full_name"]["share_of_leads"] < 0.01


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


# One person in Chinese characters and in pinyin (given name first), same mobile and company domain.
GUO = [
    "guo.xiuying@santi-cloud.cn",
    "郭秀英",
    "北京三体云动科技有限公司",
    "+86 138 0013 8000",
    "",
    "CN",
    "",
]
GUO_LATIN = [
    "xiuying.guo@santi-cloud.cn",
    "Xiuying Guo",
    "Santi Cloud",
    "13800138000",
    "",
    "CN",
    "",
]


@pytest.mark.parametrize("latin_name", ["Xiuying Guo", "GUO Xiùyīng"])
def test_a_chinese_name_and_its_pinyin_with_one_mobile_merge_or_wait_for_review(
    leadflow_env, tmp_path, latin_name
):
    ingest(tmp_path, "spring", [GUO])
    ingest(tmp_path, "summer", [[GUO_LATIN[0], latin_name, *GUO_LATIN[2:]]])
    with session_scope() as session:
        merged = session.scalars(select(Decision).where(Decision.rule_id == "fuzzy")).all()
        queued = session.scalars(select(MergeCandidate)).all()
        assert merged or queued
        if merged:
            (decision,) = merged
            probability, deciding = decision.inputs["probability"], decision.inputs["deciding"]
        else:
            (pair,) = queued
            probability, deciding = pair.probability, pair.deciding
        assert probability >= load_matching(tmp_path / "none").thresholds.review
        assert deciding["full_name"]["level"] == "exact"  # one name in two scripts compares equal

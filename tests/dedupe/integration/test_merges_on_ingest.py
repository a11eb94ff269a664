"""Fuzzy and mailbox merges made while ingesting, across files and within one file, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from leadflow.core.clock import utcnow
from leadflow.core.db import session_scope
from leadflow.core.models import (
    CampaignMember,
    Decision,
    Lead,
    LeadAlias,
    MergeCandidate,
    MergeEvent,
    SourceRecord,
)
from leadflow.dedupe.merging.undo import undo
from leadflow.dedupe.policy import load_matching
from tests.support.merges import ADA, ADA_WORK, WANG, WANG_163, count, ingest, lead_of

pytestmark = pytest.mark.db


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

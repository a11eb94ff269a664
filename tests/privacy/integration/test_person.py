"""`leadflow person export` and `erase` on a person who was ingested, enrolled, mailed, clicked
and enriched: after erasure no table holds their address, name or phone, and re-ingesting the
same file creates nothing and sends nothing."""

from __future__ import annotations

import csv
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from leadflow.cli.person import person_app
from leadflow.core.db import session_scope
from leadflow.core.erasure_keys import erasure_key
from leadflow.core.models import (
    Base,
    Decision,
    EngagementEvent,
    EnrichmentCache,
    Lead,
    SourceRecord,
    Suppression,
)
from tasks.ingest import clean_batch, register_campaign
from tasks.staging import stage_file
from tests.nurture.integration.nurture_support import enroll, tick

pytestmark = pytest.mark.db
TUESDAY_10_SHANGHAI = datetime(2026, 11, 10, 2, tzinfo=UTC)
EMAIL, NAME, PHONE_RAW, PHONE = (
    "li.ping@shengshi-logistics.com.cn",
    "李平",
    "+86 187 6409 9799",
    "+8618764099799",
)
ROWS = [
    ["姓名", "公司名称", "邮箱", "手机", "职位", "国家", "省份", "城市"],
    [NAME, "上海盛世供应链管理有限公司", EMAIL, PHONE_RAW, "工程师", "中国", "上海", "上海"],
    [
        "郭秀英",
        "深圳数联科技有限公司",
        "xiuying.guo@shulian-tech.cn",
        "135-4552-6500",
        "工程师",
        "中国",
        "广东",
        "深圳",
    ],
]


def ingest(path: Path) -> list[int]:
    campaign = register_campaign.fn(
        "tradeshow-shanghai-2026-11", "trade_show", "automation", None, None
    )
    staged = stage_file.fn(str(path), campaign, 100, TUESDAY_10_SHANGHAI)
    return [
        i
        for first, last in staged.batches
        for i in clean_batch.fn(campaign, first, last, TUESDAY_10_SHANGHAI).lead_ids
    ]


def every_row() -> list[tuple[str, str]]:
    """(table, row as text) for every row of every table, values as the database returns them."""
    found = []
    with session_scope() as session:
        for table in Base.metadata.sorted_tables:
            for row in session.execute(table.select()).mappings():
                found.append((table.name, json.dumps(dict(row), ensure_ascii=False, default=str)))
    return found


def holding(*needles: str) -> list[tuple[str, str]]:
    return [(table, text) for table, text in every_row() if any(n in text for n in needles)]


@pytest.fixture
def mailed_person(recorder, leadflow_env, tmp_path):  # type: ignore[no-untyped-def]
    source = tmp_path / "tradeshow.csv"
    with source.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(ROWS)
    lead_ids = ingest(source)
    with session_scope() as session:
        session.query(Lead).update(
            {"temperature": "warm"}
        )  # the scores would say so in the full pipeline
        li = session.scalar(select(Lead).where(Lead.email == EMAIL))
        session.add(
            EngagementEvent(
                provider="sendgrid",
                provider_event_id="sg-1",
                type="click",
                lead_id=li.id,
                recipient=EMAIL,
                url="https://leadflow.example/pricing",
                user_agent="Mozilla/5.0",
                detail={"email": EMAIL, "name": NAME},
                occurred_at=TUESDAY_10_SHANGHAI,
            )
        )
        session.add(
            EnrichmentCache(
                provider="pdl",
                key=EMAIL,
                payload={"full_name": NAME, "phone": PHONE},
                fetched_at=TUESDAY_10_SHANGHAI,
                expires_at=TUESDAY_10_SHANGHAI + timedelta(days=30),
            )
        )
    assert enroll(lead_ids, TUESDAY_10_SHANGHAI) == 2  # the booth form's consent is recorded first
    assert tick(recorder, TUESDAY_10_SHANGHAI).sent == 2
    return source


def test_export_writes_everything_held_as_json_and_csv(mailed_person, tmp_path):
    out = tmp_path / "export"
    result = CliRunner().invoke(person_app, ["export", EMAIL, "--out", str(out)])
    assert result.exit_code == 0, result.output
    exported = json.loads((out / f"{EMAIL}.json").read_text(encoding="utf-8"))
    tables = exported["tables"]
    assert tables["lead"][0]["full_name"] == NAME and tables["lead"][0]["phone_e164"] == PHONE
    assert {
        "source_record",
        "outbound_email",
        "decision",
        "consent_record",
        "enrollment",
        "engagement_event",
        "campaign_member",
    } <= set(tables)
    assert tables["consent_record"][0]["source"] == "campaign:tradeshow-shanghai-2026-11"
    assert all(
        row["lead_id"] == exported["lead_ids"][0] for row in tables["decision"]
    )  # nobody else's
    lines = list(csv.reader((out / f"{EMAIL}.csv").open(encoding="utf-8")))
    assert lines[0] == ["table", "row", "field", "value"] and ["lead", "1", "email", EMAIL] in lines
    assert (
        CliRunner()
        .invoke(person_app, ["export", "nobody@example.org", "--out", str(out)])
        .exit_code
        == 2
    )


def test_after_erase_no_table_holds_the_address_name_or_phone_and_a_reingest_does_nothing(
    mailed_person, recorder, leadflow_env
):
    assert holding(EMAIL, NAME, PHONE)  # the search finds them before: it can fail
    result = CliRunner().invoke(person_app, ["erase", EMAIL, "--yes"])
    assert result.exit_code == 0, result.output

    assert holding(EMAIL, NAME, PHONE, PHONE_RAW, "18764099799") == []
    assert holding("xiuying.guo@shulian-tech.cn")  # the other person is untouched
    with session_scope() as session:
        key = erasure_key(leadflow_env.secret_key.get_secret_value(), EMAIL)
        assert session.get(Suppression, key).reason == "erased"
        erased = session.scalars(select(Decision).where(Decision.kind == "erase")).one()
        assert erased.inputs["suppression_key"] == key and erased.outcome == "personal data erased"
        assert session.scalar(select(func.count()).select_from(EnrichmentCache)) == 0
        leads, records = (
            session.scalar(select(func.count()).select_from(m)) for m in (Lead, SourceRecord)
        )

    assert ingest(mailed_person) == []  # the same file again: nothing staged, nothing created
    with session_scope() as session:
        assert (
            session.scalar(select(func.count()).select_from(Lead)),
            session.scalar(select(func.count()).select_from(SourceRecord)),
        ) == (leads, records)
    enroll([lead for lead in range(1, leads + 1)], TUESDAY_10_SHANGHAI + timedelta(days=30))
    tick(recorder, TUESDAY_10_SHANGHAI + timedelta(days=30))
    assert [m.at for m in recorder.to(EMAIL)] == [
        TUESDAY_10_SHANGHAI
    ]  # only the one before the erasure
    assert [m.to for m in recorder.messages if m.at > TUESDAY_10_SHANGHAI] == [
        "xiuying.guo@shulian-tech.cn"
    ]
    assert (
        CliRunner().invoke(person_app, ["erase", EMAIL, "--yes"]).exit_code == 2
    )  # nothing left to erase


def test_the_person_in_another_file_is_refused_at_ingest_and_never_mailed(
    mailed_person, recorder, tmp_path
):
    assert CliRunner().invoke(person_app, ["erase", EMAIL, "--yes"]).exit_code == 0
    other = tmp_path / "webinar.csv"
    with other.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows([ROWS[0], ROWS[1]])
    assert ingest(other) == []  # another file (another hash): staged, then refused
    with session_scope() as session:
        refused = session.scalars(
            select(SourceRecord).where(SourceRecord.reason_code == "erased")
        ).one()
        assert refused.status == "quarantined" and refused.payload == {}
    assert holding(EMAIL, NAME, PHONE, PHONE_RAW) == []
    tick(recorder, TUESDAY_10_SHANGHAI + timedelta(days=1))
    assert len(recorder.to(EMAIL)) == 1  # only the one sent before the erasure

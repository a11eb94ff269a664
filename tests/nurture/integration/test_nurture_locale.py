"""A Chinese lead gets the zh-CN sequence and a Chinese rep a notification in their own zone,
received by a real SMTP server; an explicit locale on the lead overrides its country."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import update

from leadflow.core.db import session_scope
from leadflow.core.models import Lead
from leadflow.nurture.consent import LawfulBasis, Purpose
from leadflow.nurture.consent_store import record_consent
from tasks.outbox import queue_rep_notifications, send_outbox
from tasks.routing import route_leads
from tests.nurture.integration.nurture_support import add_lead, decisions, enroll, tick
from tests.nurture.integration.test_nurture_send import text_and_html

pytestmark = pytest.mark.db
TUESDAY_10_SHANGHAI = datetime(2026, 11, 10, 2, tzinfo=UTC)


def test_a_chinese_lead_gets_the_zh_cn_sequence(recorder, leadflow_env):
    li = add_lead(
        "li.ping@shengshi-logistics.com.cn",
        TUESDAY_10_SHANGHAI,
        "CN",
        "SH",
        full_name="李平",
        first_name="平",
        last_name="李",
        company="上海盛世供应链管理有限公司",
    )
    ada = add_lead(
        "ada@example.org", TUESDAY_10_SHANGHAI, "CN", "SH", first_name="Ada", full_name="Ada King"
    )
    with session_scope() as session:  # an explicit choice outranks the country
        session.execute(update(Lead).where(Lead.id == ada).values(locale="en"))
        for lead_id in (li, ada):  # China requires consent before nurture (sequences.yaml)
            record_consent(
                session,
                lead_id=lead_id,
                purpose=Purpose.MARKETING_EMAIL,
                granted=True,
                basis=LawfulBasis.CONSENT,
                source="form:test",
                evidence={},
                at=TUESDAY_10_SHANGHAI,
            )
    assert enroll([li, ada], TUESDAY_10_SHANGHAI) == 2
    assert tick(recorder, TUESDAY_10_SHANGHAI).sent == 2

    message = recorder.to("li.ping@shengshi-logistics.com.cn")[0].message
    assert message["Subject"] == "10 分钟读懂如何正确分配线索"
    text, html = text_and_html(message)
    assert text.startswith("李平，您好！") and "代表上海盛世供应链管理有限公司" in text
    assert "<p>李平，您好！</p>" in html and '<html lang="zh-CN">' in html and "退订" in html
    assert "Hi " not in text and "Unsubscribe" not in html
    english = recorder.to("ada@example.org")[0].message
    assert english["Subject"] == "Ada, the 10-minute guide to routing leads right"
    assert "Hi Ada," in text_and_html(english)[0]
    sends = {d.lead_id: d.inputs for d in decisions("send")}
    assert (sends[li]["locale"], sends[li]["locale_source"]) == ("zh-CN", "country")
    assert (sends[ada]["locale"], sends[ada]["locale_source"]) == ("en", "explicit")


def test_a_chinese_rep_gets_the_deadline_in_shanghai_time_and_why_in_words(recorder, leadflow_env):
    with session_scope() as session:
        lead = Lead(
            email="guo@shulian-tech.cn",
            domain="shulian-tech.cn",
            country="CN",
            state="SH",
            full_name="郭秀英",
            company="深圳数联科技有限公司",
            temperature="hot",
            score=88,
            status="new",
            created_at=TUESDAY_10_SHANGHAI,
            updated_at=TUESDAY_10_SHANGHAI,
        )
        session.add(lead)
        session.flush()
        lead_id = lead.id
    routed = route_leads.fn([lead_id], TUESDAY_10_SHANGHAI)
    recorder.clock = TUESDAY_10_SHANGHAI
    assert (
        send_outbox.fn(
            queue_rep_notifications.fn(routed.assignment_ids, TUESDAY_10_SHANGHAI),
            TUESDAY_10_SHANGHAI,
        ).sent
        == 1
    )
    received = recorder.messages[0]
    assert received.to in ("chen.jing@leadflow.example", "liu.yang@leadflow.example")  # 华东大区
    assert received.message["Subject"] == "新线索：郭秀英（深圳数联科技有限公司）"
    text, html = text_and_html(received.message)
    assert "您有一条新线索" in text and "分配原因：区域为china_east" in text
    # The deadline in the rep's zone, in Chinese: Shanghai is UTC+8, never UTC.
    assert "48 小时内（2026年11月12日周四 10:00 (中国标准时间) 之前）" in text and "UTC" not in text
    assert "有效期至 2026年11月13日周五 10:00 (中国标准时间)" in html

"""People and helpers shared by the fuzzy-merge tests: stage a CSV, ingest it, look leads up."""

from __future__ import annotations

import csv
from pathlib import Path

from sqlalchemy import func, select

from leadflow.core.db import session_scope
from leadflow.core.models import Lead, SourceRecord
from tasks.ingest import clean_batch, register_campaign
from tasks.staging import stage_file

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

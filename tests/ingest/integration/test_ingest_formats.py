"""Every format and encoding through staging and cleaning: each row is a lead or in quarantine."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook
from sqlalchemy import func, select

from leadflow.core.db import session_scope
from leadflow.core.models import Lead, SourceRecord
from tasks.ingest import clean_batch, register_campaign
from tasks.staging import stage_file

pytestmark = pytest.mark.db
HEADER_EN = [
    "First Name",
    "Last Name",
    "Email Address",
    "Company Name",
    "Job Title",
    "Country/Region",
]
HEADER_ZH = ["姓名", "公司名称", "邮箱", "手机", "职位", "省份"]


def ingest(path: Path, encoding: str | None = None) -> dict[str, int]:
    campaign_id = register_campaign.fn(str(path), "webinar", None, None, None)  # unique per file
    staged = stage_file.fn(str(path), campaign_id, 50, None, encoding)
    for first, last in staged.batches:
        clean_batch.fn(campaign_id, first, last)
    with session_scope() as session:
        counts = dict(
            session.execute(
                select(SourceRecord.status, func.count())
                .where(SourceRecord.campaign_id == campaign_id)
                .group_by(SourceRecord.status)
            )
            .tuples()
            .all()
        )
    counts["rows"] = staged.rows
    return counts


def accounted(counts: dict[str, int]) -> int:
    return counts.get("created", 0) + counts.get("merged", 0) + counts.get("quarantined", 0)


def test_utf16_tab_separated_excel_unicode_text(leadflow_env, tmp_path):
    path = tmp_path / "excel-unicode.txt"
    lines = [
        "\t".join(HEADER_EN),
        "Zoë\tMüller\tzoe@mueller.example.de\tMüller GmbH\tCTO\tDeutschland",
        "Ana\tLópez\tana@lopez.example.es\tLópez SA\tCEO\tSpain",
    ]
    path.write_bytes("\r\n".join(lines).encode("utf-16"))
    counts = ingest(path)
    assert counts == {"created": 2, "rows": 2}
    with session_scope() as session:
        lead = session.scalar(select(Lead).where(Lead.email == "zoe@mueller.example.de"))
        assert (lead.full_name, lead.country) == ("Zoë Müller", "DE")


def test_gb18030_chinese_export(leadflow_env, tmp_path):
    path = tmp_path / "展会名单.csv"
    rows = [
        HEADER_ZH,
        [
            "张伟",
            "北京三体云动科技有限公司",
            "zhangwei@santi.example.cn",
            "13800138000",
            "技术总监",
            "北京市",
        ],
        ["王芳", "深圳腾云科技有限公司", "坏的邮箱", "13900139000", "经理", "广东省"],
    ]
    text = "\n".join(",".join(r) for r in rows) + "\n"
    path.write_bytes(text.encode("gb18030"))
    counts = ingest(path)
    assert counts == {"created": 1, "quarantined": 1, "rows": 2}
    with session_scope() as session:
        lead = session.scalar(select(Lead))
        assert (lead.full_name, lead.state, lead.company_key, lead.phone_e164) == (
            "张伟",
            "BJ",
            "三体云动",
            "+8613800138000",
        )


def test_xlsx_with_a_formula_cell(leadflow_env, tmp_path):
    book = Workbook()
    sheet = book.active
    sheet.append(HEADER_EN)
    sheet.append(["Grace", "Hopper", "grace@navy.example.com", "US Navy", "Director", "USA"])
    sheet.append(
        [
            "Evil",
            "Cell",
            "evil@acme.example.com",
            '=HYPERLINK("http://x.example","pwn")',
            "CEO",
            "USA",
        ]
    )
    path = tmp_path / "leads.xlsx"
    book.save(path)
    counts = ingest(path)
    assert counts == {"created": 1, "quarantined": 1, "rows": 2}
    with session_scope() as session:
        assert (
            session.scalar(
                select(SourceRecord.reason_code).where(SourceRecord.status == "quarantined")
            )
            == "formula_cell"
        )


def test_json_lines_with_a_broken_line(leadflow_env, tmp_path):
    path = tmp_path / "leads.jsonl"
    path.write_text(
        "\n".join(
            [
                json.dumps({"email": "a@acme.example.com", "company": "Acme"}),
                "{not json",
                json.dumps({"email": "b@acme.example.com", "job_title": "VP Sales"}),
            ]
        )
        + "\n",
        encoding="utf-8",
    )
    counts = ingest(path)
    assert counts == {"created": 2, "quarantined": 1, "rows": 3}
    with session_scope() as session:
        bad = session.scalar(select(SourceRecord).where(SourceRecord.status == "quarantined"))
        assert (bad.line_no, bad.reason_code) == (2, "invalid_json")


def test_json_lines_with_a_number_beyond_64_bits(leadflow_env, tmp_path):
    # The reader keeps every value as its text: a number past 64 bits keeps all its digits
    # (the batch writer's orjson would refuse it as a number).
    big = 123456789012345678901234567
    path = tmp_path / "numbers.jsonl"
    path.write_text(
        f'{{"email": "n@acme.example.com", "company": "Acme", "crm_id": {big}}}\n'
        f'{{"email": "m@acme.example.com", "phone": 4930123456789, "employees": 12}}\n',
        encoding="utf-8",
    )
    assert ingest(path) == {"created": 2, "rows": 2}
    with session_scope() as session:
        payloads = session.scalars(select(SourceRecord.payload).order_by(SourceRecord.line_no))
        assert [p["record"].get("crm_id") for p in payloads] == [str(big), None]


def test_empty_and_header_only_files(leadflow_env, tmp_path):
    from leadflow.core.errors import EmptySource

    empty = tmp_path / "empty.csv"
    empty.write_text("", encoding="utf-8")
    with pytest.raises(EmptySource):
        ingest(empty)
    header_only = tmp_path / "header.csv"
    header_only.write_text(",".join(HEADER_EN) + "\n", encoding="utf-8")
    assert ingest(header_only) == {"rows": 0}


cells = st.text(
    st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=12
)
rows_strategy = st.lists(
    st.tuples(st.sampled_from(["ok", "bad_email", "ragged", "dup"]), cells), min_size=1, max_size=25
)


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(rows_strategy)
def test_every_generated_row_is_accounted_for(leadflow_env, tmp_path_factory, rows):
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(HEADER_EN)
    for n, (kind, text) in enumerate(rows):
        email = {
            "ok": f"p{n}@acme.example.com",
            "bad_email": f"{text}@",
            "dup": "same@acme.example.com",
            "ragged": f"r{n}@acme.example.com",
        }[kind]
        row = [text, "X", email, text, "Manager", "USA"]
        writer.writerow(row + ["extra"] if kind == "ragged" else row)
    path = tmp_path_factory.mktemp("gen") / "generated.csv"
    path.write_text(buffer.getvalue(), encoding="utf-8")
    counts = ingest(path)
    assert counts["rows"] == len(rows) == accounted(counts)
    assert counts.get("staged", 0) == 0

"""`leadflow ingest` on an export with revenue, Chinese headers and one it does not know."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from leadflow.core.db import session_scope
from leadflow.core.models import Lead

pytestmark = pytest.mark.db


def test_revenue_and_chinese_headers_are_read_and_an_unknown_one_gets_its_alias_line(
    run_cli, tmp_path
):
    source = tmp_path / "export.csv"
    source.write_text(
        "客户姓名,电子邮箱,单位名称,所在省份,所在城市,Annual Revenue,客户等级\n"
        "王伟,wang.wei@huaxin-fin.cn,北京华信金融,北京,北京,$120000000,A\n",
        encoding="utf-8",
    )
    done = run_cli("ingest", str(source), "--campaign", "headers")
    assert done.returncode == 0, done.stderr
    assert "  <field>: [客户等级]" in done.stdout and "ingest_rules/ingest.yaml" in done.stdout
    with session_scope() as session:
        lead = session.scalars(select(Lead)).one()
    assert (lead.full_name, lead.company, lead.revenue_band) == (
        "王伟",
        "北京华信金融",
        "$50M-$250M",
    )
    assert lead.state and lead.city == "北京"

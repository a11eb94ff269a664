"""Accounts and owners in from CRM exports, and leads meeting their account by domain or name."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest
from sqlalchemy import func, select, update

from leadflow.core.db import session_scope
from leadflow.core.models import Account, Decision, Lead
from leadflow.pipeline.account_match import match_accounts
from leadflow.pipeline.accounts_import import import_accounts

pytestmark = pytest.mark.db
T0 = datetime(2026, 11, 9, 15, 0, tzinfo=timezone.utc)
SALESFORCE = (
    "Account ID,Account Name,Website,Account Owner,Billing Country\n"
    "001A,三体云动,https://www.santiyundong.com,李明,CN\n"
    "001B,BigCorp Holdings,bigcorp.example.com,alice.morgan@leadflow.example,US\n"
    "001C,No Domain Ltd,,ben.carter,US\n"
    "001D,Someone Else GmbH,someone.example.de,Nobody Known,DE\n"
)
HUBSPOT = (
    "Record ID,Company name,Company Domain Name,Company owner\n"
    "9,BigCorp Holdings,bigcorp.example.com,Ben Carter\n"
)


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def owner_of(domain: str) -> str | None:
    with session_scope() as session:
        return session.scalar(select(Account.owner_rep).where(Account.domain == domain))


def test_a_salesforce_export_loads_accounts_reports_bad_rows_and_a_second_run_changes_nothing(
    leadflow_env, tmp_path
):
    path = write(tmp_path, "sf.csv", SALESFORCE)
    first = import_accounts(path, "ops.admin", T0)
    assert (first.rows, first.created, first.updated) == (4, 3, 0)
    assert first.problems == [
        "line 4: no usable domain in ''",
        "line 5: owner 'Nobody Known' is not a rep; account loaded without that owner",
    ]
    assert owner_of("santiyundong.com") == "li.ming" and owner_of("example.com") == "alice.morgan"
    with session_scope() as session:
        decisions = session.scalar(select(func.count()).select_from(Decision))
    again = import_accounts(path, "ops.admin", T0)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 3)
    with session_scope() as session:
        assert session.scalar(select(func.count()).select_from(Decision)) == decisions


def test_an_import_may_not_change_an_owner_its_importer_does_not_manage(leadflow_env, tmp_path):
    import_accounts(write(tmp_path, "sf.csv", SALESFORCE), "ops.admin", T0)
    refused = import_accounts(write(tmp_path, "hs.csv", HUBSPOT), "hans.weber", T0)
    assert refused.owners_refused == 1 and owner_of("example.com") == "alice.morgan"
    allowed = import_accounts(write(tmp_path, "hs.csv", HUBSPOT), "olivia.brooks", T0)
    assert (allowed.owners_refused, allowed.updated) == (0, 1) and owner_of(
        "example.com"
    ) == "ben.carter"
    with session_scope() as session:
        actors = list(session.scalars(select(Decision.actor).where(Decision.kind == "owner")))
    assert actors == ["hans.weber"]


def lead(email: str, company: str, free: bool, country: str = "CN") -> int:
    with session_scope() as session:
        row = Lead(
            email=email,
            domain=email.split("@")[1],
            company=company,
            is_free_mail=free,
            country=country,
            created_at=T0,
            updated_at=T0,
        )
        session.add(row)
        session.flush()
        return row.id


def test_leads_meet_their_account_by_domain_by_cjk_name_and_not_a_lookalike(leadflow_env, tmp_path):
    import_accounts(write(tmp_path, "sf.csv", SALESFORCE), "ops.admin", T0)
    ids = {
        "beijing": lead("zhang@163.com", "北京三体云动科技有限公司", True),
        "china": lead("li@santi-cn.example", "三体云动（中国）", False),
        "meituan": lead("wang@qq.com", "北京三快在线科技有限公司", True),
        "bigcorp": lead("bo@sales.bigcorp.example.com", "BigCorp", False, "US"),
        "fuzzy": lead("cfo@gmail.com", "Bigcorp Holding Inc", True, "US"),
    }
    counts = match_accounts(list(ids.values()), T0)
    assert counts == {"cjk_name": 2, "domain": 1, "name": 1}
    with session_scope() as session:
        accounts = {k: session.get(Lead, v).account_id for k, v in ids.items()}
        santi = session.scalar(select(Account.id).where(Account.domain == "santiyundong.com"))
        big = session.scalar(select(Account.id).where(Account.domain == "example.com"))
        scores = dict(
            session.execute(
                select(Decision.lead_id, Decision.inputs).where(Decision.kind == "account_match")
            )
            .tuples()
            .all()
        )
    assert accounts == {
        "beijing": santi,
        "china": santi,
        "meituan": None,
        "bigcorp": big,
        "fuzzy": big,
    }
    assert scores[ids["bigcorp"]]["score"] == 1.0 and 0.88 <= scores[ids["fuzzy"]]["score"] <= 1.0
    assert match_accounts(list(ids.values()), T0) == {}  # matched once: a rerun records nothing new


def set_account(domain: str, **values: object) -> None:
    with session_scope() as session:
        session.execute(update(Account).where(Account.domain == domain).values(**values))


def test_the_account_index_kept_between_batches_follows_owners_and_names(leadflow_env, tmp_path):
    # The index lives on between calls in this process: each change below must reach it.
    import_accounts(write(tmp_path, "sf.csv", SALESFORCE), "ops.admin", T0)
    assert match_accounts([lead("a@gmail.com", "Someone Else", True, "DE")], T0) == {}
    set_account("example.de", owner_rep="hans.weber")  # owned since the last batch
    assert match_accounts([lead("b@gmail.com", "Someone Else", True, "DE")], T0) == {"name": 1}
    set_account("example.de", name="Anyone Other GmbH")  # renamed in the CRM
    assert match_accounts([lead("c@gmail.com", "Someone Else", True, "DE")], T0) == {}
    assert match_accounts([lead("d@gmail.com", "Anyone Other", True, "DE")], T0) == {"name": 1}
    set_account("example.de", owner_rep=None)  # its owner left
    assert match_accounts([lead("e@gmail.com", "Anyone Other", True, "DE")], T0) == {}

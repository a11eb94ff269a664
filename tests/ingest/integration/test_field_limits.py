"""Field limits are decided at cleaning, identically on SQLite and PostgreSQL, and one row
the database refuses costs that row, not its batch."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select, text

from leadflow.core.db import get_engine, session_scope
from leadflow.core.models import Lead, SourceRecord
from tasks.ingest import clean_batch, register_campaign
from tasks.staging import stage_file

pytestmark = pytest.mark.db
LONG_PHONE = "+1 (555) 123-4567 ext. 1234 / mobile +1 555 987 6543 / fax 9"  # 60 characters
HEADER = "email,first name,last name,company,title,phone\n"


def ingest(
    tmp_path: Path, lines: list[str]
) -> tuple[dict[str, tuple[str, str | None, str | None]], object]:
    source = tmp_path / "limits.csv"
    source.write_text(HEADER + "".join(line + "\n" for line in lines), encoding="utf-8")
    campaign_id = register_campaign.fn("limits", "webinar", None, None, None)
    staged = stage_file.fn(str(source), campaign_id, 100)
    outcome = clean_batch.fn(campaign_id, *staged.batches[0])
    with session_scope() as session:
        rows = session.execute(
            select(
                SourceRecord.line_no,
                SourceRecord.status,
                SourceRecord.reason_code,
                SourceRecord.reason,
            )
        ).all()
    return {f"line {r.line_no}": (r.status, r.reason_code, r.reason) for r in rows}, outcome


def test_over_long_fields_are_quarantined_naming_the_field_and_the_batch_goes_on(
    leadflow_env, tmp_path
):
    rows, outcome = ingest(
        tmp_path,
        [
            f"phone@example.com,Ada,Lovelace,Acme,CTO,{LONG_PHONE}",
            f"name@example.com,{'N' * 101},Lovelace,Acme,CTO,",
            f"company@example.com,Ada,Lovelace,{'C' * 301},CTO,",
            f"title@example.com,Ada,Lovelace,Acme,{'T' * 250},",
            "fine@example.com,Grace,Hopper,Navy,Admiral,+1 202 555 0100",
        ],
    )
    assert rows["line 2"][:2] == ("quarantined", "field_too_long") and "phone" in rows["line 2"][2]
    assert "first_name is 101 characters, the limit is 100" in rows["line 3"][2]
    assert rows["line 4"][1] == "field_too_long" and "company" in rows["line 4"][2]
    assert (
        rows["line 5"][0] == rows["line 6"][0] == "created"
    )  # title is cut (ingest.yaml), not refused
    with session_scope() as session:
        titles = dict(session.execute(select(Lead.email, Lead.title)).tuples().all())
    assert titles == {"title@example.com": "T" * 200, "fine@example.com": "Admiral"}
    assert outcome.quarantine_reasons == {"field_too_long": 3}


REFUSE = {
    "sqlite": [
        "CREATE TRIGGER refuse BEFORE INSERT ON lead WHEN NEW.email = 'refused@example.com' "
        "BEGIN SELECT RAISE(ABORT, 'refused by the test trigger'); END"
    ],
    "postgresql": [
        "CREATE FUNCTION refuse() RETURNS trigger AS $$ BEGIN IF NEW.email = 'refused@example.com' THEN "
        "RAISE EXCEPTION 'refused by the test trigger'; END IF; RETURN NEW; END $$ LANGUAGE plpgsql",
        "CREATE TRIGGER refuse BEFORE INSERT ON lead FOR EACH ROW EXECUTE FUNCTION refuse()",
    ],
}
UNDO = {
    "sqlite": ["DROP TRIGGER refuse"],
    "postgresql": ["DROP TRIGGER refuse ON lead", "DROP FUNCTION refuse()"],
}


@pytest.fixture
def refusing_database(leadflow_env):  # type: ignore[no-untyped-def]
    """A database that refuses one row, as a real constraint would (both backends)."""
    engine = get_engine()
    with engine.begin() as conn:
        for statement in REFUSE[engine.dialect.name]:
            conn.execute(text(statement))
    yield
    with engine.begin() as conn:
        for statement in UNDO[engine.dialect.name]:
            conn.execute(text(statement))


def test_a_row_the_database_refuses_is_quarantined_with_its_message_and_the_rest_stored(
    refusing_database, tmp_path
):
    rows, outcome = ingest(
        tmp_path,
        [f"lead{i}@example.com,Lead,{i},Acme,CTO," for i in range(3)]
        + ["refused@example.com,Re,Fused,Acme,CTO,"]
        + [f"lead{i}@example.com,Lead,{i},Acme,CTO," for i in range(3, 6)],
    )
    status, code, reason = rows["line 5"]
    assert (status, code) == ("quarantined", "database_refused")
    assert "refused by the test trigger" in reason and reason.startswith("line 5: ")
    assert [r[0] for key, r in sorted(rows.items()) if key != "line 5"] == ["created"] * 6
    assert outcome.created == 6 and outcome.quarantine_reasons == {"database_refused": 1}
    with session_scope() as session:
        stages = set(session.scalars(select(Lead.pipeline_stage)))
    assert stages == {"cleaned"}  # owed the rest of the pipeline, durably

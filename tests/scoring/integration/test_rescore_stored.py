"""Re-scoring the stored base after a rules change: keyset pages, only moved scores written,
one decision per moved lead, nothing on a second pass; an edited icp.yaml is read at once
(the parsed-policy cache is keyed by the file's text)."""

from __future__ import annotations

import shutil
from collections import Counter
from pathlib import Path

import pytest
import yaml
from sqlalchemy import select, text, update
from sqlalchemy.exc import DBAPIError

from leadflow.core.db import get_engine, session_scope
from leadflow.core.models import Decision, Enrollment, Lead
from leadflow.core.settings import reset_settings
from leadflow.scoring.policy import scoring_policy
from leadflow.scoring.rescore import rescore_stored, score_leads

pytestmark = pytest.mark.db
ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
def scoring_folder(leadflow_env, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "scoring"
    shutil.copytree(ROOT / "scoring", folder, ignore=shutil.ignore_patterns("cases", "models"))
    monkeypatch.setenv("LEADFLOW_SCORING_DIR", str(folder))
    reset_settings()
    return folder


def _seed(count: int) -> list[int]:
    industries = ["Software", "Retail", "Logistics", None]
    with session_scope() as session:
        leads = [
            Lead(
                email=f"p{i}@firm{i % 7}.example",
                domain=f"firm{i % 7}.example",
                industry=industries[i % 4],
                employees=50 * (i % 9),
                title="Intern" if i % 13 == 0 else "Head of Data",
                country="DE",
            )
            for i in range(count)
        ]
        session.add_all(leads)
        session.flush()
        ids = [lead.id for lead in leads]
        session.add(Enrollment(lead_id=ids[0], sequence="welcome", enrolled_at=leads[0].created_at))
    return ids


def _scores() -> dict[int, tuple[int, str | None]]:
    with session_scope() as session:
        rows = session.execute(select(Lead.id, Lead.score, Lead.temperature))
        return {r.id: (r.score, r.temperature) for r in rows}


def _score_decisions() -> Counter[int]:
    with session_scope() as session:
        return Counter(session.scalars(select(Decision.lead_id).where(Decision.kind == "score")))


def _set_industry_points(folder: Path, points: int) -> None:
    icp = yaml.safe_load((folder / "icp.yaml").read_text(encoding="utf-8"))
    for rule in icp["fit_rules"]:
        if rule["id"] == "industry-core":
            rule["points"] = points
    (folder / "icp.yaml").write_text(yaml.safe_dump(icp, allow_unicode=True), encoding="utf-8")


def test_a_rules_change_rescores_the_moved_leads_once(scoring_folder: Path) -> None:
    ids = _seed(120)
    first = score_leads(ids)
    assert first.changed == len(ids)  # every lead starts unscored
    before, decided = _scores(), _score_decisions()
    assert rescore_stored(batch_size=25).changed == 0  # same rules: nothing written
    assert _score_decisions() == decided

    version = scoring_policy().config_version
    _set_industry_points(scoring_folder, 55)
    assert scoring_policy().config_version != version  # the edit is read, not the cached parse
    outcome = rescore_stored(batch_size=25)
    after = _scores()
    moved = {i for i in ids if after[i] != before[i]}
    software = {i for n, i in enumerate(ids) if n % 4 == 0 and n % 13}  # interns stay out
    assert moved and moved <= software
    assert outcome.changed == len(moved)
    assert _score_decisions() - decided == Counter(moved)  # one decision per moved lead
    assert sorted(outcome.hot + outcome.warm + outcome.cold + outcome.disqualified) == ids

    assert rescore_stored(batch_size=7).changed == 0  # idempotent
    assert _scores() == after


def test_a_disqualified_lead_leaves_its_sequences(scoring_folder: Path) -> None:
    ids = _seed(3)  # the first is an intern, enrolled
    score_leads(ids)
    with session_scope() as session:
        intern = session.get_one(Lead, ids[0])
        enrollment = session.scalars(select(Enrollment).where(Enrollment.lead_id == ids[0])).one()
        assert (intern.status, intern.disqualified_by) == ("disqualified", "student")
        assert (enrollment.status, enrollment.exit_reason) == ("exited", "disqualified")


def _refuse_decisions_of(lead_id: int) -> tuple[list[str], list[str]]:
    """Statements that make the database refuse any decision about ``lead_id``, and undo it."""
    if get_engine().dialect.name == "postgresql":
        return [
            "CREATE FUNCTION refuse_one_lead() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            f"IF NEW.lead_id = {lead_id} THEN RAISE EXCEPTION 'refused for the test'; END IF; "
            "RETURN NEW; END $$",
            "CREATE TRIGGER refuse_one_lead BEFORE INSERT ON decision FOR EACH ROW "
            "EXECUTE FUNCTION refuse_one_lead()",
        ], ["DROP TRIGGER refuse_one_lead ON decision", "DROP FUNCTION refuse_one_lead()"]
    return [
        f"CREATE TRIGGER refuse_one_lead BEFORE INSERT ON decision WHEN NEW.lead_id = {lead_id} "
        "BEGIN SELECT RAISE(ABORT, 'refused for the test'); END"
    ], ["DROP TRIGGER refuse_one_lead"]


def _nothing_locked() -> bool:
    """Every lead can be taken at once by a new transaction (PostgreSQL: FOR UPDATE NOWAIT)."""
    with get_engine().begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(select(Lead.id).with_for_update(nowait=True)).all()
        else:
            connection.execute(text("UPDATE lead SET id = id"))  # takes the one write lock
    return True


def test_a_page_whose_write_fails_stops_the_rescore_and_holds_nothing(
    scoring_folder: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Pages of 25: the third one's decisions are refused by the database. The two pages
    before it stay written, it and the page scored while it was written are rolled back, no
    lead stays locked, and a second run writes the rest."""
    ids = _seed(120)
    score_leads(ids)
    scored = _scores()
    with session_scope() as session:  # as after a rules change: every stored score moves
        session.execute(update(Lead).values(score=0, temperature=None))
    create, drop = _refuse_decisions_of(ids[60])
    with get_engine().begin() as connection:
        for statement in create:
            connection.execute(text(statement))
    try:
        with pytest.raises(DBAPIError, match="refused for the test"):
            rescore_stored(batch_size=25)
        assert "a page of 25 changed leads was not written" in caplog.text  # by the writer
        after = _scores()
        assert {i: after[i] for i in ids[:50]} == {i: scored[i] for i in ids[:50]}
        assert {after[i] for i in ids[50:]} == {(0, None)}
        assert _score_decisions() - Counter(ids) == Counter(ids[:50])
        assert _nothing_locked()
    finally:
        with get_engine().begin() as connection:
            for statement in drop:
                connection.execute(text(statement))
    assert rescore_stored(batch_size=25).changed == len(ids) - 50
    assert _scores() == scored

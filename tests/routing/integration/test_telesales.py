"""The telesales tier: qualified leads pass to the field by the rules, the rest to nurture."""

from __future__ import annotations

import shutil
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import select

from leadflow.core.db import session_scope
from leadflow.core.models import Assignment, Decision, Lead
from leadflow.core.settings import reset_settings
from leadflow.core.errors import NotPrequalified
from leadflow.pipeline.telesales import pass_on
from leadflow.routing.ownership import accept_lead
from leadflow.scoring.qualify import record_answers
from tasks.routing import route_leads
from tests.factories import stored_hot_lead

pytestmark = pytest.mark.db
ROOT = Path(__file__).resolve().parents[3]
T0 = datetime(2026, 11, 9, 15, 0, tzinfo=timezone.utc)  # Chicago 09:00
TELESALES = """  - key: telesales
    name: Telesales (pre-qualification)
    prequalify: true
    reps:
      - {key: tina.ross, name: Tina Ross, email: tina.ross@leadflow.example}
"""
RULE = """  - id: na-smb-telesales
    when: {territory: [north_america], segment: [smb]}
    assign: {team: telesales}
"""


@pytest.fixture
def telesales_policy(leadflow_env, tmp_path, monkeypatch):  # type: ignore[no-untyped-def]
    rules = tmp_path / "routing"
    shutil.copytree(ROOT / "routing_rules", rules)
    text = (rules / "routing.yaml").read_text(encoding="utf-8")
    text = text.replace(
        "  # No working hours and no capacity: the net",
        TELESALES + "  # No working hours and no capacity: the net",
    )
    text = text.replace("rules:\n", "rules:\n" + RULE, 1)
    (rules / "routing.yaml").write_text(text, encoding="utf-8")
    monkeypatch.setenv("LEADFLOW_ROUTING_DIR", str(rules))
    reset_settings()
    yield
    reset_settings()


def smb_lead(email: str) -> int:
    with session_scope() as session:
        return stored_hot_lead(session, email, T0, state="IL", employees=40, score=80)


def reps_of(lead_id: int) -> list[tuple[str, str | None, str]]:
    with session_scope() as session:
        return [
            (a.rep, a.team, a.status)
            for a in session.scalars(
                select(Assignment).where(Assignment.lead_id == lead_id).order_by(Assignment.id)
            )
        ]


def test_a_qualified_lead_passes_to_the_field_and_an_unqualified_one_to_nurture(
    telesales_policy, smtp_sink
):
    good, poor, silent = (
        smb_lead("a@small1.example"),
        smb_lead("b@small2.example"),
        smb_lead("c@small3.example"),
    )
    route_leads.fn([good, poor, silent], T0)
    for lead_id in (good, poor, silent):
        accept_lead(str(lead_id), T0 + timedelta(minutes=5))
    record_answers(
        str(good),
        "bant",
        ["budget=yes", "authority=yes", "need=yes", "time=yes"],
        "rep:tina.ross",
        now=T0 + timedelta(minutes=20),
    )
    record_answers(
        str(poor),
        "bant",
        ["budget=no", "authority=no", "need=yes", "time=no"],
        "rep:tina.ross",
        now=T0 + timedelta(minutes=20),
    )
    with pytest.raises(NotPrequalified, match="incomplete"):
        pass_on(silent, "tina.ross", T0 + timedelta(minutes=30))
    with pytest.raises(NotPrequalified, match="not an accepted lead of telesales rep carla.diaz"):
        pass_on(good, "carla.diaz", T0 + timedelta(minutes=30))
    assert "passed on" in pass_on(good, "tina.ross", T0 + timedelta(minutes=30))
    assert "not qualified" in pass_on(poor, "tina.ross", T0 + timedelta(minutes=30))
    first, second = reps_of(good)
    assert first == ("tina.ross", "telesales", "prequalified")
    assert second[1:] == ("na-commercial", "offered")  # the next rule, never telesales again
    assert reps_of(poor) == [("tina.ross", "telesales", "not_qualified")]
    with session_scope() as session:
        assert session.get(Lead, poor).status == "pool"
        actors = set(session.scalars(select(Decision.actor).where(Decision.kind == "prequalify")))
    assert actors == {"tina.ross"}

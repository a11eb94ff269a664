"""`leadflow person consent` and `person locale`: recorded with evidence, checked, reversible."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from leadflow.cli.person import person_app
from leadflow.core.db import session_scope
from leadflow.core.models import ConsentRecord, Lead
from tests.nurture.integration.nurture_support import add_lead, decisions

pytestmark = pytest.mark.db
NOW = datetime(2026, 11, 10, 10, tzinfo=UTC)


def test_consent_is_recorded_with_its_source_and_evidence_and_bad_input_changes_nothing(
    leadflow_env,
):
    lead = add_lead("anna@example.de", NOW, "DE")
    run = CliRunner().invoke
    granted = run(
        person_app,
        [
            "consent",
            "anna@example.de",
            "marketing_email",
            "--source",
            "form:contact-us",
            "--evidence",
            '{"ip": "198.51.100.7"}',
        ],
    )
    assert granted.exit_code == 0, granted.output
    assert (
        run(
            person_app,
            ["consent", "anna@example.de", "tracking", "--source", "x", "--evidence", "{not json"],
        ).exit_code
        == 2
    )
    assert (
        run(person_app, ["consent", "nobody@example.org", "tracking", "--source", "x"]).exit_code
        == 2
    )
    withdrawn = run(
        person_app,
        ["consent", "anna@example.de", "marketing_email", "--withdraw", "--source", "email:reply"],
    )
    assert withdrawn.exit_code == 0
    with session_scope() as session:
        records = session.scalars(select(ConsentRecord).order_by(ConsentRecord.id)).all()
    assert [(r.purpose, r.granted, r.source) for r in records] == [
        ("marketing_email", True, "form:contact-us"),
        ("marketing_email", False, "email:reply"),
    ]
    assert records[0].evidence == {"ip": "198.51.100.7"} and records[0].lawful_basis == "consent"
    assert [d.outcome for d in decisions("consent", lead)] == [
        "marketing_email granted",
        "marketing_email withdrawn",
    ]


def test_an_explicit_locale_is_set_checked_and_cleared(leadflow_env):
    add_lead("ada@example.org", NOW, "CN")
    run = CliRunner().invoke
    assert run(person_app, ["locale", "ada@example.org", "en-GB"]).exit_code == 0
    assert run(person_app, ["locale", "ada@example.org", "xx-QQ-bogus"]).exit_code == 2
    with session_scope() as session:
        assert session.scalar(select(Lead.locale)) == "en-GB"
    assert run(person_app, ["locale", "ada@example.org", "auto"]).exit_code == 0
    with session_scope() as session:
        assert session.scalar(select(Lead.locale)) is None

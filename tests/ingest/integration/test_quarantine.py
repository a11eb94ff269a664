"""Quarantine: every bad row is kept with its line and reason; fixed rows go back through."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from sqlalchemy import func, select
from leadflow.core.db import session_scope
from leadflow.core.models import Lead, SourceRecord
from leadflow.ingest.quarantine import apply_export, export, fix_fields, list_rows
from leadflow.core.errors import QuarantineError

pytestmark = [pytest.mark.db, pytest.mark.e2e]
WEBINAR = Path(__file__).resolve().parents[3] / "examples" / "webinar_analytics_2026-11.csv"
ORACLE = json.loads((WEBINAR.parent / "expected.json").read_text(encoding="utf-8"))["files"][
    WEBINAR.name
]


def ingest_json(run_cli) -> dict:  # type: ignore[no-untyped-def]
    result = run_cli("ingest", str(WEBINAR), "--campaign", "webinar", "--json")
    assert result.returncode == 0, result.stderr[-2000:]
    return json.loads(result.stdout)  # stdout holds the JSON alone: logs go to stderr


def quarantined() -> list:
    with session_scope() as session:
        return list_rows(session, campaign="webinar")


def test_ingest_json_reports_quarantine_by_reason(run_cli):
    summary = ingest_json(run_cli)
    expected = {}
    for bad in ORACLE["bad_rows"]:
        expected[bad["kind"]] = expected.get(bad["kind"], 0) + 1
    assert summary["quarantined_by_reason"] == expected
    assert (
        summary["rows_read"]
        == summary["leads_created"] + summary["leads_merged"] + summary["quarantined"]
    )
    assert "Favorite Color" in summary["unknown_columns"]


def test_a_fixed_export_goes_back_through_and_leaves_only_what_is_still_wrong(run_cli, tmp_path):
    ingest_json(run_cli)
    (path,) = export(quarantined(), tmp_path)
    rows = list(csv.reader(path.open(encoding="utf-8-sig")))
    header, body = rows[0], rows[1:]
    email = header.index("Email Address")
    fixed = [header]
    for row in body:
        if len(row) == len(header):  # the ragged row stays broken: the user did not fix it
            row[email] = f"fixed{row[0]}@example-fix.com"
            fixed.append(row)
    csv.writer(path.open("w", encoding="utf-8-sig", newline="")).writerows(fixed)

    result = run_cli("quarantine", "replay", str(path))
    assert result.returncode == 0, result.stderr[-2000:]
    still = quarantined()
    assert [r.code for r in still] == ["wrong_field_count"]
    with session_scope() as session:
        replayed = session.scalars(
            select(SourceRecord).where(SourceRecord.id.in_([int(r[0]) for r in fixed[1:]]))
        ).all()
        assert {r.status for r in replayed} == {"created"}
        assert all(
            r.payload["fixes"][0]["before"]["values"][email - 3] != r.payload["values"][email - 3]
            for r in replayed
        )
        assert session.scalar(select(func.count()).select_from(Lead)) == ORACLE[
            "unique_valid_emails"
        ] + len(replayed)


def test_fix_one_row_in_place_by_field_name(run_cli):
    ingest_json(run_cli)
    missing = next(r for r in quarantined() if r.code == "missing_email")
    result = run_cli(
        "quarantine", "replay", "--id", str(missing.id), "--set", "email=sophie@fixed.example"
    )
    assert result.returncode == 0, result.stderr[-2000:]
    with session_scope() as session:
        assert session.scalar(select(Lead).where(Lead.email == "sophie@fixed.example")) is not None
    with pytest.raises(QuarantineError):
        fix_fields(missing.id, {"email": "again@fixed.example"})  # no longer in quarantine


def test_exports_neutralize_formulas_and_reject_foreign_files(leadflow_env, tmp_path):
    from leadflow.ingest.quarantine import QuarantinedRow

    row = QuarantinedRow(
        1,
        "c",
        "f.csv",
        2,
        "formula_cell",
        "why",
        {"headers": ["Email", "Company"], "values": ["a@b.co", '=HYPERLINK("x")']},
    )
    (path,) = export([row], tmp_path)
    assert "'=HYPERLINK" in path.read_text(encoding="utf-8-sig")
    foreign = tmp_path / "other.csv"
    foreign.write_text("Email,Company\na@b.co,X\n", encoding="utf-8")
    with pytest.raises(QuarantineError):
        apply_export(foreign)

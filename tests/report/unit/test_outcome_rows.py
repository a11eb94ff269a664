"""Parsing CRM exports: Salesforce, HubSpot and the calibration file's columns; bad rows say why."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from leadflow.report.outcome_rows import header_map, parse_rows


def parse(headers: list[str], *rows: list[str]):  # type: ignore[no-untyped-def]
    return parse_rows([(i + 2, dict(zip(headers, r))) for i, r in enumerate(rows)], headers)


def test_salesforce_opportunity_export() -> None:
    headers = ["Opportunity ID", "Email", "Stage Name", "Amount", "Created Date", "Close Date"]
    good, bad = parse(
        headers,
        [
            "0065g00000AbCdE",
            "Ada@Example.com",
            "Closed Won",
            "$12,500.00",
            "11/02/2026",
            "11/20/2026",
        ],
        ["0065g00000AbCdF", "bo@example.com", "Negotiation/Review", "", "2026-11-03", ""],
    )
    assert bad == []
    won, open_ = good
    assert (won.external_id, won.email, won.status, won.amount) == (
        "0065g00000AbCdE",
        "ada@example.com",
        "won",
        12500.0,
    )
    assert won.created_at == datetime(2026, 11, 2, tzinfo=timezone.utc)
    assert won.closed_at == datetime(2026, 11, 20, tzinfo=timezone.utc)
    assert (open_.status, open_.amount, open_.closed_at) == ("open", None, None)


def test_hubspot_deal_stage_and_record_id() -> None:
    assert header_map(["Record ID", "Deal Stage", "Create Date", "Close Date", "Email"]) == {
        "external_id": "Record ID",
        "status": "Deal Stage",
        "created": "Create Date",
        "closed": "Close Date",
        "email": "Email",
    }
    good, _ = parse(["Record ID", "Deal Stage", "Email"], ["77", "closedlost", "a@b.example"])
    assert (good[0].external_id, good[0].status) == ("77", "lost")


def test_calibration_columns_and_a_hash_when_there_is_no_crm_id() -> None:
    headers = ["email", "converted", "won", "amount", "created", "closed"]
    good, bad = parse(
        headers,
        ["a@x.example", "yes", "yes", "5000", "2026-10-01", "2026-11-15"],
        ["b@x.example", "yes", "no", "", "2026-10-01", "2026-11-15"],
        ["c@x.example", "yes", "no", "", "2026-10-01", ""],
        ["d@x.example", "no", "no", "", "2026-10-01", ""],
    )
    assert [r.status for r in good] == ["won", "lost", "open"]
    assert bad == [(5, "not converted: no opportunity to import")]
    again, _ = parse(headers, ["a@x.example", "yes", "yes", "5000", "2026-10-01", "2026-11-15"])
    assert good[0].external_id.startswith("row-") and good[0].external_id == again[0].external_id
    assert good[0].external_id != good[1].external_id


@pytest.mark.parametrize(
    ("row", "reason"),
    [
        (["", "", "won", "1", "2026-11-01"], "no lead email or lead id"),
        (["a@x.example", "", "won", "lots", "2026-11-01"], "amount 'lots' is not a number"),
        (
            ["a@x.example", "", "won", "1", "yesterday"],
            "date 'yesterday' is not ISO 8601 or MM/DD/YYYY",
        ),
        (
            ["a@x.example", "", "Closed - Abandoned", "1", ""],
            "stage 'Closed - Abandoned' is closed but neither won nor lost",
        ),
        (["", "x12", "won", "1", ""], "lead id 'x12' is not a number"),
        (["a@x.example", "", "", "1", ""], "no status, stage, won or converted value"),
    ],
)
def test_bad_rows_carry_line_and_reason(row: list[str], reason: str) -> None:
    good, bad = parse(["email", "lead_id", "status", "amount", "created"], row)
    assert good == [] and bad == [(2, reason)]

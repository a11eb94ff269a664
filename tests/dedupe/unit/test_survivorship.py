"""Survivorship rules: which value a lead keeps when a row joins it."""

from __future__ import annotations

import pytest

from leadflow.dedupe.policy import Survivorship
from leadflow.dedupe.exact import fields_to_fill
from leadflow.dedupe.merging.survivorship import source_rank, survive
from tests.factories import make_clean_lead

LEAD = {
    "email": "ada@acme.com",
    "company": "Acme",
    "company_key": "acme",
    "title": "",
    "city": "London",
    "phone": "020 7946 0958",
    "phone_e164": "+442079460958",
}
ROW = {
    "email": "ada@acme.com",
    "company": "Acme Analytical Engines Ltd",
    "company_key": "acme analytical engines",
    "title": "CTO",
    "city": "Cambridge",
    "phone": "+44 20 7946 0000",
    "phone_e164": "+442079460000",
}


def test_fill_blanks_fills_only_empty_fields_as_exact_dedup_always_did() -> None:
    outcome = survive(LEAD, ROW, Survivorship())
    assert outcome.changes == {"title": "CTO"}
    row = make_clean_lead(email="ada@acme.com", **{k: v for k, v in ROW.items() if k != "email"})
    assert outcome.changes == fields_to_fill(LEAD, row)


def test_newest_non_empty_takes_the_rows_value_but_never_a_blank() -> None:
    policy = Survivorship(default="newest_non_empty")
    assert survive(LEAD, ROW, policy).changes["city"] == "Cambridge"
    assert "city" not in survive(LEAD, {**ROW, "city": ""}, policy).changes


def test_longest_keeps_the_longer_value_and_its_derived_key_follows() -> None:
    changes = survive(LEAD, ROW, Survivorship(fields={"company": "longest"})).changes
    assert changes["company"] == "Acme Analytical Engines Ltd"
    assert changes["company_key"] == "acme analytical engines"
    shorter = {**ROW, "company": "AE", "company_key": "ae"}
    assert (
        "company" not in survive(LEAD, shorter, Survivorship(fields={"company": "longest"})).changes
    )


@pytest.mark.parametrize(
    ("row_source", "lead_source", "wins"),
    [
        ("crm_export.csv", "webinar_2026.csv", True),
        ("webinar_2026.csv", "crm_export.csv", False),
        ("unknown.csv", "webinar_2026.csv", False),
    ],
)
def test_most_trusted_source_follows_the_ranking(
    row_source: str, lead_source: str, wins: bool
) -> None:
    policy = Survivorship(
        fields={"city": "most_trusted_source"}, source_ranking=["crm*", "webinar*"]
    )
    changes = survive(
        LEAD, ROW, policy, current_source=lead_source, incoming_source=row_source
    ).changes
    assert ("city" in changes) is wins


def test_keep_both_keeps_the_leads_phone_and_records_the_other() -> None:
    outcome = survive(LEAD, ROW, Survivorship(fields={"phone": "keep_both"}))
    assert "phone" not in outcome.changes and "phone_e164" not in outcome.changes
    assert ("phone", "+44 20 7946 0000") in outcome.kept
    same_number = {**ROW, "phone": "+44 20 7946 0958", "phone_e164": "+442079460958"}
    assert survive(LEAD, same_number, Survivorship(fields={"phone": "keep_both"})).kept == ()


def test_a_second_address_is_always_kept_beside_the_leads_own() -> None:
    outcome = survive(LEAD, {**ROW, "email": "ada.lovelace@gmail.com"}, Survivorship())
    assert outcome.kept == (("email", "ada.lovelace@gmail.com"),)
    assert "email" not in outcome.changes


def test_unranked_sources_rank_last() -> None:
    assert source_rank("crm.csv", ["crm*"]) == 0
    assert source_rank("x.csv", ["crm*"]) == source_rank(None, ["crm*"]) == 1

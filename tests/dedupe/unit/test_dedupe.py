"""Exact-email dedup: within a batch and against leads we already hold."""

from __future__ import annotations

from leadflow.dedupe.exact import MERGEABLE_FIELDS, fields_to_fill, plan_batch
from tests.factories import make_clean_lead


def test_first_row_of_an_email_creates_and_later_rows_merge_into_it_as_batch() -> None:
    first = make_clean_lead(email="ada@acme.com", line_no=2, company="Acme")
    other = make_clean_lead(email="bob@acme.com", line_no=3)
    again = make_clean_lead(email="ada@acme.com", line_no=4, title="CTO")
    plan = plan_batch([first, other, again], existing_emails=set())
    assert plan.creates == {"ada@acme.com": first, "bob@acme.com": other}
    assert plan.merges == [(again, "ada@acme.com", "batch")]


def test_rows_whose_email_we_already_hold_merge_as_existing_and_create_nothing() -> None:
    row1 = make_clean_lead(email="ada@acme.com", line_no=2)
    row2 = make_clean_lead(email="ada@acme.com", line_no=3)
    plan = plan_batch([row1, row2], existing_emails={"ada@acme.com"})
    assert plan.creates == {}
    assert plan.merges == [(row1, "ada@acme.com", "existing"), (row2, "ada@acme.com", "existing")]


def test_every_row_is_either_a_create_or_a_merge() -> None:
    emails = ["a@x.com", "b@x.com", "a@x.com", "c@x.com", "b@x.com", "a@x.com"]
    rows = [make_clean_lead(email=e, line_no=i) for i, e in enumerate(emails)]
    plan = plan_batch(rows, existing_emails={"c@x.com"})
    assert len(plan.creates) + len(plan.merges) == len(rows)
    assert set(plan.creates) == {"a@x.com", "b@x.com"}


def test_fields_to_fill_fills_only_blank_fields() -> None:
    current = {"company": "Acme", "title": None, "phone": "", "country": "US"}
    incoming = make_clean_lead(company="Acme Corp", title="CTO", phone="+1 555 0100", country="GB")
    assert fields_to_fill(current, incoming) == {"title": "CTO", "phone": "+1 555 0100"}


def test_fields_to_fill_never_overwrites_a_present_value() -> None:
    current = {name: "kept" for name in MERGEABLE_FIELDS}
    incoming = make_clean_lead(
        **{name: 5 if name == "employees" else "new" for name in MERGEABLE_FIELDS}
    )
    assert fields_to_fill(current, incoming) == {}


def test_fields_to_fill_ignores_blank_incoming_values() -> None:
    incoming = make_clean_lead(company=None, title="")
    assert fields_to_fill({}, incoming) == {}


def test_fields_to_fill_never_touches_identity_fields() -> None:
    incoming = make_clean_lead(email="new@other.com", domain="other.com", is_free_mail=True)
    filled = fields_to_fill({}, incoming)
    assert {"email", "domain", "is_free_mail"}.isdisjoint(filled)


def test_addresses_of_one_mailbox_in_a_batch_join_the_first_rows_lead() -> None:
    first = make_clean_lead(email="jane.doe@gmail.com", line_no=2)
    alias = make_clean_lead(email="janedoe+news@gmail.com", line_no=3)
    other = make_clean_lead(email="jane.doe+news@acme.com", line_no=4)
    mailbox = {
        "jane.doe@gmail.com": "janedoe@gmail.com",
        "janedoe+news@gmail.com": "janedoe@gmail.com",
    }
    plan = plan_batch([first, alias, other], set(), lambda email: mailbox.get(email, email))
    assert plan.creates == {"jane.doe@gmail.com": first, "jane.doe+news@acme.com": other}
    assert plan.merges == [(alias, "jane.doe@gmail.com", "batch")]

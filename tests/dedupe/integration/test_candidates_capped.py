"""Stored-lead lookups stop at the cap: a key held by more live leads than it finds nothing,
one held by the cap or fewer finds them all, merged-away leads do not count."""

from __future__ import annotations

import pytest
from sqlalchemy import insert

from leadflow.core.db import session_scope
from leadflow.core.models import Lead
from leadflow.dedupe.merging.candidates import MERGED_AWAY, RowKeys, _by_value, find_candidates

pytestmark = pytest.mark.db


def _lead(n: int, phone: str, suppression: str | None = None) -> dict:
    return {"email": f"p{n}@example.com", "phone_e164": phone, "suppression_reason": suppression}


def test_a_key_over_the_cap_finds_nothing(leadflow_env):
    with session_scope() as session:
        session.execute(
            insert(Lead),
            [_lead(n, "+442079460001") for n in range(3)]  # a switchboard: over a cap of 2
            + [_lead(3, "+442079460002"), _lead(4, "+442079460002")]
            + [_lead(5, "+442079460003"), _lead(6, "+442079460003", MERGED_AWAY)]
            + [_lead(7, "+442079460003")],
        )
    with session_scope() as session:
        found = find_candidates(
            session,
            [
                RowKeys(None, "+442079460001", None, None),
                RowKeys(None, "+442079460002", None, None),
                RowKeys(None, "+442079460003", None, None),
                RowKeys(None, "+442079460009", None, None),
            ],
            cap=2,
        )
    emails = [sorted(lead["email"] for lead in leads) for leads in found]
    assert emails == [
        [],
        ["p3@example.com", "p4@example.com"],
        ["p5@example.com", "p7@example.com"],
        [],
    ]


def test_a_lead_found_by_several_keys_is_one_candidate(leadflow_env):
    with session_scope() as session:
        session.execute(
            insert(Lead),
            [
                {
                    "email": "ana@acme.example",
                    "phone_e164": "+4930123456",
                    "domain_name_key": "acme.example|a000 l500",
                }
            ],
        )
    with session_scope() as session:
        by_phone, by_both, by_name = find_candidates(
            session,
            [
                RowKeys(None, "+4930123456", None, None),
                RowKeys(None, "+4930123456", "acme.example|a000 l500", None),
                RowKeys(None, None, "acme.example|a000 l500", None),
            ],
            cap=2,
        )
    assert [lead["email"] for lead in by_both] == ["ana@acme.example"]  # once, not per key
    # One record of her for the whole batch, whichever key found her: the scorer prepares
    # each record once (by identity).
    assert by_phone[0] is by_both[0] is by_name[0]


def test_the_holders_of_a_key_over_the_cap_are_not_read(leadflow_env):
    """The database counts a common key's holders; none of them is sent to be built and
    thrown away (a company's common name sends none of its 80 namesakes)."""
    with session_scope() as session:
        session.execute(
            insert(Lead),
            [_lead(n, "+442079460001") for n in range(5)] + [_lead(5, "+442079460002")],
        )
    seen: dict[int, dict] = {}
    with session_scope() as session:
        found = _by_value(session, Lead.phone_e164, ["+442079460001", "+442079460002"], 2, seen)
    assert sorted(found) == ["+442079460002"]
    assert [lead["email"] for lead in seen.values()] == ["p5@example.com"]

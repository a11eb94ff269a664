"""A rep link token that is not ASCII is refused, not a server error."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from leadflow.routing.rep_links import make_rep_token, read_rep_token

SECRET = "s3cret"


@pytest.mark.parametrize(
    "token",
    [
        "1é.accept.1893456000.AAAA",
        "１.accept.1893456000.AAAA",
        "1.accept.1893456000.ÄÖÜ",
        "1.accept.１８９３.x",
    ],
)
def test_a_non_ascii_token_is_refused(token: str) -> None:
    assert read_rep_token(SECRET, token) is None


def test_a_genuine_token_still_reads() -> None:
    token = make_rep_token(SECRET, 7, "accept", datetime(2030, 1, 1, tzinfo=UTC))
    assert read_rep_token(SECRET, token).assignment_id == 7

"""Hostile requests to the tracking endpoints over real HTTP: the right answer, nothing written."""

from __future__ import annotations

from urllib.parse import quote

import pytest
import requests
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from leadflow.core.db import session_scope
from leadflow.engagement.tokens import make_token
from leadflow.core.models import Decision, EngagementEvent, Lead, Suppression
from tests.web.integration.test_beacon_web import email_id, web  # noqa: F401  (fixtures)

pytestmark = pytest.mark.db
# What a forged token gets: 404, except the pixels, which always answer the GIF.
ANSWERS = {
    ("GET", "c"): 404,
    ("GET", "o"): 200,
    ("GET", "v"): 200,
    ("GET", "u"): 404,
    ("POST", "u"): 404,
}
FORM = {"Content-Type": "application/x-www-form-urlencoded"}
TOKEN_CHARS = st.characters(blacklist_characters="/", blacklist_categories=("Cs",))


def writes() -> int:
    with session_scope() as session:
        return sum(
            session.scalar(select(func.count()).select_from(t)) or 0
            for t in (EngagementEvent, Suppression, Decision)
        ) + (session.scalar(select(func.count()).where(Lead.suppressed.is_(True))) or 0)


def mutations(genuine: str) -> st.SearchStrategy[str]:
    """Tokens near a genuine one: one character changed, cut short, lengthened, re-kinded."""
    changed = st.tuples(st.integers(0, len(genuine) - 1), st.sampled_from("Aa0._-~zZ9")).map(
        lambda c: genuine[: c[0]] + c[1] + genuine[c[0] + 1 :]
    )
    cut = st.integers(1, len(genuine) - 1).map(lambda n: genuine[:n])
    longer = st.text(TOKEN_CHARS, min_size=1, max_size=5).map(lambda t: genuine + t)
    kind = st.sampled_from("couvx").map(lambda k: k + genuine[1:])
    return st.one_of(changed, cut, longer, kind)


@pytest.mark.parametrize(("method", "kind"), list(ANSWERS), ids=[f"{m} /{k}/" for m, k in ANSWERS])
def test_fuzzed_tokens_get_the_right_answer_and_write_nothing(  # type: ignore[no-untyped-def]
    web, email_id, leadflow_env, method, kind
):  # noqa: F811
    genuine = make_token(leadflow_env.secret_key.get_secret_value(), kind, email_id)
    session = requests.Session()

    @settings(
        max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
    )
    @given(st.one_of(st.text(TOKEN_CHARS, min_size=1, max_size=80), mutations(genuine)))
    def check(token: str) -> None:
        assume(token != genuine and token.strip("."))
        answer = session.request(
            method,
            f"{web}/{kind}/{quote(token, safe='')}",
            data=b"List-Unsubscribe=One-Click",
            headers=FORM,
            allow_redirects=False,
            timeout=10,
        )
        assert answer.status_code == ANSWERS[(method, kind)] and "location" not in answer.headers

    check()
    assert writes() == 0


@pytest.mark.parametrize(
    ("headers", "body", "status"),
    [
        (FORM, b"List-Unsubscribe=One-Click" + b"&x=" + b"y" * 20_000, 413),
        ({"Content-Type": "application/json"}, b'{"List-Unsubscribe": "One-Click"}', 415),
        ({"Content-Type": "image/png"}, b"\x89PNG", 415),
    ],
)
def test_a_hostile_unsubscribe_post_is_refused_and_unsubscribes_nobody(  # type: ignore[no-untyped-def]
    web, email_id, leadflow_env, headers, body, status
):  # noqa: F811
    token = make_token(leadflow_env.secret_key.get_secret_value(), "u", email_id)
    assert (
        requests.post(f"{web}/u/{token}", data=body, headers=headers, timeout=10).status_code
        == status
    )
    assert writes() == 0

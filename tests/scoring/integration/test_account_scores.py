"""`leadflow score accounts`: the leads of one account scored together."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from typer.testing import CliRunner

from leadflow.cli.main import app
from leadflow.core.db import session_scope
from leadflow.core.models import Account, Lead
from leadflow.scoring.accounts import account_scores

pytestmark = pytest.mark.db
AT = datetime(2026, 11, 1, tzinfo=timezone.utc)


def test_an_account_engages_as_its_leads_together(leadflow_env) -> None:
    with session_scope() as session:
        acme, solo = Account(domain="acme.example"), Account(domain="solo.example")
        session.add_all([acme, solo])
        session.flush()
        session.add_all(
            [
                Lead(
                    email="a@acme.example",
                    account_id=acme.id,
                    score=50,
                    fit_score=40,
                    engagement_score=15,
                    temperature="warm",
                    scored_at=AT,
                ),
                Lead(
                    email="b@acme.example",
                    account_id=acme.id,
                    score=75,
                    fit_score=45,
                    engagement_score=30,
                    temperature="hot",
                    scored_at=AT,
                ),
                Lead(
                    email="c@solo.example",
                    account_id=solo.id,
                    score=80,
                    fit_score=60,
                    engagement_score=20,
                    temperature="hot",
                    scored_at=AT,
                ),
                Lead(
                    email="d@solo.example", account_id=solo.id, score=0, engagement_score=90
                ),  # unscored
            ]
        )
    with session_scope() as session:
        first, second = account_scores(session)
    assert (first.domain, first.leads, first.hot_leads, first.best_score, first.engagement) == (
        "acme.example",
        2,
        1,
        75,
        45,
    )
    assert (second.domain, second.leads, second.engagement) == ("solo.example", 1, 20)
    shown = CliRunner().invoke(app, ["score", "accounts"])
    assert shown.exit_code == 0 and "acme.example" in shown.output

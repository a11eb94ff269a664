"""The sample campaigns through the real flows, a real SMTP server and real HTTP clicks."""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import urlparse

import pytest
import requests
from sqlalchemy import func, select

from flows.engagement import process_engagement
from flows.ingest import ingest_campaign
from flows.nurture import nurture_tick
from leadflow.routing.policy import load_routing
from leadflow.core.db import session_scope
from leadflow.app.local_services import WebServer, read_mail
from leadflow.core.models import Assignment, Lead, OutboundEmail

pytestmark = [pytest.mark.db, pytest.mark.e2e]
EXAMPLES = Path(__file__).resolve().parents[3] / "examples"
ORACLE = json.loads((EXAMPLES / "expected.json").read_text(encoding="utf-8"))
T0 = datetime(2026, 11, 9, 9, 0, tzinfo=timezone.utc)
CAMPAIGNS = [
    ("webinar_analytics_2026-11.csv", "webinar-analytics", "webinar", "analytics"),
    ("tradeshow_shanghai_2026-11.csv", "tradeshow-shanghai", "trade_show", "automation"),
]
CLICK = re.compile(r"https?://\S+/c/[\w.\-]+")


def ingest_all():  # type: ignore[no-untyped-def]
    return [
        ingest_campaign(
            source=str(EXAMPLES / f), campaign=name, channel=channel, product_line=line, now=T0
        )
        for f, name, channel, line in CAMPAIGNS
    ]


def mails_to(mail_dir: Path, address: str) -> list:  # type: ignore[type-arg]
    return [m for m in read_mail(mail_dir) if m["To"] == address]


def text_of(message) -> str:  # type: ignore[no-untyped-def]
    return message.get_body(preferencelist=("plain",)).get_content()


def test_campaigns_flow_from_file_to_rep_and_back_through_nurture(
    prefect_harness, leadflow_env, smtp_sink
):
    reps = {
        rep.key: rep.email
        for team in load_routing(leadflow_env.routing_dir).teams
        for rep in team.reps
    }
    base = urlparse(leadflow_env.public_base_url)
    with WebServer(base.hostname, base.port):
        webinar, tradeshow = ingest_all()

        # Counts against the generator's oracle.
        files = ORACLE["files"]
        for summary, (file, *_rest) in zip((webinar, tradeshow), CAMPAIGNS, strict=True):
            assert summary.read == files[file]["rows"]
            assert summary.quarantined == len(files[file]["bad_rows"])
        assert webinar.created == files[CAMPAIGNS[0][0]]["unique_valid_emails"]
        assert tradeshow.merged == (
            files[CAMPAIGNS[1][0]]["exact_duplicate_rows"]
            + files[CAMPAIGNS[1][0]]["near_duplicate_rows"]
            + len(ORACLE["cross_file_duplicate_emails"])
        )
        with session_scope() as session:
            assert (
                session.scalar(select(func.count()).select_from(Lead))
                == ORACLE["unique_valid_emails_total"]
            )

        # Every hot lead went to exactly one rep (a hot lead we already routed is not routed
        # again when it reappears), and the rep got an email naming the lead.
        routed = webinar.routed + tradeshow.routed
        with session_scope() as session:
            hot = session.scalar(
                select(func.count()).select_from(Lead).where(Lead.temperature == "hot")
            )
            assigned = session.scalar(select(func.count(func.distinct(Assignment.lead_id))))
        assert sum(routed.values()) == hot == assigned > 0
        with session_scope() as session:
            assignment = session.scalars(select(Assignment).order_by(Assignment.id)).first()
            lead = session.get(Lead, assignment.lead_id)
        rep_mail = mails_to(smtp_sink, reps[assignment.rep])
        assert any(lead.email in text_of(m) for m in rep_mail)
        assert sum(len(mails_to(smtp_sink, reps[rep])) for rep in routed) == sum(routed.values())

        # The nurture tick mails every warm and cold lead step 1, with one-click unsubscribe.
        sent = nurture_tick(now=T0 + timedelta(hours=1))
        assert sent.sent == webinar.enrolled + tradeshow.enrolled > 0
        with session_scope() as session:
            warm = session.execute(
                select(Lead.id, Lead.email, Lead.score)
                .where(Lead.temperature == "warm")
                .order_by(Lead.score.desc(), Lead.id)
            ).first()
        nurture = mails_to(smtp_sink, warm.email)[0]
        assert nurture["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        assert f"{leadflow_env.public_base_url}/u/" in nurture["List-Unsubscribe"]

        # A click on that email (real HTTP) re-scores the lead; hot, it is routed at once.
        link = CLICK.search(text_of(nurture)).group(0)
        assert requests.get(link, allow_redirects=False, timeout=10).status_code == 302
        rerouted = process_engagement(reason="click", now=T0 + timedelta(hours=2))
        with session_scope() as session:
            clicked = session.get(Lead, warm.id)
            assert clicked.score > warm.score and clicked.engagement_score > 0
            assert (clicked.temperature, clicked.status) == ("hot", "routed")
            new_assignment = session.scalar(select(Assignment).where(Assignment.lead_id == warm.id))
        assert rerouted.per_rep == {new_assignment.rep: 1}
        assert any(warm.email in text_of(m) for m in mails_to(smtp_sink, reps[new_assignment.rep]))

        # Rerun everything at the same moments: no new lead, no email sent twice.
        mails_before = len(read_mail(smtp_sink))
        again = ingest_all()
        assert [s.created + s.merged for s in again] == [0, 0]
        assert nurture_tick(now=T0 + timedelta(hours=1)).sent == 0
        assert process_engagement(reason="sweep", now=T0 + timedelta(hours=2)).per_rep == {}
    assert len(read_mail(smtp_sink)) == mails_before
    with session_scope() as session:
        assert (
            session.scalar(select(func.count()).select_from(Lead))
            == ORACLE["unique_valid_emails_total"]
        )
        dupes = session.execute(
            select(OutboundEmail.to_addr, OutboundEmail.kind, OutboundEmail.step, func.count())
            .where(OutboundEmail.status == "sent", OutboundEmail.kind == "nurture")
            .group_by(OutboundEmail.to_addr, OutboundEmail.kind, OutboundEmail.step)
            .having(func.count() > 1)
        ).all()
        assert dupes == []

"""Two real processes carry the same cleaned leads through enrich, account match, score,
route and enroll at once, over overlapping id ranges walked in opposite directions.

On PostgreSQL the stages no longer take one global lock: each locks its batch's lead rows
(routing also its own key), so the two workers run side by side and meet only on the leads
they share. Whatever the interleaving: every lead scored once, routed at most once with at
most one open assignment, enrolled once per sequence, and none left half-done.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections import Counter

import pytest
from sqlalchemy import select

from leadflow.core.db import session_scope
from leadflow.core.lead_stages import PipelineStage
from leadflow.core.models import Assignment, Decision, Enrollment, Lead
from tests.support.ingest_runs import ROOT, T0, cleaned_leads

pytestmark = [pytest.mark.db, pytest.mark.e2e]
CHUNK = 15
WORKER = """\
import sys
from datetime import datetime
sys.path.insert(0, sys.argv[1])
from leadflow.core.lead_stages import PipelineStage, advance_leads
from leadflow.enrich.service import enrich_leads
from leadflow.nurture.enroll import enroll_leads
from leadflow.pipeline.account_match import match_accounts
from leadflow.routing.assign import route_leads
from leadflow.scoring.rescore import score_leads
at, ids, size = datetime.fromisoformat(sys.argv[2]), [int(i) for i in sys.argv[3].split(",")], int(sys.argv[4])
for start in range(0, len(ids), size):
    chunk = ids[start : start + size]
    enrich_leads(chunk, at)
    match_accounts(chunk, at)
    advance_leads(chunk, PipelineStage.ENRICHED)
    scored = score_leads(chunk, at, stage_too=True)
    advance_leads(chunk, PipelineStage.SCORED)
    route_leads(scored.hot, at)
    enroll_leads(scored.warm + scored.cold, at, stage_too=True)
    advance_leads(chunk, PipelineStage.DONE)
print("done")
"""


def _worker(ids: list[int]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", WORKER, str(ROOT), T0.isoformat(), ",".join(map(str, ids))]
        + [str(CHUNK)],
        env=os.environ.copy(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _per_lead(*where) -> Counter[int]:  # type: ignore[no-untyped-def]
    with session_scope() as session:
        return Counter(session.scalars(select(Decision.lead_id).where(*where)))


def test_two_workers_on_overlapping_leads_do_each_thing_once(leadflow_env) -> None:
    ids = cleaned_leads("two-workers")
    assert len(ids) >= 6 * CHUNK  # enough for the workers to meet many times
    third = len(ids) // 3
    forward, backward = ids[: 2 * third], list(reversed(ids[third:]))  # a third in common
    workers = [_worker(forward), _worker(backward)]
    for worker in workers:
        out, err = worker.communicate(timeout=600)
        assert worker.returncode == 0, err[-3000:]
        assert out.strip().endswith("done")

    with session_scope() as session:
        stages = Counter(session.scalars(select(Lead.pipeline_stage)))
        assignments = Counter(session.scalars(select(Assignment.lead_id)))
        enrollments = Counter(session.execute(select(Enrollment.lead_id, Enrollment.sequence)))
        hot = set(session.scalars(select(Lead.id).where(Lead.temperature == "hot")))
    assert stages == Counter({PipelineStage.DONE: len(ids)})  # none stranded
    assert _per_lead(Decision.kind == "score") == Counter(ids)  # each lead scored once
    routed = _per_lead(Decision.kind == "route")
    assert routed and set(routed) <= hot and max(routed.values()) == 1  # routed once at most
    assert assignments and max(assignments.values()) == 1  # one assignment per lead
    enrolled = _per_lead(Decision.kind == "enroll")
    assert enrollments and max(enrollments.values()) == 1
    assert sum(enrolled.values()) == len(enrollments)  # one decision per enrollment made
    assert not set(enrolled) & set(assignments)  # nurtured or routed, never both
    matched = _per_lead(Decision.kind == "account_match")
    assert not matched or max(matched.values()) == 1

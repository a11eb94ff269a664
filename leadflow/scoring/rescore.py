"""Score leads: ICP fit, qualification verdicts and decayed engagement; record every point's rule."""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from sqlalchemy import Row, select, update
from sqlalchemy.orm import Session

from leadflow.core.statuses import EnrollmentStatus, LeadStatus, LifecycleStage, PipelineStage
from leadflow.core.clock import as_utc
from leadflow.core.collector import bulk_collection
from leadflow.routing.policy import RoutingPolicy
from leadflow.core.db import get_engine, session_scope
from leadflow.core.bulk_writes import KeyedUpdate
from leadflow.core.decisions import decision_row, json_safe, write_decisions
from leadflow.scoring.engagement_decay import engagement_score
from leadflow.scoring.qualification import evaluate
from leadflow.routing.route import territory_of
from leadflow.scoring.score import FitMemo, ScoreResult, score_lead, shared_fit_memo
from leadflow.core.summary import ScoreOutcome
from leadflow.core.models import (
    Campaign,
    Enrollment,
    Lead,
)
from leadflow.core.runtime import current_flow_run_id, log
from leadflow.scoring.lead_inputs import lead_view, load_answers, load_events
from leadflow.core.lead_stages import CHUNK, lock_leads, moved_to
from leadflow.scoring.engagement_policy import EngagementPolicy, engagement_policy
from leadflow.scoring.model import TrainedModel
from leadflow.scoring.model_in_force import judge, judge_all, model_in_force, stored_events, trace
from leadflow.scoring.qualification_policy import QualificationPolicy, qualification_policy
from leadflow.routing.policy import routing_policy
from leadflow.scoring.policy import ScoringPolicy, scoring_policy
from leadflow.core.plain_rows import fetch_plain
from leadflow.core.value_lists import among


def _explain(result: ScoreResult, engagement, hits: Any = None) -> dict:  # type: ignore[no-untyped-def]
    """Why the score, JSON-safe; ``hits``: the fired rules already made JSON-safe (shared by
    every lead of the same fit, so a batch converts them once per combination)."""
    return {
        "hits": json_safe(result.hits) if hits is None else hits,
        "disqualified_by": json_safe(result.disqualified_by),
        "missing_fit_fields": list(result.missing),
        "qualification": [
            {
                "model": v.model,
                "verdict": v.verdict,
                "yes": v.yes,
                "answered": v.answered,
                "points": v.points,
                "reason": v.reason,
            }
            for v in result.verdicts
        ],
        "engagement": [
            {
                "signal": c.signal,
                "at": c.at.isoformat(),
                "raw": round(c.raw, 2),
                "now": round(c.points, 2),
                "machine": c.machine,
            }
            for c in engagement.contributions
        ],
        "grade": result.grade,
        "purchase_class": result.purchase_class,
    }


# What scoring reads of a lead: one Core row per lead, no ORM object, no autoflush.
LEAD = Lead.__table__
LEAD_COLUMNS = tuple(
    LEAD.c[name]
    for name in (
        "id email domain is_free_mail is_disposable is_role_address has_website company title "
        "country state city industry employees revenue_band product_line temperature score grade "
        "purchase_class purchase_timeframe_months status lifecycle_stage first_campaign_id"
    ).split()
)
SCORE_COLUMNS = (
    "fit_score",
    "engagement_score",
    "qualification_score",
    "score",
    "temperature",
    "grade",
    "scored_at",
    "purchase_class",
    "disqualified_by",
    "status",
    "lifecycle_stage",
)
# One statement for every changed lead of a batch (bulk_writes.KeyedUpdate).
WRITE_SCORE = KeyedUpdate(LEAD, "lead_id", {name: f"v_{name}" for name in SCORE_COLUMNS})
# The ingest pipeline's score step records the lead's stage move in the same UPDATE (one row
# version per lead, not two: lead_stages.moved_to); re-scores elsewhere leave the stage alone.
WRITE_SCORE_AND_STAGE = replace(
    WRITE_SCORE, also={"pipeline_stage": moved_to(PipelineStage.SCORED, LEAD.c.pipeline_stage)}
)


@dataclass
class ScoringRun:
    """The policies, version and run a batch is scored under (read once per call)."""

    at: datetime
    run_id: str | None
    policy: ScoringPolicy
    engagement: EngagementPolicy
    qualification: QualificationPolicy
    routing: RoutingPolicy
    model: TrainedModel | None
    version: str
    fit: FitMemo
    territories: dict[tuple[str | None, str | None], str | None] = field(default_factory=dict)

    def territory(self, country: str | None, state: str | None) -> str | None:
        """Per (country, state), once per run: most leads share a handful of places."""
        key = (country, state)
        if key not in self.territories:
            self.territories[key] = territory_of(country, state, self.routing)
        return self.territories[key]

    def safe_hits(self, hits: tuple[Any, ...]) -> Any:
        """The fired rules in JSON form, once per distinct tuple of hits (the FitMemo shares
        one tuple among every lead of the same fit)."""
        derived = self.fit.derived
        found = derived.get(id(hits))
        if found is None or found[0] is not hits:
            if len(derived) > 100_000:
                derived.clear()
            found = derived[id(hits)] = (hits, json_safe(hits))
        return found[1]

    @classmethod
    def now(cls, now: datetime | None) -> ScoringRun:
        policy, engagement, qualification = (
            scoring_policy(),
            engagement_policy(),
            qualification_policy(),
        )
        model = model_in_force(policy)
        version = ";".join(
            [p.config_version for p in (policy, engagement, qualification)]
            + ([model.version] if model else [])
        )
        return cls(
            as_utc(now),
            current_flow_run_id(),
            policy,
            engagement,
            qualification,
            routing_policy(),
            model,
            version,
            shared_fit_memo(policy),
        )


def _change(lead: Row[Any], result: ScoreResult, run: ScoringRun) -> dict[str, Any]:
    """The lead's new columns (status and lifecycle stage as the result moves them)."""
    newly_out = bool(result.disqualified_by) and lead.status in (
        LeadStatus.NEW,
        LeadStatus.NURTURING,
        LeadStatus.POOL,
    )
    to_mql = result.temperature == "hot" and lead.lifecycle_stage in (
        LifecycleStage.NEW,
        LifecycleStage.RECYCLED,
    )
    return {
        "lead_id": lead.id,
        "v_fit_score": result.fit,
        "v_engagement_score": result.engagement,
        "v_qualification_score": result.qualification,
        "v_score": result.score,
        "v_temperature": result.temperature,
        "v_grade": result.grade,
        "v_scored_at": run.at,
        "v_purchase_class": result.purchase_class,
        "v_disqualified_by": result.disqualified_by.rule_id if result.disqualified_by else None,
        "v_status": LeadStatus.DISQUALIFIED if newly_out else lead.status,
        "v_lifecycle_stage": LifecycleStage.MQL if to_mql else lead.lifecycle_stage,
    }


def _stage_decision(lead: Row[Any], result: ScoreResult, run: ScoringRun) -> dict[str, Any]:
    """The lifecycle move a hot score makes (as leadflow.core.lifecycle records it)."""
    return decision_row(
        lead_id=lead.id,
        kind="stage",
        rule_id="threshold:hot",
        outcome=f"{lead.lifecycle_stage} -> mql",
        reason=f"score {result.score} reached the hot threshold",
        at=run.at,
        inputs={"from": lead.lifecycle_stage, "to": LifecycleStage.MQL},
        flow_run_id=run.run_id,
    )


def _score_decision(
    lead: Row[Any], result: ScoreResult, engaged: Any, judged: Any, run: ScoringRun
) -> dict[str, Any]:
    rule = (
        result.disqualified_by.rule_id
        if result.disqualified_by
        else "+".join(h.rule_id for h in result.hits)
    )
    return decision_row(
        lead_id=lead.id,
        kind="score",
        rule_id=rule[:200] or None,
        outcome=f"score {result.score} ({result.temperature}, grade {result.grade})",
        reason=(f"model {judged.version}: probability {judged.probability:.2f}; " if judged else "")
        + f"fit {result.fit} + qualification {result.qualification} + engagement "
        f"{result.engagement}; was {lead.score} ({lead.temperature})",
        at=run.at,
        config_version=run.version,
        flow_run_id=run.run_id,
    ) | {"inputs": _explain(result, engaged, run.safe_hits(result.hits)) | json_safe(trace(judged))}


@dataclass
class _Writes:
    changes: list[dict[str, Any]] = field(default_factory=list)
    decisions: list[dict[str, Any]] = field(default_factory=list)
    disqualified: list[int] = field(default_factory=list)


def _score_batch(
    session: Session, lead_ids: list[int], run: ScoringRun, outcome: ScoreOutcome
) -> _Writes:
    """Score one batch over plain rows; only the leads whose score moved are written."""
    leads = fetch_plain(
        session, select(*LEAD_COLUMNS).where(among(LEAD.c.id, lead_ids)).order_by(LEAD.c.id)
    )
    return _score_rows(session, leads, run, outcome)


def _score_rows(
    session: Session, leads: list[Any], run: ScoringRun, outcome: ScoreOutcome
) -> _Writes:
    """Score leads read as ``LEAD_COLUMNS`` rows, in the transaction that holds them locked."""
    lead_ids = [lead.id for lead in leads]
    events, answers = load_events(session, lead_ids), load_answers(session, lead_ids)
    history = stored_events(session, lead_ids) if run.model else {}
    campaigns = {
        c.id: c for c in session.execute(select(Campaign.id, Campaign.name, Campaign.channel))
    }
    views = {
        lead.id: lead_view(
            lead, run.routing, campaigns.get(lead.first_campaign_id or 0), run.territory
        )
        for lead in leads
    }
    judged_all = judge_all(run.model, run.policy, views, history, run.at)
    writes = _Writes()
    for lead in leads:
        engaged = engagement_score(events.get(lead.id, []), run.engagement, run.at)
        verdicts = [
            evaluate(model, answers[lead.id][model.id])
            for model in run.qualification.models
            if model.id in answers.get(lead.id, {})
        ]
        view = views[lead.id]
        result = score_lead(
            view, run.policy, engaged, verdicts, lead.purchase_timeframe_months, run.fit(view)
        )
        result, judged = judge(result, judged_all.get(lead.id))
        getattr(outcome, result.temperature).append(lead.id)
        before = (lead.score, lead.temperature, lead.grade, lead.purchase_class)
        if before == (result.score, result.temperature, result.grade, result.purchase_class):
            continue
        change = _change(lead, result, run)
        writes.changes.append(change)
        if change["v_status"] == LeadStatus.DISQUALIFIED and lead.status != LeadStatus.DISQUALIFIED:
            writes.disqualified.append(lead.id)
        if change["v_lifecycle_stage"] != lead.lifecycle_stage:
            writes.decisions.append(_stage_decision(lead, result, run))
        writes.decisions.append(_score_decision(lead, result, engaged, judged, run))
    outcome.changed += len(writes.changes)
    return writes


def _write(session: Session, writes: _Writes, stage_too: bool = False) -> None:
    """A handful of statements for the whole batch, whatever its size."""
    if writes.changes:
        (WRITE_SCORE_AND_STAGE if stage_too else WRITE_SCORE).run(session, writes.changes)
    for i in range(0, len(writes.disqualified), CHUNK):
        session.execute(
            update(Enrollment)
            .where(
                among(Enrollment.lead_id, writes.disqualified[i : i + CHUNK]),
                Enrollment.status == EnrollmentStatus.ACTIVE,
            )
            .values(status=EnrollmentStatus.EXITED, exit_reason="disqualified"),
            execution_options={"synchronize_session": False},
        )
    if writes.decisions:
        write_decisions(session, writes.decisions)


def score_leads(
    lead_ids: list[int], now: datetime | None = None, stage_too: bool = False
) -> ScoreOutcome:
    """``stage_too``: the ingest pipeline's step, which also moves each lead it writes from
    enriched to scored (the leads whose score did not move are left to ``advance_leads``)."""
    run, outcome = ScoringRun.now(now), ScoreOutcome()
    _score_and_write(lead_ids, run, outcome, stage_too)
    _log(len(lead_ids), outcome)
    return outcome


def _score_and_write(
    lead_ids: list[int], run: ScoringRun, outcome: ScoreOutcome, stage_too: bool = False
) -> None:
    with session_scope() as session:
        lock_leads(session, lead_ids)  # read and written by this batch only, until it commits
        _write(session, _score_batch(session, lead_ids, run, outcome), stage_too)


def rescore_stored(
    now: datetime | None = None, batch_size: int = 5000, after_id: int = 0
) -> ScoreOutcome:
    """Re-score every stored lead (a rules change, a decay tick): keyset pages of ids, one
    transaction per page, so the base never sits in memory and a crash loses at most two pages.

    On PostgreSQL a page's writes and commit run on a second thread while the next page is read
    and scored: the server works on one page while this process computes the next (the writes
    are mostly waiting on the server, which frees the interpreter). Pages hold disjoint leads
    and the pipeline lock in shared mode, so the two transactions never wait for each other."""
    run, outcome, logger = ScoringRun.now(now), ScoreOutcome(), log()
    overlap = get_engine().dialect.name == "postgresql"
    with bulk_collection(), ThreadPoolExecutor(1, thread_name_prefix="rescore-write") as writer:
        written: Future[None] | None = None
        while True:
            with ExitStack() as transaction:
                session = transaction.enter_context(session_scope())
                leads = _locked_page(session, after_id, batch_size)
                writes = _score_rows(session, leads, run, outcome)
                if written is not None:
                    written.result()  # the page before committed; its error rolls this one back
                unit = transaction.pop_all()  # from here the writer commits or rolls back
            if overlap:
                written = writer.submit(_write_and_commit, unit, session, writes, logger)
            else:
                _write_and_commit(unit, session, writes, logger)
            if not leads:
                break
            after_id = leads[-1].id
        if written is not None:
            written.result()
    _log(outcome.changed, outcome)
    return outcome


def _write_and_commit(unit: ExitStack, session: Session, writes: _Writes, logger: Any) -> None:
    """Write a scored page and end its transaction (``unit``: the session scope it runs in).
    ``logger``: the run's, taken on the caller's thread (Prefect's context stays there)."""
    try:
        with unit:
            _write(session, writes)
    except Exception:  # boundary: a thread of its own; logged here even if nobody asks after it
        logger.exception(
            "re-score: a page of %d changed leads was not written", len(writes.changes)
        )
        raise


def _locked_page(session: Session, after_id: int, size: int) -> list[Any]:
    """The next ``size`` leads by id, read and locked by one statement: the pipeline lock
    shared first, then the rows FOR UPDATE in id order (the index's order), as ``lock_leads``
    takes a batch, without sending the page's ids back to the server twice."""
    lock_leads(session, ())
    return fetch_plain(
        session,
        select(*LEAD_COLUMNS)
        .where(LEAD.c.id > after_id)
        .order_by(LEAD.c.id)
        .limit(size)
        .with_for_update(),
    )


def _log(count: int, outcome: ScoreOutcome) -> None:
    log().info(
        "scored %d leads: %d hot, %d warm, %d cold, %d disqualified (%d changed)",
        count,
        len(outcome.hot),
        len(outcome.warm),
        len(outcome.cold),
        len(outcome.disqualified),
        outcome.changed,
    )

"""Recording qualification answers from reps (and forms), then re-scoring the lead."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from leadflow.core.clock import as_utc
from leadflow.core.db import session_scope
from leadflow.core.decisions import record
from leadflow.core.answers import parse_answer
from leadflow.scoring.qualification import Verdict, evaluate
from leadflow.core.models import Lead, QualificationAnswer
from leadflow.report.views import find_lead
from leadflow.scoring.qualification_policy import Model, qualification_policy
from leadflow.scoring.rescore import score_leads


def record_answers(
    lead_ref: str,
    model_id: str,
    answers: list[str],
    source: str,
    timeframe_months: int | None = None,
    now: datetime | None = None,
) -> tuple[Verdict, str]:
    """Store ``question=yes|no`` answers (the latest answer wins) and re-score; (verdict, new score)."""

    at = as_utc(now)
    model = qualification_policy().model(model_id)
    if model is None:
        raise ValueError(f"unknown qualification model {model_id!r}")
    parsed = _parse(model, answers)
    with session_scope() as session:
        lead = find_lead(session, lead_ref)
        for question, answer in parsed.items():
            _store_answer(session, lead.id, model_id, question, answer, source, at)
        if timeframe_months is not None:
            lead.purchase_timeframe_months = timeframe_months
        session.flush()
        stored = dict(
            session.execute(
                select(QualificationAnswer.question, QualificationAnswer.answer).where(
                    QualificationAnswer.lead_id == lead.id, QualificationAnswer.model == model_id
                )
            )
            .tuples()
            .all()
        )
        record(
            session,
            lead_id=lead.id,
            kind="qualify",
            rule_id=model_id,
            outcome=f"{len(parsed)} answers",
            reason=f"answered by {source}",
            inputs={"answers": parsed, "timeframe_months": timeframe_months},
            at=at,
        )
        lead_id = lead.id
    score_leads([lead_id], at)
    with session_scope() as session:
        fresh = session.get(Lead, lead_id)
        summary = f"{fresh.score} ({fresh.temperature}, grade {fresh.grade}, class {fresh.purchase_class or '-'})"
    return evaluate(model, stored), summary


def _parse(model: Model, answers: list[str]) -> dict[str, bool]:
    """``question=yes|no`` items to answers; an unknown question or answer is refused whole."""
    parsed: dict[str, bool] = {}
    for item in answers:
        question, _, raw = item.partition("=")
        answer = parse_answer(raw)
        if question not in {q.id for q in model.questions} or answer is None:
            raise ValueError(
                f"{item!r}: expected one of {', '.join(q.id for q in model.questions)} = yes|no"
            )
        parsed[question] = answer
    return parsed


def _store_answer(
    session: Session,
    lead_id: int,
    model_id: str,
    question: str,
    answer: bool,
    source: str,
    at: datetime,
) -> None:
    """One answer per lead, model and question: a new answer replaces the old one."""
    row = session.scalar(
        select(QualificationAnswer).where(
            QualificationAnswer.lead_id == lead_id,
            QualificationAnswer.model == model_id,
            QualificationAnswer.question == question,
        )
    )
    if row is None:
        session.add(
            QualificationAnswer(
                lead_id=lead_id,
                model=model_id,
                question=question,
                answer=answer,
                source=source,
                answered_at=at,
            )
        )
    else:
        row.answer, row.source, row.answered_at = answer, source, at

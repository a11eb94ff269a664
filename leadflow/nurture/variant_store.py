"""A/B variants in the database: the promoted winners, per-variant results, promotion.

Results count human signals only (opens and clicks not flagged as machine) per email sent,
and conversions: the lead accepted by a rep, or a won CRM deal, after that email was sent.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, case, distinct, func, or_, select
from sqlalchemy.orm import Session

from leadflow.core.decisions import record
from leadflow.core.errors import ConfigError
from leadflow.core.models import (
    Assignment,
    CrmOutcome,
    EngagementEvent,
    Enrollment,
    OutboundEmail,
    VariantPromotion,
)
from leadflow.nurture.variants import wilson
from leadflow.core.statuses import AssignmentStatus, CrmStatus, OutboxStatus


@dataclass(frozen=True)
class VariantResult:
    variant: str
    sent: int
    opened: int
    clicked: int
    converted: int

    def rate(self, count: int) -> tuple[float, float, float]:
        """(rate, low, high): the share and its 95% Wilson interval."""
        low, high = wilson(count, self.sent)
        return (count / self.sent if self.sent else 0.0), low, high


def promotions(session: Session) -> dict[tuple[str, int], str]:
    return {(p.sequence, p.step): p.variant for p in session.scalars(select(VariantPromotion))}


def _human(kind: str) -> Any:
    return select(distinct(EngagementEvent.outbound_email_id)).where(
        EngagementEvent.type == kind, EngagementEvent.is_machine.is_(False)
    )


def variant_results(session: Session, sequence: str, step: int) -> list[VariantResult]:
    """Per variant of a step (0-based): emails sent, how many opened, clicked, converted."""
    scope = and_(
        OutboundEmail.kind == "nurture",
        OutboundEmail.step == step,
        OutboundEmail.variant.is_not(None),
        OutboundEmail.status == OutboxStatus.SENT,
    )
    converted = or_(
        select(Assignment.id)
        .where(
            Assignment.lead_id == OutboundEmail.lead_id,
            Assignment.status == AssignmentStatus.ACCEPTED,
            Assignment.accepted_at >= OutboundEmail.sent_at,
        )
        .exists(),
        select(CrmOutcome.id)
        .where(
            CrmOutcome.lead_id == OutboundEmail.lead_id,
            CrmOutcome.status == CrmStatus.WON,
            CrmOutcome.closed_at >= OutboundEmail.sent_at,
        )
        .exists(),
    )
    rows = session.execute(
        select(
            OutboundEmail.variant,
            func.count(),
            _count(OutboundEmail.id.in_(_human("open"))),
            _count(OutboundEmail.id.in_(_human("click"))),
            _count(converted),
        )
        .select_from(OutboundEmail)
        .join(Enrollment, Enrollment.id == OutboundEmail.enrollment_id)
        .where(scope, Enrollment.sequence == sequence)
        .group_by(OutboundEmail.variant)
        .order_by(OutboundEmail.variant)
    ).all()
    return [VariantResult(v, n, int(o or 0), int(c or 0), int(k or 0)) for v, n, o, c, k in rows]


def _count(condition: Any) -> Any:
    return func.sum(case((condition, 1), else_=0))


def promote(
    session: Session,
    policy: Any,
    sequence: str,
    step: int,
    variant: str,
    at: datetime,
    force: bool = False,
) -> list[VariantResult]:
    """Make ``variant`` the step's winner; refused until every variant has min_sample sends."""
    steps = policy.sequence(sequence).steps
    if not 0 <= step < len(steps) or variant not in {v.key for v in steps[step].variants}:
        raise ConfigError(
            "sequences.yaml", None, f"{sequence} step {step + 1}", f"no variant {variant!r} there"
        )
    results = variant_results(session, sequence, step)
    short = {v.key: 0 for v in steps[step].variants} | {r.variant: r.sent for r in results}
    lacking = {k: n for k, n in short.items() if n < steps[step].min_sample}
    if lacking and not force:
        raise ConfigError(
            "sequences.yaml",
            None,
            f"{sequence} step {step + 1} min_sample",
            f"not enough sends yet (need {steps[step].min_sample} each): {lacking}",
        )
    found = session.get(VariantPromotion, (sequence, step))
    if found is None:
        session.add(VariantPromotion(sequence=sequence, step=step, variant=variant, promoted_at=at))
    else:
        found.variant, found.promoted_at = variant, at
    record(
        session,
        lead_id=None,
        kind="variant-promote",
        rule_id=f"variant:{sequence}:{step + 1}",
        outcome=f"variant {variant} promoted",
        reason="forced before min_sample" if lacking else "min_sample met",
        inputs={"results": [r.__dict__ for r in results], "min_sample": steps[step].min_sample},
        at=at,
        config_version=policy.config_version,
    )
    return results

"""An account's score: its leads together (a buying committee engages as several people).

The account's engagement is the sum of its leads' decayed engagement (capped at 100): three
people each a little engaged are more than one. Its fit is the best lead's fit, its score
the best lead's score; the number of hot leads says how many people are ready. Reads only.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from leadflow.core.models import Account, Lead


@dataclass(frozen=True)
class AccountScore:
    account_id: int
    domain: str
    leads: int
    hot_leads: int
    best_score: int
    best_fit: int
    engagement: int


def account_scores(session: Session, limit: int = 50) -> list[AccountScore]:
    """Accounts by combined engagement, then best score; only accounts with a scored lead."""
    engagement = func.sum(Lead.engagement_score)
    query = (
        select(
            Account.id,
            Account.domain,
            func.count(Lead.id),
            func.sum(case((Lead.temperature == "hot", 1), else_=0)),
            func.max(Lead.score),
            func.max(Lead.fit_score),
            engagement,
        )
        .join(Lead, Lead.account_id == Account.id)
        .where(Lead.scored_at.is_not(None))
        .group_by(Account.id, Account.domain)
        .order_by(engagement.desc(), func.max(Lead.score).desc(), Account.id)
        .limit(limit)
    )
    return [
        AccountScore(a, d, n, int(h or 0), int(s or 0), int(f or 0), min(100, int(e or 0)))
        for a, d, n, h, s, f, e in session.execute(query)
    ]

"""What scoring reads of a lead besides its columns: the view the rules see, its engagement
events and its qualification answers, for a batch of leads at once."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from functools import partial
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from leadflow.core.models import EngagementEvent, QualificationAnswer
from leadflow.core.types import LeadView
from leadflow.routing.policy import RoutingPolicy
from leadflow.routing.route import territory_of
from leadflow.scoring.engagement_decay import Event
from leadflow.core.value_lists import among


def lead_view(
    lead: Any,
    routing: RoutingPolicy,
    campaign: Any = None,
    territory: Callable[[str | None, str | None], str | None] | None = None,
) -> LeadView:
    """A Lead, or a row with the same columns (the batch path reads rows, not objects);
    ``territory``: the lookup to use (a batch memoises it per country and state)."""
    return LeadView(
        id=lead.id,
        email=lead.email,
        domain=lead.domain,
        is_free_mail=lead.is_free_mail,
        is_disposable=lead.is_disposable,
        is_role_address=lead.is_role_address,
        has_website=lead.has_website,
        company=lead.company,
        title=lead.title,
        country=lead.country,
        state=lead.state,
        city=lead.city,
        industry=lead.industry,
        employees=lead.employees,
        revenue_band=lead.revenue_band,
        product_line=lead.product_line,
        territory=(territory or partial(territory_of, policy=routing))(lead.country, lead.state),
        campaign=campaign.name if campaign else None,
        channel=campaign.channel if campaign else None,
        temperature=lead.temperature,
        score=lead.score,
    )


def load_events(session: Session, lead_ids: list[int]) -> dict[int, list[Event]]:
    events: dict[int, list[Event]] = defaultdict(list)
    for row in session.execute(
        select(
            EngagementEvent.lead_id,
            EngagementEvent.type,
            EngagementEvent.occurred_at,
            EngagementEvent.url,
            EngagementEvent.is_machine,
        ).where(among(EngagementEvent.lead_id, lead_ids))
    ):
        events[row.lead_id].append(Event(row.type, row.occurred_at, row.url, row.is_machine))
    return events


def load_answers(session: Session, lead_ids: list[int]) -> dict[int, dict[str, dict[str, bool]]]:
    answers: dict[int, dict[str, dict[str, bool]]] = defaultdict(lambda: defaultdict(dict))
    for row in session.execute(
        select(
            QualificationAnswer.lead_id,
            QualificationAnswer.model,
            QualificationAnswer.question,
            QualificationAnswer.answer,
        ).where(among(QualificationAnswer.lead_id, lead_ids))
    ):
        answers[row.lead_id][row.model][row.question] = row.answer
    return answers

"""`score simulate --model`: the rules, the model in force and a candidate model, side by side.

Reads stored leads and their imported history; writes nothing. MQLs gained and lost are
the candidate against what is in force now (the current model, else the rules).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from itertools import islice

from sqlalchemy.orm import Session

from leadflow.core.clock import as_utc
from leadflow.core.models import Lead
from leadflow.core.types import LeadView
from leadflow.routing.policy import load_routing
from leadflow.core.settings import get_settings
from leadflow.scoring.model import TrainedModel
from leadflow.scoring.model_in_force import stored_events
from leadflow.scoring.model_rows import model_input, verdict
from leadflow.scoring.policy import ScoringPolicy
from leadflow.scoring.replay import stored_views
from leadflow.scoring.score import score_lead


@dataclass
class ModelComparison:
    leads: int = 0
    hot: dict[str, int] = field(default_factory=lambda: {"rules": 0, "current": 0, "candidate": 0})
    gained: list[int] = field(default_factory=list)
    lost: list[int] = field(default_factory=list)
    current_version: str | None = None
    candidate_version: str = ""


def _chunks(
    items: Iterator[tuple[Lead, LeadView]], size: int
) -> Iterator[list[tuple[Lead, LeadView]]]:
    while chunk := list(islice(items, size)):
        yield chunk


def compare_models(
    session: Session,
    policy: ScoringPolicy,
    current: TrainedModel | None,
    candidate: TrainedModel,
    now: datetime | None = None,
) -> ModelComparison:
    at = as_utc(now)
    out = ModelComparison(
        current_version=current.version if current else None,
        candidate_version=candidate.version or "candidate",
    )
    routing = load_routing(get_settings().routing_dir)
    for chunk in _chunks(stored_views(session, routing), 1000):
        history = stored_events(session, [lead.id for lead, _ in chunk])
        for lead, view in chunk:
            rules = score_lead(view, policy, lead.engagement_score + lead.qualification_score)
            out.leads += 1
            out.hot["rules"] += rules.temperature == "hot"
            if rules.disqualified_by is not None:
                continue
            events = history.get(lead.id, [])
            now_hot = rules.temperature == "hot"
            if current is not None:
                now_hot = (
                    verdict(
                        current, model_input(current, view, events, at), policy.thresholds
                    ).temperature
                    == "hot"
                )
                out.hot["current"] += now_hot
            new_hot = (
                verdict(
                    candidate, model_input(candidate, view, events, at), policy.thresholds
                ).temperature
                == "hot"
            )
            out.hot["candidate"] += new_hot
            if new_hot != now_hot:
                (out.gained if new_hot else out.lost).append(lead.id)
    return out

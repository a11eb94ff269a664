"""The trained model in force, if any, and the imported history it reads for stored leads."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from leadflow.core.clock import as_utc
from leadflow.core.models import EngagementEvent
from leadflow.core.settings import get_settings
from leadflow.core.types import LeadView
from leadflow.scoring.model import TrainedModel, current_model_path, load_model
from leadflow.scoring.model_rows import ModelVerdict, StoredEvent, model_input, verdicts
from leadflow.scoring.policy import ScoringPolicy
from leadflow.scoring.score import ScoreResult
from leadflow.core.value_lists import among

_LOADED: dict[tuple[Path, float], TrainedModel] = {}


def model_in_force(policy: ScoringPolicy, folder: Path | None = None) -> TrainedModel | None:
    """The current model, when one is written and icp.yaml sets probability thresholds."""
    if not policy.thresholds.by_probability:
        return None
    path = current_model_path((folder or get_settings().scoring_dir) / "models")
    if path is None:
        return None
    key = (path, path.stat().st_mtime)
    if key not in _LOADED:
        _LOADED.clear()
        _LOADED[key] = load_model(path)
    return _LOADED[key]


def stored_events(session: Session, lead_ids: list[int]) -> dict[int, list[StoredEvent]]:
    events: dict[int, list[StoredEvent]] = defaultdict(list)
    query = select(
        EngagementEvent.lead_id,
        EngagementEvent.type,
        EngagementEvent.url,
        EngagementEvent.occurred_at,
        EngagementEvent.detail,
    ).where(among(EngagementEvent.lead_id, lead_ids), EngagementEvent.is_machine.is_(False))
    for lead_id, kind, url, at, detail in session.execute(query):
        detail = detail or {}
        events[lead_id].append(
            StoredEvent(kind, url, as_utc(at), detail.get("source"), detail.get("original_type"))
        )
    return events


def judge_all(
    model: TrainedModel | None,
    policy: ScoringPolicy,
    views: dict[int, LeadView],
    history: dict[int, list[StoredEvent]],
    at: datetime,
) -> dict[int, ModelVerdict]:
    """The model's verdict on every lead of a batch, in one prediction."""
    if model is None:
        return {}
    ids = list(views)
    rows = [model_input(model, views[i], history.get(i, []), at) for i in ids]
    return dict(zip(ids, verdicts(model, rows, policy.thresholds), strict=True))


def judge(
    result: ScoreResult, judged: ModelVerdict | None
) -> tuple[ScoreResult, ModelVerdict | None]:
    """Score = the probability in percent; grade stays from fit; disqualifiers still rule."""
    if judged is None or result.disqualified_by is not None:
        return result, None
    score = round(100 * judged.probability)
    return replace(result, score=score, temperature=judged.temperature), judged


def trace(judged: ModelVerdict | None) -> dict[str, Any]:
    if judged is None:
        return {}
    return {
        "model": {
            "version": judged.version,
            "probability": round(judged.probability, 4),
            "contributions": [{"feature": f, "log_odds": v} for f, v in judged.contributions],
        }
    }

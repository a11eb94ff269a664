"""A stored lead as the model's input row, and the model's verdict on it (pure).

A model trained on an export names its inputs as the export did ("employee_band",
"touches:email", "pricing_page_views"). A stored lead answers them from its fields (through
the same header names the rules use) and from its imported events (by source table and
original type, or by the event type and page a count column stands for).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from leadflow.core.types import LeadView
from leadflow.scoring.activities import COUNT_COLUMNS
from leadflow.scoring.features import snake
from leadflow.scoring.model import TrainedModel
from leadflow.scoring.policy import Thresholds
from leadflow.scoring.rules_on_rows import FIELD_HEADERS
from leadflow.scoring.values import category_key

FIELD_FOR_HEADER = {name: field for field, names in FIELD_HEADERS.items() for name in names}


@dataclass(frozen=True)
class StoredEvent:
    type: str
    url: str | None
    occurred_at: datetime
    source: str | None  # the export's table name (touches.parquet), None if tracked live
    original_type: str | None


@dataclass(frozen=True)
class ModelVerdict:
    version: str
    probability: float
    temperature: str
    contributions: list[tuple[str, float]]


def _activity_value(name: str, events: Sequence[StoredEvent], at: datetime) -> float | None:
    log, _, kind = name.partition(":")
    mine = [e for e in events if e.source and snake(e.source.split(".")[0]) == log]
    if kind == "count":
        return float(len(mine))
    if kind == "days_since_last":
        return min(((at - e.occurred_at).total_seconds() / 86400 for e in mine), default=None)
    if kind.startswith("sum:"):
        return None  # amounts are not kept on events
    return float(sum(category_key(e.original_type) == kind for e in mine))


def model_input(
    model: TrainedModel, view: LeadView, events: Sequence[StoredEvent], at: datetime
) -> dict[str, Any]:
    row: dict[str, Any] = {}
    for code in model.encoder.fields:
        name = code.name
        if ":" in name:
            row[name] = _activity_value(name, events, at)
        elif snake(name) in COUNT_COLUMNS:
            kind, hint = COUNT_COLUMNS[snake(name)]
            row[name] = float(
                sum(e.type == kind and (hint is None or hint in (e.url or "")) for e in events)
            )
        elif snake(name) in FIELD_FOR_HEADER:
            row[name] = getattr(view, FIELD_FOR_HEADER[snake(name)], None)
        else:
            row[name] = view.extras.get(name)
    return row


def verdict(model: TrainedModel, row: dict[str, Any], thresholds: Thresholds) -> ModelVerdict:
    probability = float(model.probabilities([row])[0])
    hot, warm = thresholds.hot_probability or 1.0, thresholds.warm_probability or 1.0
    temperature = "hot" if probability >= hot else "warm" if probability >= warm else "cold"
    return ModelVerdict(model.version, probability, temperature, model.contributions(row, top=8))


def verdicts(
    model: TrainedModel, rows: list[dict[str, Any]], thresholds: Thresholds
) -> list[ModelVerdict]:
    """``verdict`` for a batch: one encoding and one prediction for all rows."""
    if not rows:
        return []
    probabilities = model.probabilities(rows)
    hot, warm = thresholds.hot_probability or 1.0, thresholds.warm_probability or 1.0
    return [
        ModelVerdict(
            model.version, float(p), "hot" if p >= hot else "warm" if p >= warm else "cold", top
        )
        for p, top in zip(probabilities, model.top_contributions(rows), strict=True)
    ]

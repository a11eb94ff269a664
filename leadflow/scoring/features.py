"""Features for the predictive score: what columns say, and behaviour from activity logs (pure).

A lead table's columns are typed from their values (number, band, yes/no, category, date,
identifier). Activity logs (touches, sessions, calls, email events) become per-lead counts by
type, sums and recency. The leakage guard: a feature may only use what was known at the
lead's snapshot date, so activities dated after it are left out and any column holding a
date after it is dropped; both are reported, never silent.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from leadflow.scoring.values import (
    category_key,
    is_missing,
    parse_band,
    to_bool,
    to_date,
    to_number,
)

Row = dict[str, Any]
LABEL_NAMES = (
    "converted",
    "is_converted",
    "won",
    "is_won",
    "closed_won",
    "label",
    "target",
    "outcome",
    "converted_within_90_days",
    "converted_within_60_days",
    "converted_within_30_days",
)
CREATED_NAMES = (
    "lead_created_at",
    "created_at",
    "created",
    "createdate",
    "created_date",
    "create_date",
    "lead_created",
    "date_created",
)
_ID_NAME = re.compile(r"(^|_)(id|uuid|key|email|e_mail|email_address)$")


class Kind(StrEnum):
    NUMBER = "number"
    BAND = "band"
    BOOLEAN = "boolean"
    CATEGORY = "category"
    DATE = "date"
    IDENTIFIER = "identifier"
    TEXT = "text"


class Dropped(StrEnum):
    LEAK_DATE = "dated after the snapshot"
    LEAK_DECLARED = "declared leaky in the feature dictionary"
    EXCLUDED = "excluded by --exclude"
    IDENTIFIER = "an identifier"
    FREE_TEXT = "free text (too many distinct values)"
    TOO_GOOD = "predicts the outcome almost perfectly alone: likely recorded after it"
    CONSTANT = "one value only"


def snake(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", name.strip().lower()).strip("_")


def find_column(headers: Iterable[str], names: Sequence[str]) -> str | None:
    by_key = {snake(h): h for h in headers}
    return next((by_key[n] for n in names if n in by_key), None)


def find_label(headers: Sequence[str], rows: Sequence[Row], label: str | None) -> str | None:
    if label:
        return find_column(headers, [snake(label)])
    named = find_column(headers, LABEL_NAMES)
    if named:
        return named
    for header in headers:  # converted_within_45_days and the like
        if snake(header).startswith(("converted_within", "won_within")):
            return header
    return None


def _kind_of(header: str, values: list[Any], rows: int) -> Kind:
    if _ID_NAME.search(snake(header)):
        return Kind.IDENTIFIER
    if not values:
        return Kind.CATEGORY
    if all(to_bool(v) is not None for v in values) and all(
        not isinstance(v, (int, float)) or isinstance(v, bool) or v in (0, 1) for v in values
    ):
        return Kind.BOOLEAN
    if all(to_number(v) is not None for v in values):
        return Kind.NUMBER
    if all(to_date(v) is not None for v in values):
        return Kind.DATE
    if sum(
        parse_band(v) is not None and bool(re.search(r"[-+–~至以]", str(v))) for v in values
    ) >= 0.8 * len(values):
        return Kind.BAND
    distinct = len({category_key(v) for v in values})
    if distinct > 50 and distinct > 0.2 * rows:
        return Kind.TEXT
    return Kind.CATEGORY


def infer_kinds(headers: Sequence[str], rows: Sequence[Row], sample: int = 2000) -> dict[str, Kind]:
    step = max(1, len(rows) // sample)
    picked = rows[::step]
    return {
        h: _kind_of(h, [r.get(h) for r in picked if not is_missing(r.get(h))], len(picked))
        for h in headers
    }


@dataclass
class Guard:
    """What the leakage guard and the column typing left out, and why."""

    dropped: dict[str, Dropped] = field(default_factory=dict)
    activities_after_snapshot: int = 0
    activities_unmatched: int = 0
    activity_types: Counter[str] = field(default_factory=Counter)


def leaky_dates(
    rows: Sequence[Row],
    kinds: dict[str, Kind],
    snapshots: Sequence[datetime | None],
    created: str | None,
) -> list[str]:
    """Date columns holding any value after its row's snapshot: they saw the future."""
    leaks = []
    for header, kind in kinds.items():
        if kind is not Kind.DATE or header == created:
            continue
        for row, snapshot in zip(rows, snapshots, strict=True):
            moment = to_date(row.get(header))
            if snapshot is not None and moment is not None and moment > snapshot:
                leaks.append(header)
                break
    return leaks


def snapshot_dates(
    rows: Sequence[Row], created: str | None, as_of: datetime | None, snapshot_days: int | None
) -> list[datetime | None]:
    """Each row's snapshot: --as-of for all, else created + snapshot_days, else unknown."""
    if as_of is not None:
        return [as_of] * len(rows)
    if created is None or snapshot_days is None:
        return [None] * len(rows)
    out = []
    for row in rows:
        moment = to_date(row.get(created))
        out.append(moment + timedelta(days=snapshot_days) if moment else None)
    return out


@dataclass(frozen=True)
class ActivityLog:
    """One activity table: its key column (lead id or email), time and type columns."""

    name: str
    key: str
    time: str | None
    type: str | None
    amounts: tuple[str, ...]


TIME_HINTS = ("timestamp", "occurred_at", "date", "time", "created_at", "activity_date")
TYPE_HINTS = (
    "type",
    "activity_type",
    "event_type",
    "touch_type",
    "session_type",
    "kind",
    "activity",
    "event",
)


def describe_log(
    name: str, headers: Sequence[str], rows: Sequence[Row], lead_keys: Sequence[str]
) -> ActivityLog | None:
    key = find_column(headers, [snake(k) for k in lead_keys])
    if key is None:
        return None
    by_snake = {snake(h): h for h in headers}
    time = next((h for s, h in by_snake.items() if any(s.endswith(t) for t in TIME_HINTS)), None)
    kind = next((h for s, h in by_snake.items() if s.endswith("type") and h != key), None)
    kind = kind or find_column(headers, TYPE_HINTS)
    kinds = infer_kinds(headers, rows)
    amounts = tuple(h for h in headers if kinds[h] is Kind.NUMBER and h not in (key, time, kind))
    return ActivityLog(snake(name.split(".")[0]), key, time, kind, amounts)


def aggregate(
    log: ActivityLog, rows: Iterable[Row], snapshots: dict[str, datetime | None], guard: Guard
) -> dict[str, dict[str, float]]:
    """Per lead key: count by type, total, sums of amounts, days from last activity to snapshot."""
    out: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for row in rows:
        key = str(row.get(log.key) or "").strip().lower()
        if key not in snapshots:
            guard.activities_unmatched += 1
            continue
        moment = to_date(row.get(log.time)) if log.time else None
        snapshot = snapshots[key]
        if moment and snapshot and moment > snapshot:
            guard.activities_after_snapshot += 1
            continue
        features = out[key]
        features[f"{log.name}:count"] += 1
        if log.type:
            kind = category_key(row.get(log.type)) or "unknown"
            guard.activity_types[f"{log.name}:{kind}"] += 1
            features[f"{log.name}:{kind}"] += 1
        for amount in log.amounts:
            features[f"{log.name}:sum:{snake(amount)}"] += to_number(row.get(amount)) or 0.0
        if moment and snapshot:
            age = (snapshot - moment).total_seconds() / 86400
            last = f"{log.name}:days_since_last"
            features[last] = min(features.get(last, age), age)
    return out


TOO_GOOD_AUC = 0.97


def _alone_auc(kind: Kind, values: list[Any], labels: Sequence[bool]) -> float:
    """How well one column ranks the outcome by itself (categories by their conversion rate)."""
    from sklearn.metrics import roc_auc_score

    if kind is Kind.CATEGORY:
        keys = [category_key(v) or "" for v in values]
        rates: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        for key, label in zip(keys, labels, strict=True):
            rates[key][0] += label
            rates[key][1] += 1
        scores = [rates[k][0] / rates[k][1] for k in keys]
    else:
        scores = [to_number(v) if to_number(v) is not None else -1e18 for v in values]
        scores = [1.0 if to_bool(v) else 0.0 for v in values] if kind is Kind.BOOLEAN else scores
    auc = float(roc_auc_score(list(labels), scores))
    return max(auc, 1 - auc)


def too_good(rows: Sequence[Row], labels: Sequence[bool], kinds: dict[str, Kind]) -> list[str]:
    """Columns that alone all but give the outcome away: a stage, a close reason, a won flag."""
    if len(set(labels)) < 2:
        return []
    return [
        name
        for name, kind in kinds.items()
        if kind in (Kind.NUMBER, Kind.BAND, Kind.BOOLEAN, Kind.CATEGORY)
        and _alone_auc(kind, [r.get(name) for r in rows], labels) >= TOO_GOOD_AUC
    ]

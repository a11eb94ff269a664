"""Turn typed lead values into model matrices, remembering which lead field each column came from.

Linear design: numbers (log of counts) standardised plus quantile-bin indicators and a
missing flag; yes/no as 0/1; categories one-hot over the levels seen often enough. Tree
design: one column per field, numbers raw and categories as codes (missing stays NaN).
Every design column names its source field, so contributions add up per field.
"""

from __future__ import annotations

import math
from functools import lru_cache
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from leadflow.scoring.features import Kind
from leadflow.scoring.values import category_key, parse_band, to_bool, to_number

MIN_LEVEL_ROWS = 10
BINS = 4


def numeric_value(kind: Kind, value: Any) -> float:
    if isinstance(value, (int, float)) and not isinstance(value, bool) and kind is not Kind.BAND:
        return float(value)
    if isinstance(value, str):
        return _parsed(kind, value)
    return _parse(kind, value)


@lru_cache(maxsize=65536)
def _parsed(kind: Kind, value: str) -> float:
    """Exports repeat the same few strings ("200-499", "TRUE") thousands of times."""
    return _parse(kind, value)


def _parse(kind: Kind, value: Any) -> float:
    if kind is Kind.BAND:
        band = parse_band(value)
        return band.representative if band else math.nan
    if kind is Kind.BOOLEAN:
        flag = to_bool(value)
        return math.nan if flag is None else float(flag)
    number = to_number(value)
    return math.nan if number is None else number


@dataclass
class FieldCode:
    """How one lead field becomes columns."""

    name: str
    kind: Kind
    levels: list[str] = field(default_factory=list)  # categories
    log: bool = False
    mean: float = 0.0
    std: float = 1.0
    edges: list[float] = field(default_factory=list)
    has_missing: bool = False

    def linear_names(self) -> list[str]:
        if self.kind is Kind.CATEGORY:
            return [f"{self.name}={level}" for level in self.levels] + [f"{self.name}=other"]
        names = [self.name] + [f"{self.name}>{edge:g}" for edge in self.edges]
        return names + ([f"{self.name} missing"] if self.has_missing else [])


def _fit_field(name: str, kind: Kind, values: Sequence[Any], plain: bool = False) -> FieldCode:
    code = FieldCode(name, kind)
    if kind is Kind.CATEGORY:
        counts = Counter(category_key(v) for v in values)
        counts.pop(None, None)
        floor = max(MIN_LEVEL_ROWS, len(values) // 100)
        code.levels = sorted(level for level, n in counts.items() if n >= floor)
        return code
    numbers = np.array([numeric_value(kind, v) for v in values], dtype=float)
    known = numbers[~np.isnan(numbers)]
    code.has_missing = bool(np.isnan(numbers).any())
    if len(known) == 0:
        return code
    code.log = (
        not plain and kind is not Kind.BOOLEAN and bool(known.min() >= 0) and known.max() > 10
    )
    scaled = np.log1p(known) if code.log else known
    code.mean, code.std = float(scaled.mean()), float(scaled.std() or 1.0)
    if kind is not Kind.BOOLEAN and not plain:
        edges = np.unique(np.quantile(known, np.linspace(0, 1, BINS + 1)[1:-1]))
        code.edges = [float(e) for e in edges if e > known.min()]
    return code


def _linear_block(code: FieldCode, values: Sequence[Any]) -> np.ndarray:
    if code.kind is Kind.CATEGORY:
        index = {level: i for i, level in enumerate(code.levels)}
        block = np.zeros((len(values), len(code.levels) + 1))
        for row, value in enumerate(values):
            key = category_key(value)
            if key is not None:
                block[row, index.get(key, len(code.levels))] = 1.0
        return block
    numbers = np.array([numeric_value(code.kind, v) for v in values], dtype=float)
    missing = np.isnan(numbers)
    scaled = np.log1p(np.clip(numbers, 0, None)) if code.log else numbers
    standard = np.where(missing, 0.0, (scaled - code.mean) / code.std)
    columns = [standard] + [np.where(missing, 0.0, numbers > edge) for edge in code.edges]
    if code.has_missing:
        columns.append(missing.astype(float))
    return np.column_stack(columns)


@dataclass
class Encoder:
    fields: list[FieldCode]

    @classmethod
    def fit(
        cls, rows: Sequence[dict[str, Any]], kinds: dict[str, Kind], plain: bool = False
    ) -> Encoder:
        """``plain``: standardised values and one-hot levels only (the textbook baseline)."""
        return cls(
            [
                _fit_field(name, kind, [r.get(name) for r in rows], plain)
                for name, kind in kinds.items()
            ]
        )

    def linear(self, rows: Sequence[dict[str, Any]]) -> np.ndarray:
        blocks = [_linear_block(code, [r.get(code.name) for r in rows]) for code in self.fields]
        return np.hstack(blocks) if blocks else np.zeros((len(rows), 0))

    def linear_sources(self) -> list[str]:
        """The field behind each linear column, in column order."""
        return [code.name for code in self.fields for _ in code.linear_names()]

    def linear_names(self) -> list[str]:
        return [name for code in self.fields for name in code.linear_names()]

    def tree(self, rows: Sequence[dict[str, Any]]) -> np.ndarray:
        columns = []
        for code in self.fields:
            values = [r.get(code.name) for r in rows]
            if code.kind is Kind.CATEGORY:
                index = {level: float(i) for i, level in enumerate(code.levels)}
                other = float(len(code.levels))
                columns.append(
                    [
                        math.nan if category_key(v) is None else index.get(category_key(v), other)
                        for v in values
                    ]
                )
            else:
                columns.append([numeric_value(code.kind, v) for v in values])
        return np.array(columns, dtype=float).T if columns else np.zeros((len(rows), 0))

    def categorical_mask(self) -> list[bool]:
        return [code.kind is Kind.CATEGORY for code in self.fields]

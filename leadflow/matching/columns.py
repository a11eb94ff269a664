"""Records to columns of integer codes: each distinct normalized value is normalized once.

Codes are the rank of the value in sorted order (-1 for missing), so they do not depend on the
order of the records, and sorting by code sorts alphabetically (the blocking window uses that).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from leadflow.matching.kinds import FieldSpec, Kind, MatchConfig
from leadflow.matching.text import has_han, normalizer, phonetic, pinyin


@dataclass
class Column:
    """One field of all records: ``codes[i]`` indexes ``values`` (or is -1)."""

    name: str
    kind: Kind
    codes: np.ndarray  # int32, one per record
    values: np.ndarray  # object array of distinct normalized strings, sorted
    counts: np.ndarray  # int64, records per value
    derived: dict[str, Column] = field(default_factory=dict)  # "phonetic", "local", "pinyin", "prefix2"

    @property
    def non_null(self) -> int:
        return int(self.counts.sum())


def _codes(items: Sequence[object], distinct: Sequence[object]) -> np.ndarray:
    """Position of each item in ``distinct`` (-1 for None). Built in C loops (zip, map): this
    runs once per record and column, the bulk of preparing a big file."""
    lookup: dict[object, int] = dict(zip(distinct, range(len(distinct)), strict=True))
    lookup[None] = -1
    return np.array(list(map(lookup.__getitem__, items)), dtype=np.int32)


def factorize(items: Sequence[object]) -> tuple[np.ndarray, np.ndarray]:
    """(codes, sorted distinct values); None -> -1. Values must be hashable and, but for None,
    mutually comparable (strings)."""
    distinct = dict.fromkeys(items)
    distinct.pop(None, None)
    ordered = sorted(distinct)  # type: ignore[type-var]
    codes = _codes(items, ordered)
    values = np.empty(len(ordered), dtype=object)
    values[:] = ordered
    return codes, values


def column_from_values(name: str, kind: Kind, normalized: Sequence[str | None]) -> Column:
    codes, values = factorize(normalized)
    counts = np.bincount(codes[codes >= 0], minlength=len(values)).astype(np.int64)
    return Column(name, kind, codes, values, counts)


def derive(column: Column, label: str, fn: Callable[[str], str | None]) -> Column:
    """A column computed from another's distinct values (cheap: once per value)."""
    mapped = [fn(v) or None for v in column.values]
    sub_codes, sub_values = factorize(mapped)
    codes = np.where(column.codes >= 0, sub_codes[np.maximum(column.codes, 0)] if len(sub_codes) else -1, -1)
    codes = codes.astype(np.int32)
    counts = np.bincount(codes[codes >= 0], minlength=len(sub_values)).astype(np.int64)
    return Column(f"{column.name}:{label}", column.kind, codes, sub_values, counts)


def _prefix(length: int) -> Callable[[str], str | None]:
    return lambda v: v.replace(" ", "")[:length] if len(v.replace(" ", "")) >= length else None


# Keys only a configured blocking rule asks for ("email:domain"): made on first use, since
# a million distinct addresses take seconds to split.
ON_DEMAND: dict[Kind, dict[str, Callable[[str], str | None]]] = {
    Kind.EMAIL: {"local": lambda v: v.split("@", 1)[0], "domain": lambda v: v.split("@", 1)[1]},
    Kind.COMPANY: {"prefix2": lambda v: v[:2] if has_han(v) else v[:4]},
}


def add_derived(column: Column) -> None:
    kind = column.kind
    if kind is Kind.NAME:
        column.derived["phonetic"] = derive(column, "phonetic", phonetic)
        column.derived["prefix3"] = derive(column, "prefix3", _prefix(3))
        column.derived["pinyin"] = derive(column, "pinyin", lambda v: pinyin(v) if has_han(v) else None)
    elif kind is Kind.COMPANY:
        column.derived["phonetic"] = derive(column, "phonetic", phonetic)
        column.derived["pinyin"] = derive(column, "pinyin", lambda v: pinyin(v) if has_han(v) else None)
    elif kind in (Kind.ADDRESS, Kind.TEXT):
        column.derived["prefix3"] = derive(column, "prefix3", _prefix(3))
    elif kind is Kind.DATE:
        column.derived["year"] = derive(column, "year", lambda v: v[:4] if len(v) == 8 else None)


@dataclass
class Table:
    """The compared fields of a set of records, plus which side each came from when linking."""

    n: int
    columns: dict[str, Column]
    source: np.ndarray | None = None  # int8: 0 left, 1 right (linking); None when deduplicating

    def key(self, name: str) -> Column:
        """A field ("surname") or a derived key ("surname:phonetic")."""
        base, _, label = name.partition(":")
        column = self.columns[base]
        if not label:
            return column
        if label not in column.derived and label in ON_DEMAND.get(column.kind, {}):
            column.derived[label] = derive(column, label, ON_DEMAND[column.kind][label])
        return column.derived[label]


def _raw_column(records: Sequence[Mapping[str, object]] | Mapping[str, Sequence[object]],
                name: str, n: int) -> Iterable[object]:
    if isinstance(records, Mapping):
        return records.get(name) or [None] * n
    return (r.get(name) for r in records)


def build_table(records: Sequence[Mapping[str, object]] | Mapping[str, Sequence[object]],
                config: MatchConfig, source: np.ndarray | None = None) -> Table:
    """Rows (a list of dicts) or columns (a dict of lists) to a Table."""
    if isinstance(records, Mapping):
        n = len(next(iter(records.values()))) if records else 0
    else:
        n = len(records)
    columns: dict[str, Column] = {}
    for spec in config.fields:
        columns[spec.name] = prepare_column(spec, list(_raw_column(records, spec.name, n)), config)
    return Table(n, columns, source)


def _first_seen(items: Sequence[object]) -> tuple[np.ndarray, list[str]]:
    """(codes, distinct values as strings, in order of first appearance); None -> -1.

    Unsorted on purpose: raw values are only looked up to be normalized once each. Non-strings
    are made strings first, so 1 and 1.0 (equal as keys) stay apart, as their text does."""
    if not set(map(type, items)) <= {str, type(None)}:
        items = [None if v is None else str(v) for v in items]
    distinct = dict.fromkeys(items)
    distinct.pop(None, None)
    values = list(distinct)
    return _codes(items, values), values  # type: ignore[return-value]


def prepare_column(spec: FieldSpec, raw: Sequence[object], config: MatchConfig) -> Column:
    raw_codes, raw_values = _first_seen(raw)
    norm = normalizer(spec.kind, config.email_policy)
    normalized = [norm(v) for v in raw_values]
    sub_codes, values = factorize(normalized)
    codes = np.where(raw_codes >= 0, sub_codes[np.maximum(raw_codes, 0)] if len(sub_codes) else -1, -1)
    codes = codes.astype(np.int32)
    counts = np.bincount(codes[codes >= 0], minlength=len(values)).astype(np.int64)
    column = Column(spec.name, spec.kind, codes, values, counts)
    add_derived(column)
    return column

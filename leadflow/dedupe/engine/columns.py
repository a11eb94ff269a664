"""Records to columns of integer codes: each distinct normalized value is normalized once.

Codes are the rank of the value in sorted order (-1 for missing), so they do not depend on the
order of the records, and sorting by code sorts alphabetically (the blocking window uses that).
"""

from __future__ import annotations

import multiprocessing
import os
import queue
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from itertools import count

import numpy as np

from leadflow.dedupe.kinds import FieldSpec, Kind, MatchConfig
from leadflow.dedupe.engine.names import is_han, name_sound, romanized
from leadflow.dedupe.engine.text import has_han, normalizer, phonetic, pinyin


@dataclass
class Column:
    """One field of all records: ``codes[i]`` indexes ``values`` (or is -1)."""

    name: str
    kind: Kind
    codes: np.ndarray  # int32, one per record
    values: np.ndarray  # object array of distinct normalized strings, sorted
    counts: np.ndarray  # int64, records per value
    derived: dict[str, Column] = field(
        default_factory=dict
    )  # "phonetic", "local", "pinyin", "prefix2"

    @property
    def non_null(self) -> int:
        return int(self.counts.sum())


def _encode(items: Iterable[object]) -> tuple[np.ndarray, list[object]]:
    """(codes, distinct values in order of first appearance); None -> -1.

    One pass of C loops (map, dict.setdefault) over the items: at a million records their
    strings lie scattered through memory, and each further pass costs as much as the work."""
    seen: dict[object, int] = {}
    first = np.fromiter(map(seen.setdefault, items, count()), np.int64)
    none = seen.pop(None, None)
    dense = np.empty(len(first), np.int32)
    dense[np.fromiter(seen.values(), np.int64, len(seen))] = np.arange(len(seen), dtype=np.int32)
    if none is not None:
        dense[none] = -1
    return dense[first], list(seen)


def factorize(items: Sequence[object]) -> tuple[np.ndarray, np.ndarray]:
    """(codes, sorted distinct values); None -> -1. Values must be hashable and, but for None,
    mutually comparable (strings)."""
    codes, distinct = _encode(items)
    order = np.fromiter(
        sorted(range(len(distinct)), key=distinct.__getitem__),  # type: ignore[arg-type]
        np.int64,
        len(distinct),
    )
    rank = np.empty(len(distinct) + 1, np.int32)
    rank[order] = np.arange(len(distinct), dtype=np.int32)
    rank[-1] = -1  # code -1 (None) stays -1
    values = np.empty(len(distinct), dtype=object)
    values[:] = distinct
    return rank[codes], values[order]


def column_from_values(name: str, kind: Kind, normalized: Sequence[str | None]) -> Column:
    codes, values = factorize(normalized)
    counts = np.bincount(codes[codes >= 0], minlength=len(values)).astype(np.int64)
    return Column(name, kind, codes, values, counts)


def derive(column: Column, label: str, fn: Callable[[str], str | None]) -> Column:
    """A column computed from another's distinct values (cheap: once per value)."""
    mapped = [fn(v) or None for v in column.values]
    sub_codes, sub_values = factorize(mapped)
    codes = np.where(
        column.codes >= 0, sub_codes[np.maximum(column.codes, 0)] if len(sub_codes) else -1, -1
    )
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
        # one key per name whatever its script and order (names.py): 郭秀英 ~ "Xiuying Guo"
        column.derived["phonetic"] = derive(column, "phonetic", name_sound)
        column.derived["prefix3"] = derive(column, "prefix3", _prefix(3))
        column.derived["pinyin"] = derive(column, "pinyin", romanized)
        column.derived["script"] = derive(column, "script", is_han)
    elif kind is Kind.COMPANY:
        column.derived["phonetic"] = derive(column, "phonetic", phonetic)
        column.derived["pinyin"] = derive(
            column, "pinyin", lambda v: pinyin(v) if has_han(v) else None
        )
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


def _raw_column(
    records: Sequence[Mapping[str, object]] | Mapping[str, Sequence[object]], name: str, n: int
) -> Iterable[object]:
    if isinstance(records, Mapping):
        return records.get(name) or [None] * n
    return (r.get(name) for r in records)


PARALLEL_FROM = 200_000  # records: below this a second process costs more than it saves


def build_table(
    records: Sequence[Mapping[str, object]] | Mapping[str, Sequence[object]],
    config: MatchConfig,
    source: np.ndarray | None = None,
    workers: int | None = None,
) -> Table:
    """Rows (a list of dicts) or columns (a dict of lists) to a Table.

    Big inputs are prepared by two forked processes, a column at a time (``workers`` overrides
    the choice): normalizing and hashing a million values per column is Python work that one
    core does alone, and a column comes back as a few arrays."""
    if isinstance(records, Mapping):
        n = len(next(iter(records.values()))) if records else 0
    else:
        n = len(records)
    raw = {spec.name: list(_raw_column(records, spec.name, n)) for spec in config.fields}
    if workers is None:
        workers = 2 if n >= PARALLEL_FROM and (os.cpu_count() or 1) > 1 else 1
    prepared = _prepare_forked(raw, config, workers) if workers > 1 else None
    if prepared is None:
        prepared = [prepare_column(spec, raw[spec.name], config) for spec in config.fields]
    return Table(
        n, {spec.name: column for spec, column in zip(config.fields, prepared, strict=True)}, source
    )


def _claim_and_prepare(
    raw: dict[str, list[object]], config: MatchConfig, claimed: Any
) -> dict[int, Column]:
    """Columns taken one at a time off a shared counter until none is left: each process takes
    the next one as soon as it is free, so neither waits on the other's big columns."""
    done = {}
    while True:
        with claimed.get_lock():
            index = claimed.value
            claimed.value += 1
        if index >= len(config.fields):
            return done
        spec = config.fields[index]
        done[index] = prepare_column(spec, raw[spec.name], config)


def _prepare_forked(
    raw: dict[str, list[object]], config: MatchConfig, workers: int
) -> list[Column] | None:
    """The columns, prepared by this process and ``workers - 1`` forked ones. None where forking
    is not possible (no fork on this platform, or inside a daemonic worker): the caller then
    prepares them alone."""
    if "fork" not in multiprocessing.get_all_start_methods():
        return None
    context = multiprocessing.get_context("fork")
    claimed = context.Value("i", 0)
    results = context.Queue()

    def work() -> None:  # in the child: the records are inherited, only the columns travel back
        try:
            results.put(_claim_and_prepare(raw, config, claimed))
        except Exception:  # its columns are redone below; the traceback is printed by the child
            results.put({})
            raise

    try:
        children = [context.Process(target=work, daemon=True) for _ in range(workers - 1)]
        for child in children:
            child.start()
    except (AssertionError, OSError):
        return None
    done = _claim_and_prepare(raw, config, claimed)
    waiting = len(children)
    while waiting:
        try:
            done.update(results.get(timeout=1.0))
            waiting -= 1
        except queue.Empty:
            if not any(child.is_alive() for child in children) and results.empty():
                break  # a child died without a word (killed): its columns are redone below
    for child in children:
        child.join()
    for index, spec in enumerate(config.fields):
        if index not in done:
            done[index] = prepare_column(spec, raw[spec.name], config)
    return [done[k] for k in range(len(config.fields))]


def _first_seen(items: Sequence[object]) -> tuple[np.ndarray, list[str]]:
    """(codes, distinct values as strings, in order of first appearance); None -> -1.

    Unsorted on purpose: raw values are only looked up to be normalized once each. Non-strings
    are made strings first, so 1 and 1.0 (equal as keys) stay apart, as their text does; they
    are looked for among the distinct values only (cheap), then the items are encoded again."""
    codes, values = _encode(items)
    if not all(type(v) is str for v in values):
        codes, values = _encode(None if v is None else str(v) for v in items)
    return codes, values  # type: ignore[return-value]


def prepare_column(spec: FieldSpec, raw: Sequence[object], config: MatchConfig) -> Column:
    raw_codes, raw_values = _first_seen(raw)
    norm = normalizer(spec.kind, config.email_policy)
    normalized = [norm(v) for v in raw_values]
    sub_codes, values = factorize(normalized)
    codes = np.where(
        raw_codes >= 0, sub_codes[np.maximum(raw_codes, 0)] if len(sub_codes) else -1, -1
    )
    codes = codes.astype(np.int32)
    counts = np.bincount(codes[codes >= 0], minlength=len(values)).astype(np.int64)
    column = Column(spec.name, spec.kind, codes, values, counts)
    add_derived(column)
    return column

"""Comparison levels per kind: how alike two values are, as a small integer per pair.

Level 0 is "different", the last level is "exact"; -1 means one side is missing (no evidence).
Strings are compared by code point with rapidfuzz, in bulk (``process.cpdist``), and only for
pairs whose values differ (equal codes are "exact" without looking at the strings) and whose
character counts leave them a chance of a fuzzy level (see bags.py).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA, JaroWinkler

from leadflow.dedupe.engine import bags
from leadflow.dedupe.engine.columns import Column
from leadflow.dedupe.kinds import Kind

WORKERS = -1  # rapidfuzz threads: all cores
THREADS = min(4, os.cpu_count() or 1)  # fields compared at once
THREADS_FROM = 500_000  # pairs: fewer are not worth a thread pool

LEVELS: dict[Kind, tuple[str, ...]] = {
    Kind.NAME: ("different", "jaro-winkler>=0.80", "jaro-winkler>=0.92 or same pinyin", "exact"),
    Kind.COMPANY: (
        "different",
        "token-set>=0.70",
        "token-set>=0.88 or same pinyin",
        "exact core name",
    ),
    Kind.EMAIL: ("different", "edits<=2", "exact"),
    Kind.PHONE: ("different", "edits<=1", "exact"),
    Kind.DOMAIN: ("different", "exact"),
    Kind.DATE: ("different", "edits<=2", "edits<=1 or day/month swapped", "exact"),
    Kind.POSTCODE: ("different", "edits<=1", "exact"),
    Kind.ADDRESS: ("different", "jaro-winkler>=0.80", "jaro-winkler>=0.92", "exact"),
    Kind.TEXT: ("different", "token-set>=0.70", "token-set>=0.90", "exact"),
    Kind.CATEGORY: ("different", "exact"),
    Kind.IDENTIFIER: ("different", "edits<=2", "edits<=1", "exact"),
}


@dataclass(frozen=True)
class Comparison:
    """The levels of one field: what the model learns an m and u for."""

    field: str
    kind: Kind

    @property
    def labels(self) -> tuple[str, ...]:
        return LEVELS[self.kind]

    @property
    def n_levels(self) -> int:
        return len(LEVELS[self.kind])


def _sim(a: np.ndarray, b: np.ndarray, scorer: Callable[..., float], **kw: object) -> np.ndarray:
    if len(a) == 0:
        return np.empty(0, np.float32)
    return process.cpdist(a, b, scorer=scorer, workers=WORKERS, dtype=np.float32, **kw)


def _edits(a: np.ndarray, b: np.ndarray, cutoff: int) -> np.ndarray:
    if len(a) == 0:
        return np.empty(0, np.int32)
    return process.cpdist(
        a, b, scorer=OSA.distance, workers=WORKERS, score_cutoff=cutoff, dtype=np.int32
    )


def _by_threshold(score: np.ndarray, cuts: tuple[float, ...]) -> np.ndarray:
    """Level k when score >= cuts[k-1] (cuts ascending)."""
    return np.searchsorted(np.asarray(cuts, np.float32), score, side="right").astype(np.int8)


def _same(column: Column, label: str, left: np.ndarray, right: np.ndarray) -> np.ndarray:
    derived = column.derived.get(label)
    if derived is None:
        return np.zeros(len(left), bool)
    a, b = derived.codes[left], derived.codes[right]
    return (a == b) & (a >= 0)


def _fuzzy_levels(
    column: Column, kind: Kind, left: np.ndarray, right: np.ndarray, va: np.ndarray, vb: np.ndarray
) -> np.ndarray:
    """Levels below "exact" for pairs whose values differ (``left``/``right`` are record ids)."""
    if kind in (Kind.NAME, Kind.ADDRESS):
        return _by_threshold(_sim(va, vb, JaroWinkler.normalized_similarity), JARO_CUTS)
    if kind in (Kind.COMPANY, Kind.TEXT):
        score = _sim(va, vb, fuzz.token_set_ratio) / 100.0
        return _by_threshold(score, (0.70, 0.90) if kind is Kind.TEXT else (0.70, 0.88))
    if kind is Kind.EMAIL:
        return (_edits(va, vb, 2) <= 2).astype(np.int8)
    if kind in (Kind.PHONE, Kind.POSTCODE):
        return (_edits(va, vb, 1) <= 1).astype(np.int8)
    if kind is Kind.DATE:
        edits = _edits(va, vb, 2)
        level = np.where(edits <= 1, 2, np.where(edits <= 2, 1, 0)).astype(np.int8)
        same_year = np.flatnonzero(_same(column, "year", left, right) & (edits > 1))
        swapped = [k for k in same_year if va[k][4:6] == vb[k][6:8] and va[k][6:8] == vb[k][4:6]]
        level[np.asarray(swapped, np.int64)] = 2
        return level
    if kind is Kind.IDENTIFIER:
        edits = _edits(va, vb, 2)
        return np.where(edits <= 1, 2, np.where(edits <= 2, 1, 0)).astype(np.int8)
    return np.zeros(len(va), np.int8)  # DOMAIN, CATEGORY: equal or not


JARO_CUTS = (0.80, 0.92)
EDIT_CUTOFF = {Kind.EMAIL: 2, Kind.PHONE: 1, Kind.POSTCODE: 1, Kind.DATE: 2, Kind.IDENTIFIER: 2}


def _distinct(key: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """np.unique(key, return_index=True, return_inverse=True) without the keys: each key's
    first position, and each position's key index. Key and position packed into one int64 and
    sorted in place: 2-3x faster than np.unique's stable argsort at millions of pairs."""
    m = len(key)
    if not m or (int(key.max()) + 1) * m >= 2**63:
        return np.unique(key, return_index=True, return_inverse=True)[1:]
    packed = key * m + np.arange(m)
    packed.sort()
    sorted_key = packed // m
    position = packed - sorted_key * m
    head = np.r_[True, sorted_key[1:] != sorted_key[:-1]]
    inverse = np.empty(m, np.int64)
    inverse[position] = np.cumsum(head) - 1
    return position[head], inverse


def _hopeful(column: Column, x: np.ndarray, y: np.ndarray) -> np.ndarray | None:
    """Which differing value pairs may reach a level above "different" (None: all may)."""
    cutoff = EDIT_CUTOFF.get(column.kind)
    if cutoff is not None:
        return bags.edit_lower_bound(column, x, y) <= cutoff
    if column.kind in (Kind.NAME, Kind.ADDRESS):
        return bags.jaro_winkler_upper_bound(column, x, y) >= JARO_CUTS[0] - 1e-4
    return None


def compare(column: Column, left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """Level per pair (int8), -1 where either value is missing.

    Pairs that cannot reach a fuzzy level by their character counts are "different" without
    comparing (see bags.py); of the rest, each distinct pair of values is compared once.
    """
    kind = column.kind
    top = len(LEVELS[kind]) - 1
    a, b = column.codes[left], column.codes[right]
    levels = np.full(len(left), -1, np.int8)
    if not len(column.values):  # nobody has this field: no evidence (and nothing to index)
        return levels
    present = (a >= 0) & (b >= 0)
    equal = present & (a == b)
    levels[equal] = top
    differ = present & ~equal
    levels[differ] = 0
    if top <= 1:
        return levels
    idx = np.flatnonzero(differ)
    if kind in (Kind.NAME, Kind.COMPANY):  # one name romanized, or written in another script
        same = _same(column, "pinyin", left[idx], right[idx])
        levels[idx[same]] = 2
        if (
            kind is Kind.NAME
        ):  # 郭秀英 and "Xiuying Guo" are equal: pinyin is all the Latin form says
            across = same & ~_same(column, "script", left[idx], right[idx])
            levels[idx[across]] = top
            idx = idx[~across]
    hope = _hopeful(column, a[idx], b[idx])
    if hope is not None:
        idx = idx[hope]
    if not len(idx):
        return levels
    lo, hi = (
        np.minimum(a[idx], b[idx]).astype(np.int64),
        np.maximum(a[idx], b[idx]).astype(np.int64),
    )
    key = lo * len(column.values) + hi
    if len(column.values) ** 2 < 50 * len(idx) or len(idx) > 4 * len(column.values):
        first, inverse = _distinct(key)
    else:
        first, inverse = np.arange(len(idx)), None
    pick = idx[first]
    fuzzy = _fuzzy_levels(
        column, kind, left[pick], right[pick], column.values[lo[first]], column.values[hi[first]]
    )
    fuzzy = fuzzy if inverse is None else fuzzy[inverse]
    levels[idx] = np.maximum(levels[idx], fuzzy)  # keeps the pinyin agreements
    return levels


def compare_all(columns: dict[str, Column], left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """Pairs x fields matrix of levels (int8), fields in ``columns`` order.

    Two fields typed the other way round count as the level below exact on both: a given name
    and surname (given_a == surname_b and surname_a == given_b), or two address lines (alike
    crosswise, typos allowed: forms put "unit 4" and "12 main st" in either line).
    """
    out = np.empty((len(left), len(columns)), np.int8, order="F")  # a field's levels side by side

    def fill(k: int, column: Column) -> None:
        out[:, k] = compare(column, left, right)

    if len(left) >= THREADS_FROM:  # numpy's sorts and gathers and rapidfuzz let go of the GIL
        with ThreadPoolExecutor(THREADS) as pool:
            list(pool.map(fill, range(len(columns)), columns.values()))
    else:
        for k, column in enumerate(columns.values()):
            fill(k, column)
    cols = list(columns.values())
    for kind in (Kind.NAME, Kind.ADDRESS):
        fields = [k for k, column in enumerate(cols) if column.kind is kind][:2]
        if len(fields) < 2:
            continue
        i, j = fields
        cand = np.flatnonzero(
            (out[:, i] < 2) & (out[:, j] < 2) & (out[:, i] >= 0) & (out[:, j] >= 0)
        )
        if len(cand):
            a, b = left[cand], right[cand]
            first, second = cols[i], cols[j]
            alike = _same_value if kind is Kind.NAME else _alike_line
            swapped = alike(first, second, a, b) & alike(second, first, a, b)
            out[cand[swapped], i] = 2
            out[cand[swapped], j] = 2
    return out


def _same_value(x: Column, y: Column, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.asarray(x.values[x.codes[a]] == y.values[y.codes[b]], bool)


def _alike_line(x: Column, y: Column, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """x of a against y of b: same first three letters (cheap), then Jaro-Winkler >= 0.92."""
    px, py = x.derived["prefix3"], y.derived["prefix3"]
    ca, cb = px.codes[a], py.codes[b]
    hit = (ca >= 0) & (cb >= 0)
    hit[hit] = px.values[ca[hit]] == py.values[cb[hit]]
    k = np.flatnonzero(hit)
    hit[k] = (
        _sim(x.values[x.codes[a[k]]], y.values[y.codes[b[k]]], JaroWinkler.normalized_similarity)
        >= 0.92
    )
    return hit

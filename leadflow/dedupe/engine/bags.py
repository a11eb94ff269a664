"""Cheap bounds on string similarity from character counts, to skip hopeless comparisons.

Most candidate pairs disagree on most fields (a pair found through the surname rarely shares a
phone number), and calling rapidfuzz on millions of such pairs costs more than everything else
in scoring. Each distinct value gets a "bag": how many of its characters fall in each of 16
buckets (code point mod 16, counts capped at 7), packed as 4-bit lanes in one uint64. Two bags
give, in a handful of whole-array integer operations per pair, a lower bound on the edit
distance and an upper bound on the Jaro-Winkler similarity; only pairs whose bound lets them
reach a level go on to rapidfuzz.

Why the bounds hold: an insertion or deletion changes one bucket count by one, a substitution at
most two counts by one each, and a transposition none; so the edit distance is at least half of
(the summed bucket differences + the length difference). Merging characters into buckets and
capping counts only make the differences smaller, so the bound stays a bound. Jaro-Winkler
counts matching characters, which are at most the characters the two bags share.
"""

from __future__ import annotations

import numpy as np

from leadflow.dedupe.engine.columns import Column

CAP = 7  # 3 bits, so a lane's borrow bit (the 4th) is free for the subtraction below
LANES = np.uint64(0x1111111111111111)
HIGH = np.uint64(0x8888888888888888)
LOW_NIBBLES = np.uint64(0x0F0F0F0F0F0F0F0F)
BYTES = np.uint64(0x0101010101010101)
CHUNK = 1 << 20  # pairs per step: bounds the temporary arrays


def lengths(column: Column) -> np.ndarray:
    """Characters (code points) per distinct value, int32; cached on the column."""
    if "_lengths" not in column.__dict__:
        column.__dict__["_lengths"] = np.fromiter(
            map(len, column.values), np.int32, len(column.values)
        )
    return column.__dict__["_lengths"]  # type: ignore[no-any-return]


def bags(column: Column) -> np.ndarray:
    """One uint64 per distinct value: 16 four-bit character counts; cached on the column."""
    if "_bags" not in column.__dict__:
        column.__dict__["_bags"] = _pack(column.values, lengths(column))
    return column.__dict__["_bags"]  # type: ignore[no-any-return]


def _pack(values: np.ndarray, sizes: np.ndarray, step: int = 100_000) -> np.ndarray:
    out = np.zeros(len(values), np.uint64)
    shifts = np.arange(16, dtype=np.uint64) * np.uint64(4)
    for start in range(0, len(values), step):  # in steps: a million addresses are 25M characters
        part = values[start : start + step]
        text = "".join(part)
        points = (
            np.frombuffer(text.encode("ascii"), np.uint8)
            if text.isascii()
            else np.frombuffer(text.encode("utf-32-le"), np.uint32)
        ) & 15
        rows = np.repeat(np.arange(len(part), dtype=np.int64) * 16, sizes[start : start + step])
        counts = np.bincount(rows + points, minlength=16 * len(part)).reshape(-1, 16)
        counts = np.minimum(counts, CAP).astype(np.uint64)
        out[start : start + step] = (counts << shifts).sum(axis=1, dtype=np.uint64)
    return out


def _bucket_gap(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Summed absolute differences of the 16 counts of bags x and y (int32).

    Lane-wise x - y without borrows between lanes (each lane of x gets its 4th bit set first,
    and counts are at most 7), then the absolute value per lane, then the lanes summed.
    """
    r = (x | HIGH) - y  # lane = 8 + (x - y), in 1..15
    nonneg = (r & HIGH) >> np.uint64(3)  # 1 where x >= y
    neg = LANES ^ nonneg
    d = r ^ HIGH  # lane = x - y when x >= y, else 16 + (x - y)
    mask = neg * np.uint64(15)  # 0xF in the negative lanes
    absolute = (d ^ mask) + neg  # negative lanes: (15 - d) + 1 = y - x; no lane exceeds 7
    pairs = (absolute & LOW_NIBBLES) + ((absolute >> np.uint64(4)) & LOW_NIBBLES)
    return ((pairs * BYTES) >> np.uint64(56)).astype(np.int32)


def edit_lower_bound(column: Column, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Per pair of value codes (both present): a lower bound on their edit distance (int32)."""
    bag, size = bags(column), lengths(column)
    out = np.empty(len(a), np.int32)
    for s in range(0, len(a), CHUNK):
        x, y = a[s : s + CHUNK], b[s : s + CHUNK]
        out[s : s + CHUNK] = (_bucket_gap(bag[x], bag[y]) + np.abs(size[x] - size[y])) // 2
    return out


def jaro_winkler_upper_bound(column: Column, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Per pair of value codes: an upper bound on their Jaro-Winkler similarity (float32).

    Jaro is (c/|a| + c/|b| + (c - t)/c) / 3 for c matching characters and t transpositions,
    and Winkler adds at most 0.4 of the rest (a common prefix of at most 4, scaled by 0.1).
    """
    bag, size = bags(column), lengths(column)
    out = np.empty(len(a), np.float32)
    for s in range(0, len(a), CHUNK):
        x, y = a[s : s + CHUNK], b[s : s + CHUNK]
        la, lb = size[x].astype(np.float32), size[y].astype(np.float32)
        shared = np.minimum((la + lb - _bucket_gap(bag[x], bag[y])) / 2, np.minimum(la, lb))
        jaro = np.where(shared > 0, (shared / la + shared / lb + 1) / 3, 0)
        out[s : s + CHUNK] = jaro + 0.4 * (1 - jaro)
    return out

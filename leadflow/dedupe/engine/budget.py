"""One pair budget for all blocking rules together, spent on the most selective blocks first.

Each record's true duplicates that share a rule's key sit in one block with it, among s - 1
other records; so a pair from a block of 5 is far likelier to be a match than one from a
block of 500, whichever rule made them. All rules' blocks are ranked together by size and
compared all-to-all from the smallest up to the size ``cap`` where the pairs would pass
``max_pairs_per_record`` per record (never above ``max_block``). The budget left over buys
sorted-neighbour windows in the bigger blocks, most selective rules first. Costs are known
before any pair is made, so memory is bounded by the budget, not by the data.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from leadflow.dedupe.kinds import BlockingOptions


@dataclass
class Blocks:
    """One rule's blocks: record ids sorted by key (then by rank), cut into runs of one key."""

    ids: np.ndarray  # int64 record ids that have the key
    sizes: np.ndarray  # int64 records per block, in ``ids`` order
    costs: (
        np.ndarray
    )  # float64 pairs per block when compared all-to-all (across sides when linking)

    @property
    def after(self) -> np.ndarray:
        """Per sorted position: how many records follow it in its block."""
        ends = np.repeat(np.cumsum(self.sizes), self.sizes)
        return ends - np.arange(len(self.ids)) - 1


def blocks_of(codes: np.ndarray, rank: np.ndarray, source: np.ndarray | None) -> Blocks:
    ids = np.flatnonzero(codes >= 0)
    n = len(rank)
    if (int(codes.max(initial=0)) + 1) * n < 2**63:
        # one int64 key (code, rank), sorted in place: 3-4x faster than lexsort, and sorting
        # values beats argsort; ranks are a permutation, so the record comes back from its rank
        key = codes[ids] * n + rank[ids]
        key.sort()
        by_rank = np.empty(n, np.int64)
        by_rank[rank] = np.arange(n)
        ids = by_rank[key % n]
    else:
        ids = ids[np.lexsort((rank[ids], codes[ids]))]
    sc = codes[ids]
    starts = np.flatnonzero(np.r_[True, sc[1:] != sc[:-1]]) if len(ids) else np.empty(0, np.int64)
    sizes = np.diff(np.r_[starts, len(ids)]).astype(np.int64)
    if source is None:
        costs = sizes * (sizes - 1) / 2.0
    else:
        left = np.add.reduceat((source[ids] == 0).astype(np.int64), starts) if len(ids) else sizes
        costs = (left * (sizes - left)).astype(np.float64)
    return Blocks(ids, sizes, costs)


def window_cost(sizes: np.ndarray, window: int) -> np.ndarray:
    """Pairs a sorted-neighbour window makes in blocks of these sizes."""
    w = np.minimum(sizes - 1, window).astype(np.float64)
    return w * sizes - w * (w + 1) / 2.0


@dataclass
class Allotment:
    cap: int  # blocks of at most this many records are compared all-to-all
    windowed: list[bool]  # per rule: its blocks over the cap get a sorted-neighbour window


def allot(blocks: list[Blocks], opts: BlockingOptions, budget: float) -> Allotment:
    sizes = np.concatenate([b.sizes for b in blocks]) if blocks else np.empty(0, np.int64)
    costs = np.concatenate([b.costs for b in blocks]) if blocks else np.empty(0)
    order = np.argsort(sizes, kind="stable")
    size, spent = sizes[order], np.cumsum(costs[order])
    # a cap takes every block of its size or none: look at the last block of each size
    last = np.r_[size[1:] != size[:-1], True] if len(size) else np.empty(0, bool)
    fits = last & (spent <= budget) & (size <= opts.max_block)
    cap = int(size[fits].max()) if fits.any() else 1
    left = budget - float(costs[sizes <= cap].sum())
    big = [b.sizes > cap for b in blocks]
    # most selective first: the smallest blocks over the cap, as the average record sees them
    spread = [
        float((b.sizes[k] ** 2).sum() / max(b.sizes[k].sum(), 1))
        for b, k in zip(blocks, big, strict=True)
    ]
    windowed = [False] * len(blocks)
    for r in np.argsort(spread, kind="stable"):
        if not big[r].any() or opts.window <= 0:
            continue
        cost = float(window_cost(blocks[r].sizes[big[r]], opts.window).sum())
        if cost <= left:
            windowed[r], left = True, left - cost
    return Allotment(cap, windowed)


def partners(blocks: Blocks, allotment: Allotment, windowed: bool, window: int) -> np.ndarray:
    """Per sorted position: how many of the following records it is paired with."""
    after = blocks.after
    size = np.repeat(blocks.sizes, blocks.sizes)
    return np.where(size <= allotment.cap, after, np.minimum(after, window) if windowed else 0)


def expand(ids: np.ndarray, count: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Pairs (i < j) of each sorted position with its ``count`` next positions."""
    total = int(count.sum())
    first = np.repeat(np.arange(len(ids)), count)
    offset = np.arange(total) - np.repeat(np.cumsum(count) - count, count)
    a, b = ids[first], ids[first + 1 + offset]
    return np.minimum(a, b), np.maximum(a, b)


def union(keys: list[np.ndarray], n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Distinct pairs of the rules' packed keys (left * n + right), each with the first rule that
    made it. One in-place sort of (key, rule) packed into an int64: no hashing, no Python loop.
    Empties ``keys`` so that the rules' arrays are freed as soon as they are copied."""
    bits = max(len(keys) - 1, 1).bit_length()  # the rule in the low bits: shifts, not divisions
    if n * n << bits >= 2**63:
        raise ValueError(f"{n:,} records are too many to pack pairs of into int64 keys")
    packed = (
        np.concatenate([(k << bits) | r for r, k in enumerate(keys)])
        if keys
        else np.empty(0, np.int64)
    )
    keys.clear()
    packed.sort()
    key = packed >> bits
    first = np.r_[True, key[1:] != key[:-1]] if len(key) else np.empty(0, bool)
    rule = packed[first] & ((1 << bits) - 1)
    key = key[first]
    del packed
    return key // n, key % n, rule

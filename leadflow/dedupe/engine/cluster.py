"""Pairs with match probabilities to clusters, without chaining.

Plain connected components over "probable match" edges chain: A~B and B~C put A and C together
however unlike they are, and a few doubtful edges glue thousands of records into one cluster.
Here a cluster is a star: a centre and records that each match the centre itself at or above the
merge threshold. Within each connected group of strong edges the centre is the record with the
largest summed match probability (in duplicate data that is the record the others are copies
of); it takes every record directly linked to it, those leave, and the rest of the group is
clustered again the same way. So two members of a cluster are at most two strong links apart,
through its centre, and a cluster never grows through a member's other links.
"""

from __future__ import annotations

import numpy as np


def connected_components(n: int, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Label per node: the smallest node id in its component."""
    labels = np.arange(n, dtype=np.int64)
    if len(a) == 0:
        return labels
    while True:
        low = np.minimum(labels[a], labels[b])
        before = labels.copy()
        np.minimum.at(labels, a, low)
        np.minimum.at(labels, b, low)
        while True:  # pointer jumping: each node to its label's label
            jumped = labels[labels]
            if np.array_equal(jumped, labels):
                break
            labels = jumped
        if np.array_equal(before, labels):
            return labels


def _smallest_member(labels: np.ndarray) -> np.ndarray:
    first = np.full(len(labels), len(labels), np.int64)
    np.minimum.at(first, labels, np.arange(len(labels)))
    return first[labels]


def star_clusters(
    n: int, a: np.ndarray, b: np.ndarray, p: np.ndarray, threshold: float
) -> np.ndarray:
    """Cluster label per record (the smallest record id in its cluster); see the module doc.

    All centres of a round are chosen at once: a record is a centre when it is stronger than
    each of its remaining neighbours (ties: the smaller id). Each neighbour of a centre joins
    the centre it matches best; centres and members leave, and the rest goes round again.
    """
    keep = p >= threshold
    a, b, p = a[keep].astype(np.int64), b[keep].astype(np.int64), p[keep].astype(np.float64)
    cluster = np.arange(n, dtype=np.int64)
    while len(a):
        strength = np.bincount(a, p, minlength=n) + np.bincount(b, p, minlength=n)
        order = np.lexsort((np.arange(n), -strength))
        rank = np.empty(n, np.int64)
        rank[order] = np.arange(n)
        beaten = np.zeros(n, bool)
        beaten[np.where(rank[a] < rank[b], b, a)] = True
        touched = np.zeros(n, bool)
        touched[a] = touched[b] = True
        centre = touched & ~beaten
        from_a, from_b = centre[a], centre[b]
        member = np.r_[b[from_a], a[from_b]]
        head = np.r_[a[from_a], b[from_b]]
        weight = np.r_[p[from_a], p[from_b]]
        pick = np.lexsort((rank[head], -weight, member))
        first = pick[np.r_[True, member[pick][1:] != member[pick][:-1]]] if len(pick) else pick
        cluster[member[first]] = head[first]
        done = centre.copy()
        done[member] = True
        alive = ~done[a] & ~done[b]
        a, b, p = a[alive], b[alive], p[alive]
    return _smallest_member(cluster)


def component_clusters(
    n: int, a: np.ndarray, b: np.ndarray, p: np.ndarray, threshold: float
) -> np.ndarray:
    """Plain connected components at the threshold (what chains; kept for comparison)."""
    keep = p >= threshold
    return connected_components(n, a[keep].astype(np.int64), b[keep].astype(np.int64))


def best_probability(n: int, a: np.ndarray, b: np.ndarray, p: np.ndarray) -> np.ndarray:
    """Per record, its highest match probability with any compared record (0 when none)."""
    best = np.zeros(n)
    np.maximum.at(best, a, p)
    np.maximum.at(best, b, p)
    return best


def cluster_pairs(labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Every within-cluster pair (i < j): what pairwise precision and recall count."""
    order = np.argsort(labels, kind="stable")
    sl = labels[order]
    starts = np.flatnonzero(np.r_[True, sl[1:] != sl[:-1]])
    sizes = np.diff(np.r_[starts, len(sl)])
    ends = np.repeat(starts + sizes, sizes)
    partners = ends - np.arange(len(sl)) - 1
    first = np.repeat(np.arange(len(sl)), partners)
    offset = np.arange(int(partners.sum())) - np.repeat(np.cumsum(partners) - partners, partners)
    x, y = order[first], order[first + 1 + offset]
    return np.minimum(x, y), np.maximum(x, y)

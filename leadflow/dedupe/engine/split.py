"""Clusters that keep a many-record person whole without chaining two people together.

Stars (cluster.py) never chain, but they cannot hold a person with ten records whose variants
each match a neighbour and not one centre; plain connected components hold that person and also
glue look-alikes A ~ B ~ C into one cluster. Here:

1. Connected components over the candidate pairs at or above the ``link`` probability (the
   matcher's merge threshold).
2. Every pair inside each component of 3 to ``max_dense`` records is scored, not only the pairs
   blocking made: a chain's two ends are then compared with each other too.
3. A component whose pairs all weigh for a match stays whole. The others are split by
   average linkage over those weights: the two groups with the highest average weight between
   them join while that average is above zero, so A and C, which nothing but B links, stay
   apart when A and C disagree more strongly than each agrees with B (correlation
   clustering's greedy rule). A pair's weight is its log2 odds minus those of ``zero``, which
   the matcher sets far below even odds (``clustering.split_at``, 1 in 1,000): the pair
   probabilities carry the prior of two random records, and two records already linked into
   one component are far likelier to match than that.
4. A component bigger than ``max_dense`` (a hub of common values) falls back to stars.

No labels are needed: the weights are the fitted model's match weights.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from scipy.cluster.hierarchy import fcluster, linkage

from leadflow.dedupe.engine.cluster import cluster_pairs, connected_components, star_clusters

WEIGHT_CAP = 30.0  # bits: one pair cannot outweigh a whole group by a missing-value artefact
Scorer = Callable[[np.ndarray, np.ndarray], np.ndarray]


def match_weight(p: np.ndarray, threshold: float) -> np.ndarray:
    """Bits above (+) or below (-) the threshold's log odds, capped at +-WEIGHT_CAP."""
    p = np.clip(np.asarray(p, np.float64), 1e-12, 1 - 1e-12)
    bits = np.log2(p / (1 - p)) - np.log2(threshold / (1 - threshold))
    return np.clip(bits, -WEIGHT_CAP, WEIGHT_CAP)


def _flat_average_clusters(distance: np.ndarray, cut: float) -> np.ndarray:
    """Flat clusters (labels from 1) of SciPy's average linkage cut at ``cut``.

    SciPy's compiled nearest-neighbour chain directly: its public ``linkage`` spends twenty
    times as long validating a 15-record matrix as clustering it, and a big file has thousands.
    The public functions are the fallback should SciPy move its internals."""
    n = len(distance)
    condensed = np.ascontiguousarray(distance[np.triu_indices(n, 1)], dtype=np.double)
    try:
        from scipy.cluster import _hierarchy  # type: ignore[attr-defined]

        tree = _hierarchy.nn_chain(condensed, n, _AVERAGE)
        flat = np.empty(n, dtype=np.int32)
        _hierarchy.cluster_dist(tree, flat, float(cut), n)
        return flat
    except (ImportError, AttributeError, TypeError):  # pragma: no cover - another SciPy
        return fcluster(linkage(condensed, method="average"), t=cut, criterion="distance")


_AVERAGE = 2  # scipy.cluster.hierarchy._LINKAGE_METHODS["average"]


def average_linkage(weights: np.ndarray) -> np.ndarray:
    """Group per row of a dense symmetric weight matrix (diagonal ignored): groups join while
    the best average weight between two of them is above zero. The group is named by its
    first row.

    Average linkage on distances WEIGHT_CAP - weight, cut just below WEIGHT_CAP: average
    linkage has no inversions, so the cut keeps exactly the joins made while the best average
    weight was positive."""
    if len(weights) < 2:
        return np.zeros(len(weights), np.int64)
    distance = WEIGHT_CAP - np.clip(weights, -WEIGHT_CAP, WEIGHT_CAP)
    flat = _flat_average_clusters(distance, WEIGHT_CAP - 1e-9)
    first = np.full(int(flat.max()) + 1, len(flat))
    np.minimum.at(first, flat, np.arange(len(flat)))
    return first[flat]


def _dense(members: np.ndarray, x: np.ndarray, y: np.ndarray, w: np.ndarray) -> np.ndarray:
    """The weight matrix of one component's members (sorted) from its scored pairs."""
    matrix = np.zeros((len(members), len(members)))
    px, py = np.searchsorted(members, x), np.searchsorted(members, y)
    matrix[px, py] = w
    matrix[py, px] = w
    return matrix


def split_clusters(
    n: int,
    a: np.ndarray,
    b: np.ndarray,
    p: np.ndarray,
    zero: float,
    link: float,
    score: Scorer,
    max_dense: int = 200,
    source: np.ndarray | None = None,
    star_at: float = 0.9,
) -> np.ndarray:
    """Cluster label per record (the smallest record id in its cluster); see the module doc.

    ``zero``: the probability whose pairs weigh nothing (above it for a match, below against);
    ``star_at``: the star threshold for components over ``max_dense`` records."""
    keep = p >= link
    a, b, p = a[keep].astype(np.int64), b[keep].astype(np.int64), p[keep]
    labels = connected_components(n, a, b)
    sizes = np.bincount(labels, minlength=n)
    dense = (sizes[labels] >= 3) & (sizes[labels] <= max_dense)
    x, y = cluster_pairs(np.where(dense, labels, -1 - np.arange(n)))
    w = match_weight(score(x, y), zero) if len(x) else np.empty(0)
    if source is not None and len(x):  # a link compares across the sides only
        w = np.where(source[x] != source[y], w, 0.0)
    conflicted = np.zeros(n, bool)
    conflicted[labels[x[w < 0]]] = True
    out = labels.copy()
    roots = np.flatnonzero(conflicted)
    if len(roots):
        pair_root = labels[x]
        by_pair = np.argsort(pair_root, kind="stable")
        pair_bounds = np.searchsorted(pair_root[by_pair], np.r_[roots, roots + 1])
        by_record = np.argsort(labels, kind="stable")
        record_bounds = np.searchsorted(labels[by_record], np.r_[roots, roots + 1])
        k = len(roots)
        for r in range(k):
            inside = by_pair[pair_bounds[r] : pair_bounds[k + r]]
            members = np.sort(by_record[record_bounds[r] : record_bounds[k + r]])
            groups = average_linkage(_dense(members, x[inside], y[inside], w[inside]))
            out[members] = members[groups]
    big = sizes[labels] > max_dense
    if big.any():
        star = star_clusters(n, a, b, p, star_at)
        out[big] = star[big]
    first = np.full(n, n, np.int64)
    np.minimum.at(first, out, np.arange(n))
    return first[out]

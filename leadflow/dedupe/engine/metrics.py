"""Pairwise precision, recall and F1 of a clustering against the true one."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class PairScores:
    precision: float
    recall: float
    f1: float
    true_positive: int
    predicted: int
    actual: int


def _dense(labels: np.ndarray) -> np.ndarray:
    return np.unique(np.asarray(labels), return_inverse=True)[1].astype(np.int64)


def _pair_count(groups: np.ndarray, source: np.ndarray | None) -> int:
    if source is None:
        sizes = np.bincount(groups).astype(np.float64)
        return int((sizes * (sizes - 1) / 2).sum())
    left = np.bincount(groups[source == 0], minlength=int(groups.max()) + 1).astype(np.float64)
    right = np.bincount(groups[source == 1], minlength=int(groups.max()) + 1).astype(np.float64)
    return int((left * right).sum())


def pairwise_scores(
    predicted: np.ndarray, truth: np.ndarray, source: np.ndarray | None = None
) -> PairScores:
    """Pairs in one predicted cluster vs pairs in one true cluster (across sides when linking)."""
    p, t = _dense(predicted), _dense(truth)
    joint = _dense(p * (int(t.max()) + 1) + t) if len(p) else p
    tp, pred, actual = _pair_count(joint, source), _pair_count(p, source), _pair_count(t, source)
    precision = tp / pred if pred else 1.0
    recall = tp / actual if actual else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return PairScores(precision, recall, f1, tp, pred, actual)

"""How good a score is on held-out rows: AUC, PR-AUC, Brier, a calibration table (pure)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Quality:
    auc: float
    pr_auc: float
    brier: float | None  # only for probabilities


@dataclass(frozen=True)
class CalibrationBin:
    low: float
    high: float
    rows: int
    predicted: float
    observed: float


def auc(scores: np.ndarray, labels: np.ndarray) -> float:
    from sklearn.metrics import roc_auc_score

    if labels.min() == labels.max():
        return float("nan")
    return float(roc_auc_score(labels, scores))


def quality(scores: np.ndarray, labels: np.ndarray, probabilities: bool) -> Quality:
    from sklearn.metrics import average_precision_score, brier_score_loss

    pr = (
        float(average_precision_score(labels, scores))
        if labels.max() > labels.min()
        else float("nan")
    )
    brier = float(brier_score_loss(labels, scores)) if probabilities else None
    return Quality(auc(scores, labels), pr, brier)


def calibration_table(
    probabilities: np.ndarray, labels: np.ndarray, bins: int = 5
) -> list[CalibrationBin]:
    """Rows in equal-count bins of predicted probability: predicted vs observed rate."""
    order = np.argsort(probabilities, kind="mergesort")
    table = []
    for part in np.array_split(order, bins):
        if len(part) == 0:
            continue
        p, y = probabilities[part], labels[part]
        table.append(
            CalibrationBin(
                float(p.min()), float(p.max()), len(part), float(p.mean()), float(y.mean())
            )
        )
    return table


def auc_gain_lower_bound(
    model: np.ndarray, rules: np.ndarray, labels: np.ndarray, resamples: int = 200, seed: int = 7
) -> float:
    """5th percentile of AUC(model) - AUC(rules) over bootstrap resamples of the held-out rows.

    Above 0: the model beats the rules by more than luck of the split would explain.
    """
    rng = np.random.default_rng(seed)
    gains = []
    for _ in range(resamples):
        pick = rng.integers(0, len(labels), len(labels))
        y = labels[pick]
        if y.min() == y.max():
            continue
        rules_auc = auc(rules[pick], y)
        gains.append(auc(model[pick], y) - (0.5 if np.isnan(rules_auc) else rules_auc))
    return float(np.percentile(gains, 5)) if gains else float("nan")

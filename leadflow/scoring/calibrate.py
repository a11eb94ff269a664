"""Calibrate fit points on closed outcomes: how well does the score rank, and what would rank better.

Method: each fit rule is a yes/no feature; an L2-regularised logistic regression on the
training share of the outcomes estimates how much each rule moves the odds of the outcome;
coefficients are scaled to points (the largest becomes ``max_points``). Quality is AUC on
held-out rows (never seen by the fit), before (current points) and after (proposed points).

Limits: it learns only the weights of rules that exist (not new rules or thresholds); a
rule that rarely fires gets a noisy weight (shrunk toward 0 by the regularisation); the
outcomes must come from leads the current process let through, so they carry its bias.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from leadflow.core.errors import TrainingError
from leadflow.scoring.policy import ScoringPolicy
from leadflow.scoring.score import fit_hits
from leadflow.core.types import LeadView


@dataclass(frozen=True)
class Calibration:
    rows: int
    positives: int
    held_out: int
    auc_before: float
    auc_after: float
    precision_at_mql: float
    recall_at_mql: float
    proposed_points: dict[str, int]


def auc(scores: Sequence[float], labels: Sequence[bool]) -> float:
    """Probability that a random positive outranks a random negative (ties count half)."""
    s, y = np.asarray(scores, dtype=float), np.asarray(labels, dtype=bool)
    pos, neg = s[y], s[~y]
    if len(pos) == 0 or len(neg) == 0:
        return float("nan")
    order = np.argsort(np.concatenate([pos, neg]), kind="mergesort")
    ranks = np.empty(len(order))
    values = np.concatenate([pos, neg])[order]
    ranks[order] = _tied_ranks(values)
    return float((ranks[: len(pos)].sum() - len(pos) * (len(pos) + 1) / 2) / (len(pos) * len(neg)))


def _tied_ranks(sorted_values: np.ndarray) -> np.ndarray:
    ranks = np.arange(1, len(sorted_values) + 1, dtype=float)
    start = 0
    for i in range(1, len(sorted_values) + 1):
        if i == len(sorted_values) or sorted_values[i] != sorted_values[start]:
            ranks[start:i] = (start + 1 + i) / 2
            start = i
    return ranks


def held_out(email: str, share: float = 0.3) -> bool:
    """A stable split: the same lead is always on the same side."""
    return int(hashlib.sha256(email.encode()).hexdigest()[:8], 16) / 0xFFFFFFFF < share


def _logistic(x: np.ndarray, y: np.ndarray, l2: float = 1.0, steps: int = 500) -> np.ndarray:
    """Newton's method on the penalised log-likelihood; small feature counts make it exact and fast."""
    design = np.hstack([np.ones((len(x), 1)), x])
    weights = np.zeros(design.shape[1])
    penalty = np.eye(design.shape[1]) * l2
    penalty[0, 0] = 0  # the intercept is not shrunk
    for _ in range(steps):
        p = 1 / (1 + np.exp(-design @ weights))
        gradient = design.T @ (p - y) + penalty @ weights
        hessian = design.T @ (design * (p * (1 - p))[:, None]) + penalty
        step = np.linalg.solve(hessian, gradient)
        weights -= step
        if np.abs(step).max() < 1e-8:
            break
    return weights[1:]


def _fit_points(lead: LeadView, points: dict[str, int], policy: ScoringPolicy) -> int:
    return max(0, min(100, sum(points.get(h.rule_id, 0) for h in fit_hits(lead, policy.fit_rules))))


def calibrate(
    leads: Sequence[LeadView], labels: Sequence[bool], policy: ScoringPolicy, max_points: int = 30
) -> Calibration:
    test = np.array([held_out(lead.email) for lead in leads], dtype=bool)
    y = np.asarray(labels, dtype=float)
    for part, name in ((~test, "training"), (test, "held-out")):
        if len(set(y[part])) < 2:
            raise TrainingError(
                f"{len(leads)} outcomes matched stored leads; the {name} share "
                f"({int(part.sum())} rows) needs both converted and not converted"
            )
    rule_ids = [rule.id for rule in policy.fit_rules]
    features = np.array(
        [
            [
                float(any(h.rule_id == rid for h in fit_hits(lead, policy.fit_rules)))
                for rid in rule_ids
            ]
            for lead in leads
        ]
    )
    coefs = _logistic(features[~test], y[~test])
    scale = max_points / max(np.abs(coefs).max(), 1e-9)
    proposed = {rid: int(round(c * scale)) for rid, c in zip(rule_ids, coefs, strict=True)}
    current = {rule.id: rule.points for rule in policy.fit_rules}
    before = [_fit_points(lead, current, policy) for lead in leads]
    after = [_fit_points(lead, proposed, policy) for lead in leads]
    tested = np.flatnonzero(test)
    # Precision and recall on the held-out rows only, like the AUCs.
    mql = np.array(before)[tested] >= policy.thresholds.hot
    true_mql = mql & (y[tested] > 0)
    return Calibration(
        rows=len(leads),
        positives=int(y.sum()),
        held_out=len(tested),
        auc_before=auc([before[i] for i in tested], [bool(y[i]) for i in tested]),
        auc_after=auc([after[i] for i in tested], [bool(y[i]) for i in tested]),
        precision_at_mql=float(true_mql.sum() / max(mql.sum(), 1)),
        recall_at_mql=float(true_mql.sum() / max(y[tested].sum(), 1)),
        proposed_points=proposed,
    )

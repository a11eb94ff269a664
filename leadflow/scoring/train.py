"""Train the predictive score and judge it against the rules on rows it never saw.

Split by time: the latest quarter of leads (by created date) is held out, as next quarter's
leads would be. On the earlier rows, cross-validation picks between a regularised logistic
regression (standardised + binned features) and gradient-boosted trees; the winner's
out-of-fold scores fit a Platt calibration, so the score is a probability. On the held-out
rows the model, the ICP rules and a plain logistic regression are measured side by side.
The model may replace the rules only when it beats them by more than luck (bootstrap).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np

from leadflow.core.errors import TrainingError
from leadflow.scoring.dataset import Dataset
from leadflow.scoring.encode import Encoder
from leadflow.scoring.metrics import (
    CalibrationBin,
    Quality,
    auc,
    auc_gain_lower_bound,
    calibration_table,
    quality,
)
from leadflow.scoring.model import ModelKind, TrainedModel

HELD_OUT_SHARE = 0.25
TREES_MARGIN = 0.01
FOLDS = 3
MIN_ROWS, MIN_EACH_CLASS = 100, 20
# Candidates, picked by cross-validation: (name, plain encoding?, lead columns only?, C or None
# for boosted trees). The plain ones keep the textbook model in the running, so the chosen
# model is not worse than it by design; strong L2 suits noisy, low-signal CRM data.
CANDIDATES = (
    ("logistic, binned+standardised, C=0.01", False, False, 0.01),
    ("logistic, binned+standardised, C=0.1", False, False, 0.1),
    ("logistic, standardised, C=0.01", True, False, 0.01),
    ("logistic, lead columns, standardised, C=0.1", True, True, 0.1),
    ("boosted trees", False, False, None),
)


@dataclass
class Candidate:
    name: str
    cv_auc: float


@dataclass
class TrainReport:
    rows: int
    positives: int
    train_rows: int
    held_out_rows: int
    split: str
    candidates: list[Candidate]
    chosen: str
    model: Quality
    rules: Quality
    baseline: Quality
    calibration: list[CalibrationBin]
    gain_lower_bound: float
    beats_rules: bool
    trained: TrainedModel
    features: list[str] = field(default_factory=list)


def time_split(
    created: list[datetime | None], share: float = HELD_OUT_SHARE
) -> tuple[np.ndarray, str]:
    """True for held-out rows: the latest by created date; without dates, a stable hash."""
    n = len(created)
    if sum(c is not None for c in created) >= 0.9 * n:
        floor = min(c for c in created if c is not None)
        order = np.argsort([(c or floor).timestamp() for c in created], kind="mergesort")
        test = np.zeros(n, dtype=bool)
        test[order[int(n * (1 - share)) :]] = True
        return test, "by created date (latest rows held out)"
    digest = [
        int(hashlib.sha256(str(i).encode()).hexdigest()[:8], 16) / 0xFFFFFFFF for i in range(n)
    ]
    return np.array(digest) < share, "by a stable hash of the row (no created date to split on)"


def _spec(name: str) -> tuple[str, bool, bool, float | None]:
    return next(c for c in CANDIDATES if c[0] == name)


def _kinds_for(name: str, kinds):  # type: ignore[no-untyped-def]
    return {k: v for k, v in kinds.items() if ":" not in k} if _spec(name)[2] else kinds


def _encoder(name: str, rows: list[dict], kinds) -> Encoder:  # type: ignore[no-untyped-def, type-arg]
    return Encoder.fit(rows, _kinds_for(name, kinds), plain=_spec(name)[1])


def _estimator(name: str, encoder: Encoder):  # type: ignore[no-untyped-def]
    if name.startswith("logistic"):
        from sklearn.linear_model import LogisticRegression

        return LogisticRegression(C=_spec(name)[3], max_iter=3000)
    from sklearn.ensemble import HistGradientBoostingClassifier

    return HistGradientBoostingClassifier(
        max_iter=150,
        learning_rate=0.06,
        max_leaf_nodes=8,
        min_samples_leaf=40,
        l2_regularization=1.0,
        categorical_features=np.array(encoder.categorical_mask(), dtype=bool)
        if encoder.fields
        else None,
        random_state=0,
    )


def _design(name: str, encoder: Encoder, rows: list[dict]) -> np.ndarray:  # type: ignore[type-arg]
    return encoder.linear(rows) if name.startswith("logistic") else encoder.tree(rows)


def _logit(estimator, design: np.ndarray) -> np.ndarray:  # type: ignore[no-untyped-def]
    p = np.clip(estimator.predict_proba(design)[:, 1], 1e-6, 1 - 1e-6)
    return np.log(p / (1 - p))


def _out_of_fold(name: str, rows: list[dict[str, Any]], y: np.ndarray, kinds: Any) -> np.ndarray:
    from sklearn.model_selection import StratifiedKFold

    logits = np.zeros(len(rows))
    for fit_idx, val_idx in StratifiedKFold(FOLDS, shuffle=True, random_state=0).split(
        np.zeros(len(y)), y
    ):
        fit_rows = [rows[i] for i in fit_idx]
        encoder = _encoder(name, fit_rows, kinds)
        estimator = _estimator(name, encoder).fit(_design(name, encoder, fit_rows), y[fit_idx])
        logits[val_idx] = _logit(estimator, _design(name, encoder, [rows[i] for i in val_idx]))
    return logits


def _platt(logits: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    from sklearn.linear_model import LogisticRegression

    fitted = LogisticRegression(C=1e6, max_iter=1000).fit(logits.reshape(-1, 1), y)
    return float(fitted.coef_[0][0]), float(fitted.intercept_[0])


def _baseline(
    train_rows: list[dict[str, Any]], y: np.ndarray, test_rows: list[dict[str, Any]], kinds: Any
) -> np.ndarray:
    """Textbook logistic regression on the lead table's own columns, one-hot and standardised."""
    from sklearn.linear_model import LogisticRegression

    own = {name: kind for name, kind in kinds.items() if ":" not in name}
    encoder = Encoder.fit(train_rows, own, plain=True)
    fitted = LogisticRegression(C=1.0, max_iter=3000).fit(encoder.linear(train_rows), y)
    return fitted.predict_proba(encoder.linear(test_rows))[:, 1]


def pick(candidates: list[Candidate]) -> str:
    """The best by cross-validation, but trees must beat the best logistic regression by
    TREES_MARGIN: the linear model's contributions are exact and it scores far faster."""
    linear = max((c for c in candidates if c.name.startswith("logistic")), key=lambda c: c.cv_auc)
    trees = next(c for c in candidates if not c.name.startswith("logistic"))
    return trees.name if trees.cv_auc > linear.cv_auc + TREES_MARGIN else linear.name


def check_enough(data: Dataset) -> None:
    positives = sum(data.labels)
    negatives = len(data.labels) - positives
    if len(data.labels) < MIN_ROWS or min(positives, negatives) < MIN_EACH_CLASS:
        raise TrainingError(
            f"{len(data.labels)} outcomes ({positives} converted, {negatives} not): "
            f"need at least {MIN_ROWS} rows and {MIN_EACH_CLASS} of each"
        )
    if not data.kinds:
        raise TrainingError("no usable feature columns left after the leakage guard and typing")


def train(data: Dataset, rules: list[int]) -> TrainReport:
    from threadpoolctl import threadpool_limits

    check_enough(data)
    # One thread: on a shared or small machine, thread contention costs more than it gives.
    with threadpool_limits(1):
        return _train(data, rules)


def _train(data: Dataset, rules: list[int]) -> TrainReport:
    y = np.array(data.labels, dtype=int)
    test, split = time_split(data.created)
    train_idx, test_idx = np.flatnonzero(~test), np.flatnonzero(test)
    if y[test_idx].min() == y[test_idx].max() or y[train_idx].min() == y[train_idx].max():
        raise TrainingError("the held-out or training rows hold only one outcome; need both")
    train_rows = [data.rows[i] for i in train_idx]
    test_rows = [data.rows[i] for i in test_idx]
    names = [c[0] for c in CANDIDATES]
    oof = {name: _out_of_fold(name, train_rows, y[train_idx], data.kinds) for name in names}
    candidates = [Candidate(name, auc(oof[name], y[train_idx])) for name in names]
    chosen = pick(candidates)
    encoder = _encoder(chosen, train_rows, data.kinds)
    estimator = _estimator(chosen, encoder).fit(_design(chosen, encoder, train_rows), y[train_idx])
    kind = ModelKind.LOGISTIC if chosen.startswith("logistic") else ModelKind.BOOSTED
    trained = TrainedModel(
        kind, encoder, estimator, _platt(oof[chosen], y[train_idx]), trained_on=data.source
    )
    if kind is ModelKind.LOGISTIC:
        trained.mean_design = encoder.linear(train_rows).mean(axis=0)
    probabilities = trained.probabilities(test_rows)
    rules_held = np.array([rules[i] for i in test_idx], dtype=float)
    baseline = _baseline(train_rows, y[train_idx], test_rows, data.kinds)
    gain = auc_gain_lower_bound(probabilities, rules_held, y[test_idx])
    return TrainReport(
        rows=len(y),
        positives=int(y.sum()),
        train_rows=len(train_idx),
        held_out_rows=len(test_idx),
        split=split,
        candidates=candidates,
        chosen=chosen,
        model=quality(probabilities, y[test_idx], True),
        rules=quality(rules_held, y[test_idx], False),
        baseline=quality(baseline, y[test_idx], True),
        calibration=calibration_table(probabilities, y[test_idx]),
        gain_lower_bound=gain,
        beats_rules=bool(gain > 0),
        trained=trained,
        features=list(data.kinds),
    )

"""A trained predictive score: predict calibrated probabilities and say which fields moved them.

Contributions are in log-odds. For the logistic model they are exact: each field's
coefficients times its standardised values, relative to the average training lead. For
the boosted trees they are occlusion values: how far the log-odds move when that one field
is set to unknown (a SHAP-style reading, cheaper and not additive).

The model file is a pickle written by `leadflow score train`; load only files you trained.
"""

from __future__ import annotations

import hashlib
import pickle
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

import numpy as np

from leadflow.core.errors import ModelFileError
from leadflow.scoring.encode import Encoder

FORMAT = 1


class ModelKind(StrEnum):
    LOGISTIC = "logistic"
    BOOSTED = "boosted"


@dataclass
class TrainedModel:
    kind: ModelKind
    encoder: Encoder
    estimator: Any
    platt: tuple[float, float]  # probability = sigmoid(a * raw_logit + b)
    version: str = ""
    trained_on: str = ""
    metrics: dict[str, Any] = field(default_factory=dict)
    mean_design: np.ndarray | None = None  # linear: the average training row

    def _design(self, rows: Sequence[dict[str, Any]]) -> np.ndarray:
        if self.kind is ModelKind.LOGISTIC:
            return self.encoder.linear(rows)
        return self.encoder.tree(rows)

    def raw_logit(self, rows: Sequence[dict[str, Any]]) -> np.ndarray:
        design = self._design(rows)
        if self.kind is ModelKind.LOGISTIC:
            return self.estimator.decision_function(design)
        p = np.clip(self.estimator.predict_proba(design)[:, 1], 1e-6, 1 - 1e-6)
        return np.log(p / (1 - p))

    def probabilities(self, rows: Sequence[dict[str, Any]]) -> np.ndarray:
        a, b = self.platt
        return 1 / (1 + np.exp(-(a * self.raw_logit(rows) + b)))

    def field_contributions(self, rows: Sequence[dict[str, Any]]) -> np.ndarray:
        """Log-odds moved by each field (columns in encoder order), for a batch of rows."""
        names = [code.name for code in self.encoder.fields]
        if self.kind is ModelKind.LOGISTIC:
            terms = self.estimator.coef_[0] * (self.encoder.linear(rows) - self.mean_design)
            groups = np.zeros((terms.shape[1], len(names)))
            for column, source in enumerate(self.encoder.linear_sources()):
                groups[column, names.index(source)] = 1.0
            return (terms @ groups) * self.platt[0]
        base = self.raw_logit(rows)
        moved = [self.raw_logit([{**row, name: None} for row in rows]) for name in names]
        return np.column_stack([(base - m) * self.platt[0] for m in moved])

    def top_contributions(
        self, rows: Sequence[dict[str, Any]], top: int = 8
    ) -> list[list[tuple[str, float]]]:
        names = [code.name for code in self.encoder.fields]
        values = self.field_contributions(rows)
        out = []
        for row_values in values:
            order = np.argsort(-np.abs(row_values), kind="mergesort")[:top]
            out.append(
                [
                    (names[i], round(float(row_values[i]), 4))
                    for i in order
                    if abs(row_values[i]) > 1e-9
                ]
            )
        return out

    def contributions(self, row: dict[str, Any], top: int | None = None) -> list[tuple[str, float]]:
        """(field, log-odds moved by it), largest first."""
        if self.kind is ModelKind.LOGISTIC:
            design = self.encoder.linear([row])[0]
            terms = self.estimator.coef_[0] * (design - self.mean_design) * self.platt[0]
            totals: dict[str, float] = {}
            for source, term in zip(self.encoder.linear_sources(), terms, strict=True):
                totals[source] = totals.get(source, 0.0) + float(term)
        else:
            base = float(self.raw_logit([row])[0])
            blanks = [{**row, code.name: None} for code in self.encoder.fields]
            moved = self.raw_logit(blanks) if blanks else np.zeros(0)
            totals = {
                code.name: (base - float(m)) * self.platt[0]
                for code, m in zip(self.encoder.fields, moved, strict=True)
            }
        ranked = sorted(totals.items(), key=lambda kv: -abs(kv[1]))
        return [(name, round(value, 4)) for name, value in ranked[:top] if abs(value) > 1e-9]


def save_model(model: TrainedModel, folder: Path) -> Path:
    """models/model-<n>-<hash>.pkl; the version names the file and goes in every decision."""
    folder.mkdir(parents=True, exist_ok=True)
    payload = pickle.dumps((FORMAT, model))
    number = 1 + sum(1 for _ in folder.glob("model-*.pkl"))
    model.version = f"model-{number}-{hashlib.sha256(payload).hexdigest()[:10]}"
    path = folder / f"{model.version}.pkl"
    path.write_bytes(pickle.dumps((FORMAT, model)))
    (folder / "current").write_text(model.version + "\n", encoding="utf-8")
    return path


def current_model_path(folder: Path) -> Path | None:
    pointer = folder / "current"
    if not pointer.is_file():
        return None
    path = folder / f"{pointer.read_text(encoding='utf-8').strip()}.pkl"
    return path if path.is_file() else None


def load_model(path: Path) -> TrainedModel:
    if not path.is_file():
        raise ModelFileError(f"model file not found: {path}")
    try:
        fmt, model = pickle.loads(path.read_bytes())
    except Exception as exc:  # a truncated or foreign file: say which, whatever pickle raised
        raise ModelFileError(
            f"{path}: not a leadflow model file ({exc.__class__.__name__})"
        ) from exc
    if fmt != FORMAT or not isinstance(model, TrainedModel):
        raise ModelFileError(f"{path}: model format {fmt}, this leadflow reads {FORMAT}; retrain")
    return model

"""`score train` as a service: files in, a report out, a model file only when it earns its place."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from leadflow.scoring.dataset import Dataset, build_dataset, load_inputs
from leadflow.scoring.model import save_model
from leadflow.scoring.policy import ScoringPolicy
from leadflow.scoring.rules_on_rows import rules_scores
from leadflow.scoring.train import TrainReport, train


@dataclass
class TrainRun:
    data: Dataset
    report: TrainReport
    written: Path | None


def train_from_files(
    outcomes: Path,
    policy: ScoringPolicy,
    models_dir: Path,
    *,
    leads: Path | None = None,
    activities: list[Path] | None = None,
    label: str | None = None,
    as_of: datetime | None = None,
    snapshot_days: int | None = None,
    exclude: frozenset[str] = frozenset(),
    force: bool = False,
    joins: list[Path] | None = None,
) -> TrainRun:
    inputs = load_inputs(outcomes, leads, activities, snapshot_days, joins)
    data = build_dataset(inputs, label, as_of, exclude)
    # The rules see the same columns the model does (identifiers aside, which they never read).
    rules = rules_scores(data.rows, list(data.kinds), policy)
    report = train(data, rules)
    report.trained.metrics = {
        "held_out_auc": report.model.auc,
        "rules_auc": report.rules.auc,
        "baseline_auc": report.baseline.auc,
        "brier": report.model.brier,
        "rows": report.rows,
        "chosen": report.chosen,
        "rules_version": policy.config_version,
    }
    written = save_model(report.trained, models_dir) if report.beats_rules or force else None
    return TrainRun(data, report, written)

"""Qualification models from the seeds: BANT, the nine questions, the twenty-question value model."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field

from leadflow.core.policy_loader import PolicyModel, StrictModel, load_policy
from leadflow.core.settings import get_settings


class Question(StrictModel):
    id: str
    text: str
    dimension: str | None = None
    # A hard disqualifier (seed 000): this answer rules the prospect out.
    disqualify_if: bool | None = None


class Model(StrictModel):
    id: str
    name: str
    questions: list[Question] = Field(min_length=1)
    # Yes answers needed for the verdict "qualified" (seed 002: more than 10 of 20).
    qualified_at: int = Field(ge=1)
    points_if_qualified: int = Field(default=0, ge=0, le=50)


class QualificationPolicy(PolicyModel):
    models: list[Model]

    def model(self, model_id: str) -> Model | None:
        return next((m for m in self.models if m.id == model_id), None)

    def reference_errors(self) -> list[tuple[tuple[object, ...], str]]:
        errors: list[tuple[tuple[object, ...], str]] = []
        for i, model in enumerate(self.models):
            if model.qualified_at > len(model.questions):
                errors.append(
                    (
                        ("models", i, "qualified_at"),
                        f"{model.id}: qualified_at {model.qualified_at} > {len(model.questions)} questions",
                    )
                )
            ids = [q.id for q in model.questions]
            for j, qid in enumerate(ids):
                if ids.index(qid) != j:
                    errors.append(
                        (
                            ("models", i, "questions", j, "id"),
                            f"{model.id}: duplicate question {qid!r}",
                        )
                    )
        return errors


def load_qualification(directory: Path) -> QualificationPolicy:
    return load_policy(directory / "qualification.yaml", QualificationPolicy)


def qualification_policy() -> QualificationPolicy:
    """The policy in force, read from the configured folder."""
    return load_qualification(get_settings().scoring_dir)

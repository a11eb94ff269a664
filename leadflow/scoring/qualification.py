"""Qualification verdicts from answered question sets (BANT, nine questions, value-20)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from leadflow.scoring.qualification_policy import Model


@dataclass(frozen=True)
class Verdict:
    model: str
    verdict: str  # qualified | not_qualified | incomplete | disqualified
    yes: int
    answered: int
    total: int
    sub_score: int  # yes answers as a share of the questions, 0-100
    points: int  # what it adds to the lead's score
    reason: str
    by_dimension: dict[str, int] = field(default_factory=dict)


def evaluate(model: Model, answers: Mapping[str, bool]) -> Verdict:
    known = {q.id: answers[q.id] for q in model.questions if q.id in answers}
    yes = sum(known.values())
    total = len(model.questions)
    dims: dict[str, int] = {}
    for q in model.questions:
        if q.dimension:
            dims[q.dimension] = dims.get(q.dimension, 0) + int(known.get(q.id, False))
    sub = round(100 * yes / total)
    blocker = next(
        (
            q
            for q in model.questions
            if q.disqualify_if is not None and known.get(q.id) is q.disqualify_if
        ),
        None,
    )
    if blocker:
        return Verdict(
            model.id,
            "disqualified",
            yes,
            len(known),
            total,
            sub,
            0,
            f"hard disqualifier: {blocker.text}",
            dims,
        )
    if yes >= model.qualified_at:
        return Verdict(
            model.id,
            "qualified",
            yes,
            len(known),
            total,
            sub,
            model.points_if_qualified,
            f"{yes} of {total} yes (needs {model.qualified_at})",
            dims,
        )
    still_possible = yes + (total - len(known)) >= model.qualified_at
    verdict = "incomplete" if still_possible else "not_qualified"
    return Verdict(
        model.id,
        verdict,
        yes,
        len(known),
        total,
        sub,
        0,
        f"{yes} of {total} yes, {total - len(known)} unanswered (needs {model.qualified_at})",
        dims,
    )

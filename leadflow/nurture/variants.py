"""A/B variants of a step: which variant a lead gets, what it changes, and how sure a
difference is. Pure.

Assignment is a hash of (sequence, step, lead): the same lead always gets the same variant,
whatever the order or the run, and shares follow the weights. Once a winner is promoted,
everyone gets it.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Sequence as Seq
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Assignment:
    variant: str
    bucket: float  # where the lead's hash fell in [0, 1): the decision's evidence
    promoted: bool = False


def bucket(sequence: str, step: int, lead_id: int) -> float:
    digest = hashlib.sha256(f"{sequence}:{step}:{lead_id}".encode("ascii")).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def assign_variant(
    variants: Seq[Any], sequence: str, step: int, lead_id: int, promoted: str | None = None
) -> Assignment | None:
    """The lead's variant of a step (``step``: 0-based), or None for a step without variants."""
    if not variants:
        return None
    where = bucket(sequence, step, lead_id)
    if promoted is not None and any(v.key == promoted for v in variants):
        return Assignment(promoted, where, promoted=True)
    total, cumulative = sum(v.weight for v in variants), 0.0
    for variant in variants:
        cumulative += variant.weight / total
        if where < cumulative:
            return Assignment(variant.key, where)
    return Assignment(variants[-1].key, where)  # rounding at the top end


def variant_content(step: Any, key: str | None) -> tuple[str, str, dict[str, str]]:
    """(template, subject, subjects per locale) a send of ``step`` uses under variant ``key``."""
    variant = next((v for v in step.variants if v.key == key), None)
    if variant is None:
        return step.template, step.subject, dict(step.subjects)
    subjects = (
        dict(variant.subjects)
        if variant.subject is not None or variant.subjects
        else dict(step.subjects)
    )
    return variant.template or step.template, variant.subject or step.subject, subjects


def wilson(successes: int, trials: int, z: float = 1.96) -> tuple[float, float]:
    """The Wilson score interval of a rate (95% by default); (0, 1) with no trials."""
    if trials == 0:
        return 0.0, 1.0
    p = successes / trials
    centre = p + z * z / (2 * trials)
    spread = z * math.sqrt(p * (1 - p) / trials + z * z / (4 * trials * trials))
    denominator = 1 + z * z / trials
    return max(0.0, (centre - spread) / denominator), min(1.0, (centre + spread) / denominator)

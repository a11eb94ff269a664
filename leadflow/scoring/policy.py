"""Scoring policy: the ideal customer profile, hard disqualifiers, grades and thresholds.

Engagement signals live in ``scoring/engagement.yaml`` and qualification question sets in
``scoring/qualification.yaml`` (see leadflow.scoring.engagement_policy / .qualification).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import Field, model_validator

from leadflow.core.policy_loader import PolicyModel, StrictModel, load_policy
from leadflow.core.settings import get_settings

LEAD_FIELDS = (
    "email",
    "domain",
    "is_free_mail",
    "is_disposable",
    "is_role_address",
    "has_website",
    "company",
    "title",
    "country",
    "state",
    "city",
    "industry",
    "employees",
    "revenue_band",
    "product_line",
    "territory",
    "campaign",
    "channel",
)


class Test(StrictModel):
    """One test on one lead field: exactly one of the test keys is given."""

    field: Literal[LEAD_FIELDS]  # type: ignore[valid-type]
    equals: Any | None = None
    any_of: list[Any] | None = None
    contains_any: list[str] | None = None
    min: float | None = None
    max: float | None = None
    missing: bool | None = None
    note: str | None = None

    @model_validator(mode="after")
    def _one_test(self) -> Test:
        tests = [self.equals, self.any_of, self.contains_any, self.missing]
        given = sum(t is not None for t in tests) + (self.min is not None or self.max is not None)
        if given != 1:
            raise ValueError(
                "give exactly one test: equals, any_of, contains_any, min/max or missing"
            )
        return self


class FitRule(Test):
    """Adds ``points`` when the test holds."""

    id: str
    points: int = Field(ge=-100, le=100)
    # Rules sharing a group are alternatives: the first that fires (in file order) counts.
    group: str | None = None


class Disqualifier(Test):
    """A hard criterion (seed 000): when it holds the lead is out, whatever else it scores."""

    id: str


class Thresholds(StrictModel):
    hot: int = Field(ge=0, le=100)
    warm: int = Field(ge=0, le=100)
    # When a trained model is in force (models/current), its calibrated probability of
    # converting decides hot and warm instead; without these the rules' points still do.
    hot_probability: float | None = Field(default=None, gt=0, lt=1)
    warm_probability: float | None = Field(default=None, gt=0, lt=1)

    @model_validator(mode="after")
    def _ordered(self) -> Thresholds:
        if self.warm >= self.hot:
            raise ValueError("warm must be below hot")
        if (self.hot_probability is None) != (self.warm_probability is None):
            raise ValueError("give both hot_probability and warm_probability, or neither")
        if self.hot_probability is not None and self.warm_probability >= self.hot_probability:  # type: ignore[operator]
            raise ValueError("warm_probability must be below hot_probability")
        return self

    @property
    def by_probability(self) -> bool:
        return self.hot_probability is not None


class Grades(StrictModel):
    """Minimum fit for each grade (who they are, Pardot's first axis); below C is D."""

    A: int = Field(ge=0, le=100)
    B: int = Field(ge=0, le=100)
    C: int = Field(ge=0, le=100)

    @model_validator(mode="after")
    def _ordered(self) -> Grades:
        if not self.A > self.B > self.C:
            raise ValueError("grade floors must fall: A > B > C")
        return self


class PurchaseClasses(StrictModel):
    """Seed 003: A signs within ``A_within_months``, B within ``B_within_months``, else C."""

    A_within_months: int = Field(default=3, ge=0)
    B_within_months: int = Field(default=12, ge=0)


class ScoringPolicy(PolicyModel):
    thresholds: Thresholds
    grades: Grades = Grades(A=60, B=40, C=20)
    purchase_classes: PurchaseClasses = PurchaseClasses()
    disqualifiers: list[Disqualifier] = []
    fit_rules: list[FitRule]

    def reference_errors(self) -> list[tuple[tuple[object, ...], str]]:
        seen: set[str] = set()
        errors: list[tuple[tuple[object, ...], str]] = []
        for kind, rules in (("disqualifiers", self.disqualifiers), ("fit_rules", self.fit_rules)):
            for i, rule in enumerate(rules):
                if rule.id in seen:
                    errors.append(((kind, i, "id"), f"duplicate rule id {rule.id!r}"))
                seen.add(rule.id)
        errors += _overlapping_bands(self.fit_rules)
        return errors


def _overlapping_bands(rules: list[FitRule]) -> list[tuple[tuple[object, ...], str]]:
    """Numeric bands in one group must not overlap: one value would earn two bands' points."""
    errors: list[tuple[tuple[object, ...], str]] = []
    bands: dict[tuple[str, str], list[tuple[float, float, int, str]]] = {}
    for i, rule in enumerate(rules):
        if rule.group and (rule.min is not None or rule.max is not None):
            low = rule.min if rule.min is not None else float("-inf")
            high = rule.max if rule.max is not None else float("inf")
            for other_low, other_high, _, other_id in bands.get((rule.group, rule.field), []):
                if low <= other_high and other_low <= high:
                    errors.append(
                        (("fit_rules", i, "min"), f"band of {rule.id!r} overlaps {other_id!r}")
                    )
            bands.setdefault((rule.group, rule.field), []).append((low, high, i, rule.id))
    return errors


def load_scoring(directory: Path) -> ScoringPolicy:
    return load_policy(directory / "icp.yaml", ScoringPolicy)


def scoring_policy() -> ScoringPolicy:
    """The policy in force, read from the configured folder."""
    return load_scoring(get_settings().scoring_dir)

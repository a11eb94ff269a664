"""The ideal customer profile, engagement points and temperature thresholds."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import Field, model_validator

from leadflow.config.loader import PolicyModel, StrictModel, load_policy

LEAD_FIELDS = (
    "email", "domain", "is_free_mail", "is_disposable", "is_role_address", "company", "title",
    "country", "state", "city", "industry", "employees", "revenue_band", "product_line",
    "territory",
)


class FitRule(StrictModel):
    """Adds ``points`` when ``field`` satisfies the test (first matching test wins)."""

    id: str
    field: Literal[LEAD_FIELDS]  # type: ignore[valid-type]
    points: int = Field(ge=-100, le=100)
    equals: Any | None = None
    any_of: list[Any] | None = None
    contains_any: list[str] | None = None
    min: float | None = None
    max: float | None = None
    missing: bool | None = None
    # Rules sharing a group are alternatives: the first that fires (in file order) counts.
    group: str | None = None
    note: str | None = None

    @model_validator(mode="after")
    def _one_test(self) -> FitRule:
        tests = [self.equals, self.any_of, self.contains_any, self.missing]
        given = sum(t is not None for t in tests) + (self.min is not None or self.max is not None)
        if given != 1:
            raise ValueError("give exactly one test: equals, any_of, contains_any, min/max or missing")
        return self


class Thresholds(StrictModel):
    hot: int = Field(ge=0, le=100)
    warm: int = Field(ge=0, le=100)

    @model_validator(mode="after")
    def _ordered(self) -> Thresholds:
        if self.warm >= self.hot:
            raise ValueError("warm must be below hot")
        return self


class EngagementPoints(StrictModel):
    open: int = 1
    click: int = 10
    visit: int = 3
    pricing_visit: int = 20
    pricing_url_marker: str = "/pricing"
    max_total: int = Field(default=40, ge=0, le=100)


class ScoringPolicy(PolicyModel):
    fit_rules: list[FitRule]
    thresholds: Thresholds
    engagement: EngagementPoints = EngagementPoints()

    def reference_errors(self) -> list[tuple[tuple[object, ...], str]]:
        seen: set[str] = set()
        errors: list[tuple[tuple[object, ...], str]] = []
        for i, rule in enumerate(self.fit_rules):
            if rule.id in seen:
                errors.append((("fit_rules", i, "id"), f"duplicate rule id {rule.id!r}"))
            seen.add(rule.id)
        return errors


def load_scoring(directory: Path) -> ScoringPolicy:
    return load_policy(directory / "icp.yaml", ScoringPolicy)

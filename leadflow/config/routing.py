"""Territories, segments, teams, reps and ordered assignment rules."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, model_validator

from leadflow.config.loader import PolicyModel, StrictModel, load_policy


class Territory(StrictModel):
    countries: list[str] = []
    # country ISO-2 -> subdivision codes (without the country prefix)
    states: dict[str, list[str]] = {}


class Segment(StrictModel):
    min_employees: int | None = None
    max_employees: int | None = None


class RepConfig(StrictModel):
    key: str
    name: str
    email: str
    weight: float = Field(default=1.0, gt=0)
    active: bool = True


class Team(StrictModel):
    key: str
    name: str
    reps: list[RepConfig] = Field(min_length=1)


class Conditions(StrictModel):
    territory: list[str] | None = None
    segment: list[str] | None = None
    product_line: list[str] | None = None
    temperature: list[str] | None = None


class Action(StrictModel):
    team: str | None = None
    rep: str | None = None
    queue: str | None = None

    @model_validator(mode="after")
    def _one_target(self) -> Action:
        if sum(x is not None for x in (self.team, self.rep, self.queue)) != 1:
            raise ValueError("give exactly one of team, rep or queue")
        return self


class Rule(StrictModel):
    id: str
    when: Conditions = Conditions()
    assign: Action


class RoutingPolicy(PolicyModel):
    territories: dict[str, Territory]
    segments: dict[str, Segment]
    teams: list[Team]
    rules: list[Rule]
    fallback: Action
    account_owner_first: bool = True

    @model_validator(mode="after")
    def _references_exist(self) -> RoutingPolicy:
        teams = {t.key for t in self.teams}
        reps = {r.key for t in self.teams for r in t.reps}
        for rule in [*self.rules, Rule(id="fallback", assign=self.fallback)]:
            if rule.assign.team and rule.assign.team not in teams:
                raise ValueError(f"rule {rule.id}: unknown team {rule.assign.team!r}")
            if rule.assign.rep and rule.assign.rep not in reps:
                raise ValueError(f"rule {rule.id}: unknown rep {rule.assign.rep!r}")
            for name in rule.when.territory or []:
                if name not in self.territories:
                    raise ValueError(f"rule {rule.id}: unknown territory {name!r}")
            for name in rule.when.segment or []:
                if name not in self.segments:
                    raise ValueError(f"rule {rule.id}: unknown segment {name!r}")
        return self

    def team(self, key: str) -> Team:
        return next(t for t in self.teams if t.key == key)

    def rep(self, key: str) -> RepConfig:
        return next(r for t in self.teams for r in t.reps if r.key == key)


def load_routing(directory: Path) -> RoutingPolicy:
    return load_policy(directory / "routing.yaml", RoutingPolicy)

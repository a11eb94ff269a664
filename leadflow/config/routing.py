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

    def reference_errors(self) -> list[tuple[tuple[object, ...], str]]:
        """Names that point nowhere, each with where it is written."""
        teams = {t.key for t in self.teams}
        reps = [r.key for t in self.teams for r in t.reps]
        errors: list[tuple[tuple[object, ...], str]] = []
        for ti, team in enumerate(self.teams):
            for ri, rep in enumerate(team.reps):
                if reps.count(rep.key) > 1:
                    errors.append((("teams", ti, "reps", ri, "key"), f"rep {rep.key!r} is in more than one team"))
        targets = [(("rules", i), rule.id, rule.assign, rule.when) for i, rule in enumerate(self.rules)]
        targets.append((("fallback",), "fallback", self.fallback, Conditions()))
        for loc, rule_id, action, when in targets:
            where = (*loc, "assign") if loc[0] == "rules" else loc
            if action.team and action.team not in teams:
                errors.append(((*where, "team"), f"rule {rule_id}: unknown team {action.team!r}"))
            if action.rep and action.rep not in reps:
                errors.append(((*where, "rep"), f"rule {rule_id}: unknown rep {action.rep!r}"))
            for kind, known in (("territory", self.territories), ("segment", self.segments)):
                for name in getattr(when, kind) or []:
                    if name not in known:
                        errors.append(((*loc, "when", kind), f"rule {rule_id}: unknown {kind} {name!r}"))
        return errors

    def active_rep(self, key: str | None) -> bool:
        return any(r.key == key and r.active for t in self.teams for r in t.reps)

    def team(self, key: str) -> Team:
        return next(t for t in self.teams if t.key == key)

    def rep(self, key: str) -> RepConfig:
        return next(r for t in self.teams for r in t.reps if r.key == key)


def load_routing(directory: Path) -> RoutingPolicy:
    return load_policy(directory / "routing.yaml", RoutingPolicy)

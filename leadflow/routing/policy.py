"""Routing rules as data: territories, segments, product lines, teams, reps and ordered rules."""

from __future__ import annotations

from datetime import date, time
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, field_validator, model_validator

from leadflow.core.policy_loader import PolicyModel, StrictModel, load_policy
from leadflow.core.settings import get_settings
from leadflow.routing.queue_policy import UNASSIGNED, PersonConfig, PoolConfig, QueueConfig, Target
from leadflow.routing.people_check import people_errors

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
TEMPERATURES = ("hot", "warm", "cold", "disqualified")
# What a condition may test: the lead as routing sees it (tasks.scoring.lead_view), the
# places derived from it (territory, region, segment), its scoring outputs and its campaign.
LEAD_FIELDS = (
    "email",
    "domain",
    "is_free_mail",
    "is_disposable",
    "is_role_address",
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
    "region",
    "segment",
    "temperature",
    "score",
    "grade",
    "campaign",
    "channel",
)
# Fields whose values the policy names: a misspelt value is an error, not a rule that never fires.
NAMED_FIELDS = ("territory", "region", "segment", "product_line", "temperature")
Loc = tuple[object, ...]


class Territory(StrictModel):
    """Where a lead is. A province match beats a country match (see domain.route.territory_of)."""

    region: str | None = None
    countries: list[str] = []
    # country ISO-2 -> subdivision codes (without the country prefix), e.g. CN -> [GD, GX]
    states: dict[str, list[str]] = {}


class Segment(StrictModel):
    """Company size: by employees when the lead has a head count, else by revenue band."""

    min_employees: int | None = Field(default=None, ge=0)
    max_employees: int | None = Field(default=None, ge=0)
    revenue_bands: list[str] | None = None

    @property
    def by_employees(self) -> bool:
        # A segment naming no bound and no band is a catch-all for any known head count.
        return (
            self.min_employees is not None
            or self.max_employees is not None
            or not self.revenue_bands
        )


class WorkingHours(StrictModel):
    """When a rep takes new leads, in their own time zone. `hours` is one string (09:00-17:30):
    unquoted 17:00 would load as a YAML 1.1 base-60 integer."""

    time_zone: str
    days: list[Literal[DAYS]] = list(DAYS[:5])  # type: ignore[valid-type]
    hours: str = Field(
        default="09:00-17:00", pattern=r"^([01]\d|2[0-3]):[0-5]\d-(([01]\d|2[0-3]):[0-5]\d|24:00)$"
    )

    @field_validator("time_zone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown IANA time zone {value!r} (e.g. Europe/Berlin)") from exc
        return value

    @model_validator(mode="after")
    def _ordered(self) -> WorkingHours:
        start, end = self.span()
        if end <= start:
            raise ValueError("hours must end after they start, within one day")
        return self

    def span(self) -> tuple[time, time]:
        start, end = self.hours.split("-")
        return time.fromisoformat(start), time.max if end == "24:00" else time.fromisoformat(end)


class Capacity(StrictModel):
    """New leads a rep may take per day and per week (None: no limit)."""

    day: int | None = Field(default=None, ge=0)
    week: int | None = Field(default=None, ge=0)


class Away(StrictModel):
    """Out of office, both days included, in the rep's time zone."""

    start: date
    end: date
    note: str | None = None

    @model_validator(mode="after")
    def _ordered(self) -> Away:
        if self.end < self.start:
            raise ValueError("out of office must end on or after its start")
        return self


class RepConfig(StrictModel):
    key: str
    name: str
    email: str
    weight: float = Field(default=1.0, gt=0)
    active: bool = True
    working_hours: WorkingHours | None = None  # None: the team's
    capacity: Capacity | None = None  # each limit left out falls back to the team's
    out_of_office: list[Away] = []
    locale: str | None = None  # their notifications' language (zh-CN...); None: from the name


class Sla(StrictModel):
    """How long a team's rep may sit on a lead. Unset values fall back to the settings."""

    accept_within_hours: float | None = Field(default=None, gt=0)  # None: LEADFLOW_REP_SLA_HOURS
    # Missed acceptance: give the lead to the next rep in rotation this many times, then the pool.
    reassign_times: int = Field(default=1, ge=0)
    # Accepted but no recorded activity (rep link, CRM webhook, CLI) for this long: back to the pool.
    activity_within_days: float | None = Field(default=None, gt=0)  # None: never


class Team(StrictModel):
    key: str
    name: str
    reps: list[RepConfig] = Field(min_length=1)
    working_hours: WorkingHours | None = None  # None: always available (a catch-all net)
    capacity: Capacity = Capacity()
    sla: Sla = Sla()
    # Each assignment is also POSTed here as signed JSON (a CRM or chat bridge); None: email only.
    webhook_url: str | None = Field(default=None, pattern=r"^https?://")
    # Telesales: a lead this team accepts and qualifies passes on to the field team by the
    # normal rules (never back to this team); one that does not qualify goes back to nurture.
    prequalify: bool = False


class Condition(StrictModel):
    """One test on one lead field; give exactly one operator (min and max may go together)."""

    field: str = Field(json_schema_extra={"enum": list(LEAD_FIELDS)})
    equals: str | int | float | bool | None = None
    in_: list[Any] | None = Field(default=None, alias="in")
    not_in: list[Any] | None = None
    min: float | None = None
    max: float | None = None
    contains: str | list[str] | None = None  # case-insensitive; a list means any of them
    missing: bool | None = None

    @field_validator("field")
    @classmethod
    def _known_field(cls, value: str) -> str:
        if value not in LEAD_FIELDS:
            raise ValueError(f"unknown lead field {value!r}; known: {', '.join(LEAD_FIELDS)}")
        return value

    @model_validator(mode="after")
    def _one_operator(self) -> Condition:
        given = self.model_fields_set & {"equals", "in_", "not_in", "contains", "missing"}
        if len(given) + (self.min is not None or self.max is not None) != 1:
            raise ValueError("give exactly one of equals, in, not_in, min/max, contains or missing")
        return self

    def operator(self) -> tuple[str, Any]:
        if self.min is not None or self.max is not None:
            return "range", (self.min, self.max)
        name = next(
            iter(self.model_fields_set & {"equals", "in_", "not_in", "contains", "missing"})
        )
        return name.rstrip("_"), getattr(self, name)


class Conditions(StrictModel):
    """All must hold: each shorthand list (value in list; null means unknown), every test in
    `all`, and at least one test in `any` when `any` is given."""

    territory: list[str | None] | None = None
    region: list[str | None] | None = None
    segment: list[str | None] | None = None
    product_line: list[str | None] | None = None
    temperature: list[str | None] | None = None
    all: list[Condition] = []
    any: list[Condition] = []

    def required(self) -> list[Condition]:
        """The shorthand lists as tests, then `all`: every one must hold."""
        short = [
            Condition.model_validate({"field": name, "in": getattr(self, name)})
            for name in NAMED_FIELDS
            if getattr(self, name) is not None
        ]
        return short + list(self.all)


class Action(StrictModel):
    """Where a matching lead goes. If the target can take no lead now, `overflow` names the queue
    that waits for it; without it the next rule is tried."""

    team: str | None = None
    rep: str | None = None
    queue: str | None = None
    account_owner: bool = False
    overflow: str | None = None

    @model_validator(mode="after")
    def _one_target(self) -> Action:
        if (
            sum(
                (
                    self.team is not None,
                    self.rep is not None,
                    self.queue is not None,
                    self.account_owner,
                )
            )
            != 1
        ):
            raise ValueError("give exactly one of team, rep, queue or account_owner")
        if self.overflow and self.queue:
            raise ValueError(
                "a queue always takes the lead: overflow goes with team, rep or account_owner"
            )
        return self


class Rule(StrictModel):
    id: str
    when: Conditions = Conditions()
    assign: Action
    note: str | None = None


class RoutingPolicy(PolicyModel):
    territories: dict[str, Territory]
    segments: dict[str, Segment]
    product_lines: list[str] = []  # when given, rules may only name these
    teams: list[Team]
    rules: list[Rule]
    fallback: Action
    account_owner_first: bool = True
    prior_owner_first: bool = (
        True  # a person's earlier lead's rep keeps them (after the account owner)
    )
    # Every queue a rule names (and `unassigned`): its team and deadline. A queue left out
    # is worked by the fallback's team within a day (see queue_of).
    queues: dict[str, QueueConfig] = {}
    pool: PoolConfig = PoolConfig()
    people: list[PersonConfig] = []  # managers, marketing, admins (reps come from the teams)
    targets: list[Target] = []  # per territory, team or rep; `leadflow report` shows them

    def reference_errors(self) -> list[tuple[Loc, str]]:
        """Names that point nowhere or twice, each with where it is written."""

        return (
            self._duplicate_errors()
            + self._target_errors()
            + self._value_errors()
            + people_errors(self)
        )

    def queue_of(self, name: str | None) -> QueueConfig:
        """The queue's settings; an unlisted queue is the fallback team's, due within a day."""
        found = self.queues.get(name or UNASSIGNED)
        if found is not None:
            return found
        team = self.fallback.team or self.team_of(self.fallback.rep) or self.teams[0].key
        return QueueConfig(team=team)

    def _duplicate_errors(self) -> list[tuple[Loc, str]]:
        errors: list[tuple[Loc, str]] = []
        seen: dict[str, set[str]] = {"team": set(), "rep": set(), "rule": set()}
        keyed = [(("teams", ti, "key"), "team", t.key) for ti, t in enumerate(self.teams)]
        keyed += [
            (("teams", ti, "reps", ri, "key"), "rep", r.key)
            for ti, t in enumerate(self.teams)
            for ri, r in enumerate(t.reps)
        ]
        keyed += [(("rules", i, "id"), "rule", rule.id) for i, rule in enumerate(self.rules)]
        for loc, kind, key in keyed:
            if key in seen[kind]:
                where = "is in more than one team" if kind == "rep" else "is used twice"
                errors.append((loc, f"{kind} {key!r} {where}"))
            seen[kind].add(key)
        return errors

    def _target_errors(self) -> list[tuple[Loc, str]]:
        teams, reps = {t.key for t in self.teams}, {r.key for t in self.teams for r in t.reps}
        errors: list[tuple[Loc, str]] = []
        targets: list[tuple[Loc, str, Action]] = [
            (("rules", i, "assign"), rule.id, rule.assign) for i, rule in enumerate(self.rules)
        ]
        targets.append((("fallback",), "fallback", self.fallback))
        for loc, rule_id, action in targets:
            if action.team and action.team not in teams:
                errors.append(((*loc, "team"), f"rule {rule_id}: unknown team {action.team!r}"))
            if action.rep and action.rep not in reps:
                errors.append(((*loc, "rep"), f"rule {rule_id}: unknown rep {action.rep!r}"))
        if self.fallback.account_owner:
            errors.append(
                (("fallback", "account_owner"), "the fallback must name a team, rep or queue")
            )
        return errors

    def _value_errors(self) -> list[tuple[Loc, str]]:
        known: dict[str, set[Any]] = {
            "territory": set(self.territories),
            "segment": set(self.segments),
            "region": {t.region for t in self.territories.values() if t.region},
            "temperature": set(TEMPERATURES),
        }
        if self.product_lines:
            known["product_line"] = set(self.product_lines)
        errors: list[tuple[Loc, str]] = []
        for i, rule in enumerate(self.rules):
            for loc, name, values in _named_values(rule.when, ("rules", i, "when")):
                for value in values:
                    if name in known and value is not None and value not in known[name]:
                        errors.append((loc, f"rule {rule.id}: unknown {name} {value!r}"))
        return errors

    def active_rep(self, key: str | None) -> bool:
        return any(r.key == key and r.active for t in self.teams for r in t.reps)

    def team(self, key: str) -> Team:
        return next(t for t in self.teams if t.key == key)

    def rep(self, key: str) -> RepConfig:
        return next(r for t in self.teams for r in t.reps if r.key == key)

    def sla_of(self, team_key: str | None) -> Sla:
        return next((t.sla for t in self.teams if t.key == team_key), Sla())

    def team_of(self, rep_key: str | None) -> str | None:
        return next((t.key for t in self.teams if any(r.key == rep_key for r in t.reps)), None)


def _named_values(when: Conditions, loc: Loc) -> list[tuple[Loc, str, list[Any]]]:
    """Every value a rule names for a policy-named field, with where it is written."""
    found = [((*loc, name), name, getattr(when, name) or []) for name in NAMED_FIELDS]
    for group in ("all", "any"):
        for j, test in enumerate(getattr(when, group)):
            op, arg = test.operator()
            if test.field in NAMED_FIELDS and op in ("equals", "in", "not_in"):
                values = arg if isinstance(arg, list) else [arg]
                found.append(((*loc, group, j, "in" if op == "in" else op), test.field, values))
    return found


def routing_json_schema() -> dict[str, Any]:
    """The published schema of routing.yaml (routing_rules/schema.json is written from this)."""
    schema = RoutingPolicy.model_json_schema()
    schema["properties"].pop("config_version", None)  # stamped by the loader, never written
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "leadflow routing policy (routing_rules/routing.yaml)"
    return schema


def load_routing(directory: Path) -> RoutingPolicy:
    return load_policy(directory / "routing.yaml", RoutingPolicy)


def routing_policy() -> RoutingPolicy:
    """The policy in force, read from the configured folder."""
    return load_routing(get_settings().routing_dir)

"""Nurture sequences as data: who enters, which steps when, branches, exits and send rules.

Steps are numbered from 1 in YAML and on the command line (as people count); the
database keeps the 0-based index it always had.
"""

from __future__ import annotations

import re
from datetime import date, time
from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AfterValidator,
    Field,
    PrivateAttr,
    StringConstraints,
    field_validator,
    model_validator,
)

from leadflow.core.policy_loader import PolicyModel, StrictModel, load_policy
from leadflow.core.errors import ConfigError
from leadflow.core.settings import get_settings

Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
WEEKDAYS: tuple[Weekday, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
ExitRule = Literal["became_hot", "assigned", "unsubscribed", "bounced", "complained", "replied"]
EXIT_RULES: tuple[ExitRule, ...] = (
    "became_hot",
    "assigned",
    "unsubscribed",
    "bounced",
    "complained",
    "replied",
)
# Mailing someone who said stop is never a policy choice: these cannot be switched off.
MANDATORY_EXITS = ("unsubscribed", "bounced", "complained")
CountryCode = Annotated[
    str, StringConstraints(pattern=r"^[A-Z]{2}$")
]  # ISO 3166 alpha-2, like US or CN


def _clock_time(value: Any) -> Any:
    # Unquoted 17:00 is the number 1020 to YAML 1.1 readers: refuse rather than guess.
    if isinstance(value, (int, float)):
        raise ValueError(
            "write times as quoted strings, e.g. '17:00' (unquoted, YAML reads a number)"
        )
    return value


class Branch(StrictModel):
    """When the step holding this comes due: clicked (or not) step N -> send step X instead."""

    if_clicked: int | None = Field(None, ge=1)
    if_not_clicked: int | None = Field(None, ge=1)
    goto: int | Literal["end"]

    @model_validator(mode="after")
    def _one_condition(self) -> Branch:
        if (self.if_clicked is None) == (self.if_not_clicked is None):
            raise ValueError("a branch needs exactly one of if_clicked or if_not_clicked")
        return self

    @property
    def on_step(self) -> int:
        return self.if_clicked or self.if_not_clicked or 0

    def holds(self, clicked_steps: set[int]) -> bool:
        """clicked_steps: 1-based numbers of this run's steps the lead clicked."""
        return (self.on_step in clicked_steps) == (self.if_clicked is not None)


def _known_locale(tag: str) -> str:
    from leadflow.nurture.locale import babel_locale

    babel_locale(tag)  # a ValueError names the bad tag
    return tag


LocaleTag = Annotated[str, AfterValidator(_known_locale)]


class Variant(StrictModel):
    """One arm of a step's A/B test: what differs from the step (subject, body), and its share."""

    key: str = Field(pattern=r"^[a-z0-9_-]{1,20}$")
    weight: float = Field(1, gt=0)
    subject: str | None = None  # None: the step's own
    subjects: dict[LocaleTag, str] = Field(default_factory=dict)
    template: str | None = None  # None: the step's own


class Step(StrictModel):
    template: str  # templates/email/<template>[.<locale>].html.j2 and .txt.j2
    subject: str
    subjects: dict[LocaleTag, str] = Field(default_factory=dict)  # per locale, e.g. zh-CN
    # A/B test: each lead gets one variant, always the same; a winner may be promoted once every
    # variant has reached min_sample sends (`leadflow nurture variants`, `... promote`).
    variants: list[Variant] = Field(default_factory=list)
    min_sample: int = Field(100, ge=1)

    @model_validator(mode="after")
    def _distinct_variants(self) -> Step:
        keys = [v.key for v in self.variants]
        if len(keys) != len(set(keys)):
            raise ValueError(f"variant keys must differ: {keys}")
        if len(keys) == 1:
            raise ValueError("an A/B test needs at least two variants")
        return self

    # Delays count from when the previous step was sent (the first step from enrollment).
    delay_days: float = Field(0, ge=0)
    delay_hours: float = Field(0, ge=0)
    delay_business_days: int = Field(0, ge=0)  # in the lead's own calendar (weekends, holidays)
    # window: wait for the send window; immediate: as soon as due (a welcome the lead just asked for).
    timing: Literal["window", "immediate"] = "window"
    branches: list[Branch] = Field(default_factory=list)


class EntryRules(StrictModel):
    """Every rule given must hold; a list matches any of its values; absent means any."""

    temperatures: list[str] | None = None
    grades: list[str] | None = None
    campaigns: list[str] | None = None
    product_lines: list[str] | None = None
    rejected_not_ready: bool | None = None  # true: only leads a rep handed back as not ready


class Reentry(StrictModel):
    after_days: float | None = Field(None, ge=0)  # None: a lead runs the sequence once, ever


class Window(StrictModel):
    days: list[Weekday] = Field(default_factory=lambda: list(WEEKDAYS[:5]), min_length=1)
    start: time = time(9)
    end: time = time(17)

    _times = field_validator("start", "end", mode="before")(_clock_time)

    @model_validator(mode="after")
    def _ordered(self) -> Window:
        if self.start >= self.end:
            raise ValueError("window start must be before its end (same day)")
        return self


class QuietHours(StrictModel):
    start: time  # may wrap midnight: 21:00 to 08:00
    end: time

    _times = field_validator("start", "end", mode="before")(_clock_time)


class Cap(StrictModel):
    max_emails: int = Field(ge=1)
    per_days: float = Field(gt=0)


class SendPolicy(StrictModel):
    default_zone: str = "UTC"  # when neither country nor phone tells the lead's time zone
    window: Window = Field(default_factory=Window)
    quiet_hours: QuietHours | None = None
    cap: Cap | None = None  # across every sequence: marketing emails per lead
    holidays_file: str | None = None

    @field_validator("default_zone")
    @classmethod
    def _zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value


class LocalePolicy(StrictModel):
    """Which language a lead reads (see leadflow.nurture.locale for the order of the rules)."""

    default: LocaleTag = "en"
    supported: list[LocaleTag] = Field(default_factory=lambda: ["en"], min_length=1)
    by_country: dict[CountryCode, LocaleTag] = Field(default_factory=dict)
    # e.g. CA: {QC: fr-CA}
    by_state: dict[CountryCode, dict[str, LocaleTag]] = Field(default_factory=dict)
    by_script: dict[str, LocaleTag] = Field(default_factory=dict)  # of the name: Han, Hangul...

    @model_validator(mode="after")
    def _all_supported(self) -> LocalePolicy:
        named = [
            self.default,
            *self.by_country.values(),
            *self.by_script.values(),
            *(tag for states in self.by_state.values() for tag in states.values()),
        ]
        unknown = sorted({tag for tag in named if tag not in self.supported})
        if unknown:
            raise ValueError(f"locales {unknown} are used but not in supported {self.supported}")
        return self


Consent = Literal["opt_in", "opt_out"]


class ConsentRule(StrictModel):
    """opt_in: only after a recorded grant; opt_out: allowed until the person says no."""

    marketing_email: Consent = "opt_out"
    tracking: Consent = "opt_out"  # open pixel and rewritten (tracked) links


class ConsentRegion(ConsentRule):
    countries: list[CountryCode] = Field(min_length=1)


class CampaignConsent(StrictModel):
    """A campaign whose sign-up asked for consent: each of its leads' rows is the evidence."""

    purposes: list[Literal["marketing_email", "tracking"]] = Field(
        default_factory=lambda: ["marketing_email"]
    )
    lawful_basis: Literal["consent", "legitimate_interest", "contract", "legal_obligation"] = (
        "consent"
    )
    statement: str = Field(min_length=1)  # what the person agreed to, and where


class ConsentPolicy(StrictModel):
    """Per-country defaults; a recorded grant or withdrawal always outranks them."""

    default: ConsentRule = Field(default_factory=ConsentRule)  # unknown country too
    regions: dict[str, ConsentRegion] = Field(default_factory=dict)
    campaigns: dict[str, CampaignConsent] = Field(default_factory=dict)  # by campaign name
    # country -> its region's name, asked for every lead a batch enrolls or a tick sends to;
    # built for the regions dict in ``_indexed`` (a model_copy that replaces the regions, or
    # a model_construct, leaves it stale or empty: it is built again).
    _region_of: dict[str, str] = PrivateAttr(default_factory=dict)
    _indexed: object = PrivateAttr(default=None)

    @model_validator(mode="after")
    def _one_region_per_country(self) -> ConsentPolicy:
        seen: dict[str, str] = {}
        for name, region in self.regions.items():
            for code in region.countries:
                if code in seen:
                    raise ValueError(f"{code} is in both regions {seen[code]} and {name}")
                seen[code] = name
        return self

    def rule_for(self, country: str | None) -> tuple[str, ConsentRule]:
        """(region name or "default", its rule) for a lead's country."""
        if self._indexed is not self.regions:
            self._region_of = {c: n for n, r in self.regions.items() for c in r.countries}
            self._indexed = self.regions
        name = self._region_of.get((country or "").upper())
        return (name, self.regions[name]) if name is not None else ("default", self.default)


class Sequence(StrictModel):
    key: str
    name: str
    topic: str | None = None  # what the preference centre offers to stop; None: the sequence's key
    enter: EntryRules = Field(default_factory=EntryRules)
    steps: list[Step] = Field(min_length=1)
    exit_on: list[ExitRule] = Field(default_factory=lambda: list(EXIT_RULES))
    reentry: Reentry = Field(default_factory=Reentry)
    window: Window | None = None  # this sequence's own window instead of send_policy.window

    @model_validator(mode="before")
    @classmethod
    def _legacy_temperatures(cls, data: Any) -> Any:
        # Version 1 files said enter_temperatures: [...]; both spellings stay valid.
        if isinstance(data, dict) and "enter_temperatures" in data:
            data = dict(data)
            enter = dict(data.get("enter") or {})
            enter.setdefault("temperatures", data.pop("enter_temperatures"))
            data["enter"] = enter
        return data

    @property
    def topic_key(self) -> str:
        return self.topic or self.key

    @property
    def enter_temperatures(self) -> list[str]:
        return list(self.enter.temperatures or [])

    def reference_errors(self, at: tuple[Any, ...]) -> list[tuple[tuple[Any, ...], str]]:
        problems: list[tuple[tuple[Any, ...], str]] = []
        for rule in MANDATORY_EXITS:
            if rule not in self.exit_on:
                problems.append((at + ("exit_on",), f"exit_on must include {rule}"))
        for number, step in enumerate(self.steps, start=1):
            for b, branch in enumerate(step.branches):
                where = at + ("steps", number - 1, "branches", b)
                if branch.on_step >= number:
                    problems.append(
                        (where, f"a branch on step {number} can only test an earlier step")
                    )
                if branch.goto != "end" and not number < branch.goto <= len(self.steps):
                    message = (
                        f"goto must be a later step (up to {len(self.steps)}) or 'end': "
                        "sequences only move forward"
                    )
                    problems.append((where + ("goto",), message))
        return problems


class HolidayCalendar(PolicyModel):
    """Public holidays per ISO country code: no marketing email goes out on them, locally."""

    holidays: dict[CountryCode, list[date]] = Field(default_factory=dict)


class NurturePolicy(PolicyModel):
    sequences: list[Sequence] = Field(min_length=1)
    rep_notification_template: str = "rep_notification"
    locales: LocalePolicy = Field(default_factory=LocalePolicy)
    consent: ConsentPolicy = Field(default_factory=ConsentPolicy)
    send_policy: SendPolicy = Field(default_factory=SendPolicy)
    holidays: dict[CountryCode, list[date]] = Field(
        default_factory=dict
    )  # inline, merged with holidays_file

    def sequence(self, key: str) -> Sequence:
        return next(s for s in self.sequences if s.key == key)

    def topics(self) -> dict[str, str]:
        """Topic key -> the name people see in the preference centre (its first sequence's)."""
        found: dict[str, str] = {}
        for sequence in self.sequences:
            found.setdefault(sequence.topic_key, sequence.name)
        return found

    def window_for(self, sequence: Sequence) -> Window:
        return sequence.window or self.send_policy.window

    def holidays_in(self, country: str | None) -> frozenset[date]:
        return frozenset(self.holidays.get(country or "", ()))

    def reference_errors(self) -> list[tuple[tuple[Any, ...], str]]:
        problems: list[tuple[tuple[Any, ...], str]] = []
        seen: set[str] = set()
        for i, sequence in enumerate(self.sequences):
            if sequence.key in seen:
                problems.append(
                    (("sequences", i, "key"), f"duplicate sequence key {sequence.key!r}")
                )
            seen.add(sequence.key)
            problems.extend(sequence.reference_errors(("sequences", i)))
            for n, step in enumerate(sequence.steps):
                where = ("sequences", i, "steps", n, "subjects")
                problems.extend(
                    (
                        (*where, tag),
                        f"locale {tag} is not in locales.supported {self.locales.supported}",
                    )
                    for tag in step.subjects
                    if tag not in self.locales.supported
                )
        return problems


def _load_holidays(path: Path) -> HolidayCalendar:
    try:
        return load_policy(path, HolidayCalendar)
    except ValueError as exc:  # YAML turns 2026-13-01 into a crash, not a YAML error: find the line
        lines = path.read_text(encoding="utf-8").splitlines()
        for number, line in enumerate(lines, start=1):
            for text in re.findall(r"\b\d{4}-\d{2}-\d{2}\b", line):
                try:
                    date.fromisoformat(text)
                except ValueError:
                    raise ConfigError(str(path), number, "holidays", f"not a date: {text}") from exc
        raise ConfigError(str(path), None, "holidays", str(exc)) from exc


def load_nurture(directory: Path) -> NurturePolicy:
    policy = load_policy(directory / "sequences.yaml", NurturePolicy)
    name = policy.send_policy.holidays_file
    if not name:
        return policy
    calendar = _load_holidays(directory / name)
    merged = {
        code: sorted(set(calendar.holidays.get(code, [])) | set(policy.holidays.get(code, [])))
        for code in set(calendar.holidays) | set(policy.holidays)
    }
    # One version names both files: a decision says exactly which calendar it used.
    return policy.model_copy(
        update={
            "holidays": merged,
            "config_version": f"{policy.config_version};{calendar.config_version}",
        }
    )


def nurture_policy() -> NurturePolicy:
    """The policy in force, read from the configured folder."""
    return load_nurture(get_settings().templates_dir)

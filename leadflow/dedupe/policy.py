"""Matching policy: fuzzy-merge thresholds, mailbox rules and per-field survivorship."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator, model_validator

from leadflow.core.policy_loader import PolicyModel, StrictModel, load_policy
from leadflow.dedupe.kinds import Kind, parse_kind

SurvivorshipRule = Literal[
    "fill_blanks", "newest_non_empty", "most_trusted_source", "longest", "keep_both"
]
# Fields a merge may change, and the two that may keep a second value ("keep_both").
SURVIVING_FIELDS = (
    "email",
    "first_name",
    "last_name",
    "full_name",
    "company",
    "title",
    "phone",
    "country",
    "state",
    "city",
    "employees",
    "industry",
    "product_line",
    "purchase_timeframe_months",
)
KEEP_BOTH_FIELDS = ("email", "phone")


class Thresholds(StrictModel):
    """Match probabilities, 0..1: merge at or above auto_merge, queue for review at or above review."""

    auto_merge: float = Field(0.95, gt=0.0, lt=1.0)
    review: float = Field(0.6, gt=0.0, lt=1.0)

    @model_validator(mode="after")
    def _ordered(self) -> Thresholds:
        if self.review > self.auto_merge:
            raise ValueError("review must not be above auto_merge")
        return self


class MailboxRules(StrictModel):
    """When two addresses are one mailbox. Off by default outside Gmail, where dots and
    "+tag" are part of the address and two such addresses can be two people."""

    gmail_dots: bool = True
    plus_tags: Literal["none", "gmail", "all"] = "gmail"


class Survivorship(StrictModel):
    default: Literal["fill_blanks", "newest_non_empty", "most_trusted_source", "longest"] = (
        "fill_blanks"
    )
    fields: dict[Literal[SURVIVING_FIELDS], SurvivorshipRule] = {}  # type: ignore[valid-type]
    # Source names (shell patterns on the file or form name), most trusted first.
    source_ranking: list[str] = []

    def rule_for(self, field: str) -> str:
        return self.fields.get(field, "keep_both" if field == "email" else self.default)


class MatchingPolicy(PolicyModel):
    enabled: bool = True
    thresholds: Thresholds = Thresholds()
    # Weights written by `leadflow merges fit`, relative to this file; built-in ones when absent.
    weights_file: str = "matching_weights.json"
    mailbox: MailboxRules = MailboxRules()
    # Stored leads looked at per key value; a key shared by more (a switchboard number) is skipped.
    max_candidates_per_key: int = Field(20, ge=1)
    survivorship: Survivorship = Survivorship()

    def reference_errors(self) -> list[tuple[tuple[object, ...], str]]:
        problems: list[tuple[tuple[object, ...], str]] = []
        for field, rule in self.survivorship.fields.items():
            if rule == "keep_both" and field not in KEEP_BOTH_FIELDS:
                problems.append(
                    (
                        ("survivorship", "fields", field),
                        f"keep_both applies to {' and '.join(KEEP_BOTH_FIELDS)} only",
                    )
                )
            if field == "email" and rule != "keep_both":
                problems.append(
                    (
                        ("survivorship", "fields", field),
                        "email is the lead's identity: it can only be keep_both",
                    )
                )
            if rule == "most_trusted_source" and not self.survivorship.source_ranking:
                problems.append(
                    (("survivorship", "fields", field), "most_trusted_source needs source_ranking")
                )
        return problems


POLICY_FILE = "matching.yaml"


def load_matching(directory: Path) -> MatchingPolicy:
    """The policy in ``directory``; the built-in one when the directory has none."""
    path = directory / POLICY_FILE
    if not path.is_file():
        return MatchingPolicy(version=0, config_version="matching@builtin")
    return load_policy(path, MatchingPolicy)


def weights_path(directory: Path, policy: MatchingPolicy) -> Path:
    return directory / policy.weights_file


# --- `leadflow dedupe FILE --config FIELDS.yaml`: the file matcher's whole configuration ---


class FileThresholds(StrictModel):
    """Match probabilities: a pair at or above ``merge`` links a cluster (which split clustering
    may then split), at or above ``review`` is reported for review."""

    merge: float = Field(0.9, gt=0.0, lt=1.0)
    review: float = Field(0.5, gt=0.0, lt=1.0)

    @model_validator(mode="after")
    def _ordered(self) -> FileThresholds:
        if self.review > self.merge:
            raise ValueError("review must not be above merge")
        return self


class FileEmailPolicy(StrictModel):
    gmail_dots: bool = True
    plus_tags: Literal["known", "all", "none"] = "known"


class FileBlocking(StrictModel):
    max_block: int = Field(100, ge=2)
    window: int = Field(8, ge=1)
    max_pairs_per_record: float = Field(16.0, gt=0)
    min_pairs: int = Field(1_000_000, ge=0)
    rules: list[list[str]] | None = None  # keys like "surname", "surname:phonetic"


class FileClustering(StrictModel):
    method: Literal["split", "star", "components"] = "split"
    link: float | None = Field(None, gt=0.0, lt=1.0)  # None: the merge threshold
    split_at: float = Field(0.001, gt=0.0, lt=1.0)
    max_dense: int = Field(200, ge=3)


class FileMatchPolicy(PolicyModel):
    """Every option the file matcher has; unknown keys are errors with file and line."""

    version: int = 1
    columns: dict[str, str]  # column -> kind (email, phone, name, company, date, ...)
    thresholds: FileThresholds = FileThresholds()
    email_policy: FileEmailPolicy = FileEmailPolicy()
    blocking: FileBlocking = FileBlocking()
    clustering: FileClustering = FileClustering()
    seed: int = 20240601
    u_samples: int = Field(200_000, ge=1000)

    @field_validator("columns")
    @classmethod
    def _some_columns(cls, columns: dict[str, str]) -> dict[str, str]:
        if not columns:
            raise ValueError("at least one column is needed")
        return columns

    def reference_errors(self) -> list[tuple[tuple[object, ...], str]]:
        """Kinds are checked here, not by the field's type, so the error points at the column."""
        problems: list[tuple[tuple[object, ...], str]] = []
        for column, kind in self.columns.items():
            try:
                parse_kind(kind)
            except ValueError:
                problems.append(
                    (
                        ("columns", column),
                        f"unknown kind {kind!r}; one of {', '.join(k.value for k in Kind)}",
                    )
                )
        return problems


def load_file_policy(path: Path) -> FileMatchPolicy:
    """A --config file, strictly: YAML 1.2, unknown keys and bad values name file and line."""
    return load_policy(path, FileMatchPolicy)

"""Matching policy: fuzzy-merge thresholds, mailbox rules and per-field survivorship."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator

from leadflow.core.policy_loader import PolicyModel, StrictModel, load_policy

SurvivorshipRule = Literal["fill_blanks", "newest_non_empty", "most_trusted_source", "longest", "keep_both"]
# Fields a merge may change, and the two that may keep a second value ("keep_both").
SURVIVING_FIELDS = (
    "email", "first_name", "last_name", "full_name", "company", "title", "phone", "country", "state",
    "city", "employees", "industry", "product_line", "purchase_timeframe_months",
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
    default: Literal["fill_blanks", "newest_non_empty", "most_trusted_source", "longest"] = "fill_blanks"
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
                problems.append((("survivorship", "fields", field),
                                 f"keep_both applies to {' and '.join(KEEP_BOTH_FIELDS)} only"))
            if field == "email" and rule != "keep_both":
                problems.append((("survivorship", "fields", field),
                                 "email is the lead's identity: it can only be keep_both"))
            if rule == "most_trusted_source" and not self.survivorship.source_ranking:
                problems.append((("survivorship", "fields", field), "most_trusted_source needs source_ranking"))
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

"""Ingest policy: user column aliases and required fields."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from leadflow.core.policy_loader import PolicyModel, load_policy
from leadflow.ingest.normalize import COLUMN_ALIASES
from leadflow.core.settings import get_settings

Field_ = Literal[tuple(COLUMN_ALIASES)]  # type: ignore[valid-type]


class IngestPolicy(PolicyModel):
    required: list[Field_] = []
    aliases: dict[Field_, list[str]] = {}
    # Fields cut to the model's limit instead of quarantining the row (field_limits.py).
    truncate: list[Field_] = []


def load_ingest(directory: Path) -> IngestPolicy:
    return load_policy(directory / "ingest.yaml", IngestPolicy)


def ingest_policy() -> IngestPolicy:
    """The policy in force, read from the configured folder."""
    return load_ingest(get_settings().ingest_dir)

"""Golden cases, one format for every policy: a YAML file with `version`, `kind` and `cases`.

Routing cases (`kind: routing`, the default) put a lead and prior state in and expect a rule,
rep, team or queue; scoring cases (`kind: scoring`) put a lead and its engagement in and expect
points, rules and a temperature. Both load through the strict policy loader, so a typo names its
file, line and field, and both report a `CaseResult`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

import yaml


class CaseKind(StrEnum):
    ROUTING = "routing"
    SCORING = "scoring"


@dataclass(frozen=True)
class CaseResult:
    name: str
    passed: bool
    expected: dict[str, Any]
    actual: dict[str, Any]
    diff: list[str] = field(default_factory=list)
    trace: dict[str, Any] = field(default_factory=dict)


def case_files(path: Path) -> list[Path]:
    """A cases file, or every *.yaml under a folder."""
    return sorted(path.glob("*.yaml")) if path.is_dir() else [path]


def case_kind(path: Path) -> CaseKind:
    """The file's `kind` (routing when absent); the strict loader validates the rest later."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    raw = data.get("kind", CaseKind.ROUTING) if isinstance(data, dict) else CaseKind.ROUTING
    try:
        return CaseKind(raw)
    except ValueError:
        return CaseKind.ROUTING  # the strict loader then names the bad value with its line


def differences(expected: dict[str, Any], actual: dict[str, Any]) -> list[str]:
    return [
        f"{key}: expected {want!r}, got {actual.get(key)!r}"
        for key, want in expected.items()
        if actual.get(key) != want
    ]

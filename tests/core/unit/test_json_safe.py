"""json_safe: what a decision's inputs become before they are stored as JSON."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, timezone
from decimal import Decimal
from enum import Enum, StrEnum

import numpy as np

from leadflow.core.decisions import json_safe


class Level(StrEnum):
    HOT = "hot"


class Plain(Enum):
    ONE = 1


@dataclass
class Hit:
    rule: str
    points: int
    value: object


def test_nested_values_become_json_with_string_keys():
    at = datetime(2026, 12, 6, 9, 30, tzinfo=timezone.utc)
    value = {
        "hits": [Hit("title", 10, {"VP", "Head"}), Hit("country", 5, None)],
        "pair": ("a", 1, 2.5, True, None),
        1: "int key",
        None: "none key",
        Level.HOT: Level.HOT,
        "when": at,
        "day": date(2026, 12, 6),
        "money": Decimal("1.50"),
        "enum": Plain.ONE,
        "float64": np.float64(0.25),
        "nested": {"deeper": [{"x": [1, (2, 3)]}]},
    }
    out = json_safe(value)
    assert out["hits"][0]["rule"] == "title" and sorted(out["hits"][0]["value"]) == ["Head", "VP"]
    assert out["hits"][1] == {"rule": "country", "points": 5, "value": None}
    assert out["pair"] == ["a", 1, 2.5, True, None]
    assert out["1"] == "int key" and out["None"] == "none key"
    assert out["hot"] == "hot"
    assert out["when"] == "2026-12-06T09:30:00+00:00" and out["day"] == "2026-12-06"
    assert out["money"] == "1.50" and out["enum"] == "Plain.ONE"
    assert out["float64"] == 0.25
    assert out["nested"] == {"deeper": [{"x": [1, [2, 3]]}]}
    assert all(type(k) is str for k in out)
    json.dumps(out)  # storable as it is


def test_the_result_is_a_copy():
    inner = {"a": [1, 2]}
    value = {"inner": inner, "list": [inner]}
    out = json_safe(value)
    out["inner"]["a"].append(3)
    out["list"][0]["b"] = 1
    assert inner == {"a": [1, 2]}


def test_plain_values_pass_through():
    for plain in ("x", 0, -1.5, False, None):
        assert json_safe(plain) is plain

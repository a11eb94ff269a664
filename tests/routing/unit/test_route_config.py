"""Routing rules as data: every mistake names file, line and field; the schema is published."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml

from leadflow.routing.policy import RoutingPolicy, load_routing, routing_json_schema
from leadflow.core.errors import ConfigError
from tests.factories import ROUTING_DIR, make_routing_policy


def broken(tmp_path: Path, old: str, new: str) -> tuple[ConfigError, int]:
    """The shipped policy with one edit; the error it raises and the line of the edit."""
    folder = tmp_path / "routing"
    shutil.copytree(ROUTING_DIR, folder)
    text = (folder / "routing.yaml").read_text(encoding="utf-8")
    assert old in text, old
    text = text.replace(old, new, 1)
    (folder / "routing.yaml").write_text(text, encoding="utf-8")
    line = next(i for i, row in enumerate(text.splitlines(), 1) if new.splitlines()[0] in row)
    with pytest.raises(ConfigError) as caught:
        load_routing(folder)
    return caught.value, line


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("{field: score, min: 85}", "{field: scroe, min: 85}", "unknown lead field 'scroe'"),
        ("{field: score, min: 85}", "{field: score, min: 85, equals: 3}", "exactly one of equals"),
        ("{field: channel, equals: partner}", "{field: channel, equal: partner}", "Extra inputs"),
        ("time_zone: Asia/Singapore", "time_zone: Asia/Singapur", "unknown IANA time zone"),
        (
            "hours: 09:00-18:00}\n    reps:\n      - {key: grace.tan",
            "hours: 18:00-09:00}\n    reps:\n      - {key: grace.tan",
            "must end after they start",
        ),
        ("capacity: {day: 30}", "capacity: {day: -1}", "greater than or equal to 0"),
        ("end: 2027-01-01", "end: 2026-12-01", "must end on or after its start"),
        (
            "assign: {queue: partner-desk}",
            "assign: {queue: partner-desk, overflow: later}",
            "overflow goes with",
        ),
        (
            "assign: {team: apac}",
            "assign: {team: apac, rep: grace.tan}",
            "exactly one of team, rep, queue",
        ),
    ],
)
def test_a_schema_mistake_names_its_line(tmp_path: Path, old: str, new: str, message: str) -> None:
    error, line = broken(tmp_path, old, new)
    assert message in error.message
    assert error.line == line, (error, line)


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("territory: [apac]}", "territory: [apac_pacific]}", "unknown territory 'apac_pacific'"),
        (
            "{region: [china], product_line",
            "{region: [chinaa], product_line",
            "unknown region 'chinaa'",
        ),
        (
            "product_line: [automation], segment",
            "product_line: [automaton], segment",
            "unknown product_line",
        ),
        (
            "{field: country, in: [DE, AT, CH]}",
            "{field: segment, in: [enterprise, huge]}",
            "unknown segment 'huge'",
        ),
        ("assign: {team: apac}", "assign: {team: apacc}", "unknown team 'apacc'"),
        ("assign: {rep: emma.schulz}", "assign: {rep: emma.schultz}", "unknown rep 'emma.schultz'"),
        ("  - id: apac\n", "  - id: emea  # copied\n", "rule 'emea' is used twice"),
        (
            "fallback: {team: inside-sales}",
            "fallback: {account_owner: true}",
            "the fallback must name",
        ),
    ],
)
def test_a_reference_that_points_nowhere_names_its_line(
    tmp_path: Path, old: str, new: str, message: str
) -> None:
    error, line = broken(tmp_path, old, new)
    assert message in error.message
    assert error.line == line, (error, line)


def test_unquoted_times_load_as_one_string() -> None:
    # 17:00 alone is a YAML 1.1 base-60 integer (1020); as part of "09:00-17:00" it stays text.
    hours = yaml.safe_load("hours: 09:00-17:00")["hours"]
    policy = make_routing_policy(
        teams=[
            {
                "key": "north",
                "name": "N",
                "working_hours": {"time_zone": "Europe/Oslo", "hours": hours},
                "reps": [{"key": "a", "name": "A", "email": "a@x.example"}],
            }
        ],
        fallback={"queue": "q"},
    )
    assert [str(t) for t in policy.team("north").working_hours.span()] == ["09:00:00", "17:00:00"]


def test_product_lines_are_free_text_until_the_policy_lists_them() -> None:
    rules = [{"id": "r", "when": {"product_line": ["anything"]}, "assign": {"team": "north"}}]
    assert make_routing_policy(rules=rules).rules[0].when.product_line == ["anything"]


def test_the_published_schema_is_up_to_date() -> None:
    published = json.loads((ROUTING_DIR / "schema.json").read_text(encoding="utf-8"))
    assert published == routing_json_schema(), (
        "run `leadflow rules schema --write` and commit schema.json"
    )


def test_the_shipped_policy_validates_against_the_published_schema() -> None:
    import jsonschema  # prefect depends on it, so it is always installed
    from leadflow.core.policy_loader import _Yaml12Loader

    data = yaml.load(
        (ROUTING_DIR / "routing.yaml").read_text(encoding="utf-8"), Loader=_Yaml12Loader
    )
    data = json.loads(json.dumps(data, default=str))  # dates as the strings a schema checker sees
    jsonschema.validate(data, routing_json_schema())


def test_every_shipped_rep_has_a_valid_policy_model() -> None:
    policy: RoutingPolicy = load_routing(ROUTING_DIR)
    assert policy.config_version.startswith("routing@v2+")
    assert policy.team_of("li.ming") == "china-automation"

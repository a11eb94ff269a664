"""Policy loading: strict models, errors that name file, line and field, YAML 1.2 booleans."""

from __future__ import annotations

from pathlib import Path

import pytest

from leadflow.core.policy_loader import load_policy
from leadflow.nurture.policy import load_nurture
from leadflow.routing.policy import RoutingPolicy, load_routing
from leadflow.scoring.policy import ScoringPolicy, load_scoring
from leadflow.core.errors import ConfigError
from tests.factories import ROUTING_DIR, SCORING_DIR, TEMPLATES_DIR

ROUTING_TAIL = """\
segments: {}
teams:
  - key: north
    name: North
    reps:
      - {key: anna, name: Anna, email: anna@x.example}
"""


def write(tmp_path: Path, text: str, name: str = "icp.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def load_error(path: Path, model: type) -> ConfigError:
    with pytest.raises(ConfigError) as caught:
        load_policy(path, model)
    return caught.value


def test_unknown_key_names_file_line_and_field(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """\
version: 1
thresholds:
  hot: 70
  warm: 40
  cold: 10
fit_rules: []
""",
    )
    error = load_error(path, ScoringPolicy)
    assert (error.file, error.line, error.field) == (str(path), 5, "thresholds.cold")
    assert f"{path}:5" in str(error)


def test_unknown_key_inside_a_list_item_points_at_that_key(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """\
version: 1
thresholds: {hot: 70, warm: 40}
fit_rules:
  - id: served
    field: country
    any_of: [US]
    points: 10
    colour: blue
""",
    )
    error = load_error(path, ScoringPolicy)
    assert (error.line, error.field) == (8, "fit_rules.0.colour")


def test_wrong_type_names_its_field_and_line(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """\
version: 1
fit_rules: []
thresholds:
  warm: 40
  hot: lots
""",
    )
    error = load_error(path, ScoringPolicy)
    assert (error.line, error.field) == (5, "thresholds.hot")
    assert "integer" in error.message


def test_rule_breaking_a_model_check_points_at_the_rule(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """\
version: 1
thresholds: {hot: 70, warm: 40}
fit_rules:
  - id: ok
    field: country
    any_of: [US]
    points: 10
  - id: two-tests
    field: title
    contains_any: [vp]
    equals: CEO
    points: 20
""",
    )
    error = load_error(path, ScoringPolicy)
    assert (error.line, error.field) == (8, "fit_rules.1")
    assert "exactly one test" in error.message


def test_yaml_syntax_error_gives_the_line(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """\
version: 1
thresholds:
  hot: 70: 71
  warm: 40
fit_rules: []
""",
    )
    error = load_error(path, ScoringPolicy)
    assert (error.file, error.line) == (str(path), 3)


def test_missing_file_is_a_config_error(tmp_path: Path) -> None:
    error = load_error(tmp_path / "absent.yaml", ScoringPolicy)
    assert (error.line, error.message) == (None, "file not found")


def test_top_level_list_is_rejected(tmp_path: Path) -> None:
    error = load_error(write(tmp_path, "- a\n- b\n"), ScoringPolicy)
    assert "mapping" in error.message


def test_norway_and_ontario_stay_country_and_state_codes(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """\
version: 1
territories:
  nordics: {countries: [NO, SE]}
  canada_east: {states: {CA: [ON, QC]}}
rules: []
fallback: {team: north}
account_owner_first: false
"""
        + ROUTING_TAIL,
        name="routing.yaml",
    )
    policy = load_policy(path, RoutingPolicy)
    assert policy.territories["nordics"].countries == ["NO", "SE"]
    assert policy.territories["canada_east"].states == {"CA": ["ON", "QC"]}
    assert policy.account_owner_first is False


def test_routing_rule_naming_an_unknown_team_fails(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """\
version: 1
territories: {nordics: {countries: [NO]}}
rules:
  - id: nordics
    when: {territory: [nordics]}
    assign: {team: south}
fallback: {team: north}
"""
        + ROUTING_TAIL,
        name="routing.yaml",
    )
    error = load_error(path, RoutingPolicy)
    assert error.file == str(path)
    assert "nordics" in error.message and "'south'" in error.message


def test_routing_fallback_naming_an_unknown_team_fails(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """\
version: 1
territories: {}
rules: []
fallback: {team: nobody}
"""
        + ROUTING_TAIL,
        name="routing.yaml",
    )
    assert "'nobody'" in load_error(path, RoutingPolicy).message


SCORING = """\
# ICP
version: 3
thresholds: {hot: 70, warm: 40}
fit_rules: []
"""


def test_config_version_names_the_file_and_its_version(tmp_path: Path) -> None:
    policy = load_policy(write(tmp_path, SCORING), ScoringPolicy)
    assert policy.version == 3
    assert policy.config_version.startswith("icp@v3+")


def test_config_version_is_stable_for_the_same_content(tmp_path: Path) -> None:
    first = load_policy(write(tmp_path, SCORING), ScoringPolicy).config_version
    again = load_policy(write(tmp_path, SCORING), ScoringPolicy).config_version
    assert first == again


def test_config_version_changes_when_the_content_changes(tmp_path: Path) -> None:
    before = load_policy(write(tmp_path, SCORING), ScoringPolicy).config_version
    after = load_policy(
        write(tmp_path, SCORING.replace("# ICP", "# ICP, reviewed")), ScoringPolicy
    ).config_version
    assert before != after
    assert after.startswith("icp@v3+")


def test_the_shipped_policy_files_are_valid() -> None:
    scoring = load_scoring(SCORING_DIR)
    routing = load_routing(ROUTING_DIR)
    nurture = load_nurture(TEMPLATES_DIR)
    assert scoring.fit_rules and routing.rules and nurture.sequences
    assert "NO" in routing.territories["emea"].countries

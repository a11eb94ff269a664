"""Sequences as data: the shipped files load, and every mistake names file, line and field."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from leadflow.nurture.policy import load_nurture
from leadflow.core.errors import ConfigError
from leadflow.nurture.templates_check import check_templates
from tests.factories import TEMPLATES_DIR

HEAD = """\
version: 2
send_policy:
  window: {days: [mon, tue, wed, thu, fri], start: "09:00", end: "17:00"}
sequences:
  - key: s
    name: S
    enter: {temperatures: [warm]}
    steps:
"""
STEP = """\
      - template: nurture_1_welcome
        subject: Hi
"""


def folder(tmp_path: Path, sequences: str, holidays: str | None = None) -> Path:
    for template in TEMPLATES_DIR.glob("*.j2"):
        shutil.copy(template, tmp_path / template.name)
    (tmp_path / "sequences.yaml").write_text(sequences, encoding="utf-8")
    if holidays is not None:
        (tmp_path / "holidays.yaml").write_text(holidays, encoding="utf-8")
    return tmp_path


def error_of(tmp_path: Path, sequences: str, holidays: str | None = None) -> ConfigError:
    with pytest.raises(ConfigError) as caught:
        load_nurture(folder(tmp_path, sequences, holidays))
    return caught.value


def test_the_shipped_sequences_holidays_and_templates_load() -> None:
    policy = load_nurture(TEMPLATES_DIR)
    check_templates(TEMPLATES_DIR, policy)
    core = policy.sequence("nurture-core")
    assert (
        len(core.steps) == 3
        and core.steps[0].delay_days == 0
        and core.steps[0].timing == "immediate"
    )
    assert policy.send_policy.cap is not None and "US" in policy.holidays
    assert "sequences@v" in policy.config_version and "holidays@v" in policy.config_version


def test_version_1_spelling_of_entry_rules_still_loads(tmp_path: Path) -> None:
    text = (
        HEAD.replace(
            "    enter: {temperatures: [warm]}\n", "    enter_temperatures: [warm, cold]\n"
        )
        + STEP
    )
    policy = load_nurture(folder(tmp_path, text))
    assert policy.sequences[0].enter.temperatures == ["warm", "cold"]
    assert policy.sequences[0].enter_temperatures == ["warm", "cold"]


def test_an_unquoted_time_is_refused_with_its_line(tmp_path: Path) -> None:
    error = error_of(tmp_path, HEAD.replace('end: "17:00"', "end: 17:00") + STEP)
    assert error.line == 3 and "quoted" in error.message


def test_a_branch_may_not_jump_backwards(tmp_path: Path) -> None:
    text = (
        HEAD
        + STEP
        + STEP
        + STEP
        + """\
        branches:
          - {if_clicked: 1, goto: 2}
"""
    )
    error = error_of(tmp_path, text)
    assert error.line == 16 and "later step" in error.message and "goto" in (error.field or "")


def test_a_branch_may_only_test_an_earlier_step(tmp_path: Path) -> None:
    text = (
        HEAD
        + STEP
        + """\
        branches:
          - {if_not_clicked: 2, goto: end}
"""
        + STEP
    )
    error = error_of(tmp_path, text)
    assert error.line == 12 and "earlier step" in error.message


def test_a_branch_needs_exactly_one_condition(tmp_path: Path) -> None:
    text = (
        HEAD
        + STEP
        + STEP
        + """\
        branches:
          - {if_clicked: 1, if_not_clicked: 1, goto: end}
"""
    )
    assert "exactly one" in error_of(tmp_path, text).message


def test_unsubscribe_exits_cannot_be_switched_off(tmp_path: Path) -> None:
    text = (
        HEAD.replace(
            "    enter: {temperatures: [warm]}\n",
            "    enter: {temperatures: [warm]}\n    exit_on: [became_hot, bounced, complained]\n",
        )
        + STEP
    )
    error = error_of(tmp_path, text)
    assert error.line == 8 and "unsubscribed" in error.message


def test_an_unknown_time_zone_is_refused(tmp_path: Path) -> None:
    text = (
        HEAD.replace("send_policy:\n", "send_policy:\n  default_zone: Mars/Olympus_Mons\n") + STEP
    )
    error = error_of(tmp_path, text)
    assert error.line == 3 and "time zone" in error.message


def test_holiday_errors_name_the_holidays_file(tmp_path: Path) -> None:
    text = HEAD.replace("send_policy:\n", "send_policy:\n  holidays_file: holidays.yaml\n") + STEP
    error = error_of(
        tmp_path, text, "version: 1\nholidays:\n  US: [2026-11-26]\n  usa: [2026-07-04]\n"
    )
    assert error.file.endswith("holidays.yaml") and error.line == 4 and "usa" in (error.field or "")
    error = error_of(tmp_path, text, "version: 1\nholidays:\n  US: [2026-13-01]\n")
    assert error.file.endswith("holidays.yaml") and error.line == 3


def test_a_missing_holidays_file_is_an_error(tmp_path: Path) -> None:
    text = HEAD.replace("send_policy:\n", "send_policy:\n  holidays_file: nope.yaml\n") + STEP
    assert "not found" in error_of(tmp_path, text).message


def test_norway_stays_a_country_code(tmp_path: Path) -> None:
    text = HEAD.replace("send_policy:\n", "send_policy:\n  holidays_file: holidays.yaml\n") + STEP
    policy = load_nurture(folder(tmp_path, text, "version: 1\nholidays:\n  NO: [2026-05-17]\n"))
    assert str(policy.holidays["NO"][0]) == "2026-05-17"

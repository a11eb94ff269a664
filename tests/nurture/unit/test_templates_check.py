"""Template checks at load: both parts exist, parse, and use only known variables."""

from __future__ import annotations

from pathlib import Path

import pytest

from leadflow.nurture.policy import load_nurture
from leadflow.core.errors import ConfigError
from leadflow.nurture.templates_check import check_templates
from tests.factories import TEMPLATES_DIR, make_nurture_policy

REP_HTML = "<p>Hi {{ rep.name }}, lead {{ lead.email }}: {{ reason }}</p>"
REP_TXT = "Hi {{ rep.name }}, lead {{ lead.email }}: {{ reason }}"


def templates(tmp_path: Path, files: dict[str, str]) -> Path:
    """A templates dir holding a valid rep notification plus ``files``."""
    for name, text in {
        "rep_notification.html.j2": REP_HTML,
        "rep_notification.txt.j2": REP_TXT,
        **files,
    }.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    return tmp_path


def check_error(directory: Path, *names: str) -> ConfigError:
    with pytest.raises(ConfigError) as caught:
        check_templates(directory, make_nurture_policy(list(names)))
    return caught.value


def test_the_shipped_templates_pass() -> None:
    check_templates(TEMPLATES_DIR, load_nurture(TEMPLATES_DIR))


def test_valid_templates_pass(tmp_path: Path) -> None:
    directory = templates(
        tmp_path,
        {
            "hello.html.j2": "<p>Hi {{ greeting_name }}</p>",
            "hello.txt.j2": "Hi {{ greeting_name }} {{ links[0] }}",
        },
    )
    check_templates(directory, make_nurture_policy(["hello"]))


def test_unknown_variable_is_named_with_its_file(tmp_path: Path) -> None:
    directory = templates(
        tmp_path,
        {
            "hello.html.j2": "<p>Hi {{ greeting_name }}</p>",
            "hello.txt.j2": "Hi {{ frist_name }} and {{ discount_code }}",
        },
    )
    error = check_error(directory, "hello")
    assert error.file == str(directory / "hello.txt.j2")
    assert error.field == "discount_code, frist_name"


def test_rep_only_variable_is_unknown_in_a_nurture_template(tmp_path: Path) -> None:
    directory = templates(
        tmp_path, {"hello.html.j2": "<p>Hi {{ rep.name }}</p>", "hello.txt.j2": "Hi"}
    )
    assert check_error(directory, "hello").field == "rep"


def test_missing_text_part_is_an_error(tmp_path: Path) -> None:
    directory = templates(tmp_path, {"hello.html.j2": "<p>Hi {{ greeting_name }}</p>"})
    error = check_error(directory, "hello")
    assert error.file == str(directory / "hello.txt.j2")
    assert "missing" in error.message


def test_missing_rep_notification_is_an_error(tmp_path: Path) -> None:
    directory = templates(tmp_path, {"hello.html.j2": "<p>Hi</p>", "hello.txt.j2": "Hi"})
    (directory / "rep_notification.html.j2").unlink()
    assert check_error(directory, "hello").file == str(directory / "rep_notification.html.j2")


def test_syntax_error_gives_file_and_line(tmp_path: Path) -> None:
    directory = templates(
        tmp_path,
        {"hello.html.j2": "<p>Hi</p>\n<p>{% endif %}</p>\n<p>Bye</p>\n", "hello.txt.j2": "Hi"},
    )
    error = check_error(directory, "hello")
    assert error.file == str(directory / "hello.html.j2")
    assert error.line == 2


def test_unknown_variable_in_a_shared_layout_is_caught(tmp_path: Path) -> None:
    # Every nurture email extends the layout: a typo there breaks every send.
    directory = templates(
        tmp_path,
        {
            "_layout.html.j2": "<body>{% block body %}{% endblock %}<a href='{{ unsubscribe_link }}'>x</a></body>",
            "hello.html.j2": '{% extends "_layout.html.j2" %}{% block body %}Hi{% endblock %}',
            "hello.txt.j2": "Hi",
        },
    )
    assert "unsubscribe_link" in (check_error(directory, "hello").field or "")

"""Rules tested like code: the shipped golden cases, and `leadflow rules test|check|schema`."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from leadflow.cli.rules import route_app, rules_app
from leadflow.routing.policy import load_routing, routing_json_schema
from leadflow.routing.cases import load_cases, run_cases
from leadflow.core.errors import ConfigError
from tests.factories import ROUTING_DIR

CASES_DIR = ROUTING_DIR / "cases"
app = typer.Typer()
app.add_typer(rules_app, name="rules")
app.add_typer(route_app, name="route")
runner = CliRunner()

WRONG = """version: 1
cases:
  - name: us-enterprise
    lead: {country: US, employees: 5000}
    expect: {rule: na-enterprise, rep: ben.carter}
"""


def test_every_shipped_case_passes() -> None:
    results = run_cases(CASES_DIR, load_routing(ROUTING_DIR))
    failed = [(r.name, r.diff) for r in results if not r.passed]
    assert not failed
    assert len(results) >= 30


def test_the_cases_cover_every_rule_owner_and_queue() -> None:
    policy = load_routing(ROUTING_DIR)
    expected = [
        c.expect for path in sorted(CASES_DIR.glob("*.yaml")) for c in load_cases(path).cases
    ]
    rules = {e.rule for e in expected}
    assert {r.id for r in policy.rules} | {"fallback", "account-owner", "prior-owner"} <= rules
    assert {"partner-desk", "unassigned"} <= {e.queue for e in expected}


def test_a_mismatch_reports_the_diff_and_the_trace(tmp_path: Path) -> None:
    (tmp_path / "cases.yaml").write_text(WRONG, encoding="utf-8")
    [result] = run_cases(tmp_path / "cases.yaml", load_routing(ROUTING_DIR))
    assert not result.passed
    assert result.diff == ["rep: expected 'ben.carter', got 'alice.morgan'"]
    assert result.trace["rotation"]["picked"] == "alice.morgan"


def test_a_broken_case_file_names_its_line(tmp_path: Path) -> None:
    (tmp_path / "cases.yaml").write_text(
        WRONG.replace("country: US", "contry: US"), encoding="utf-8"
    )
    with pytest.raises(ConfigError) as caught:
        load_cases(tmp_path / "cases.yaml")
    assert caught.value.line == 4 and "contry" in caught.value.message


# --- the command line --------------------------------------------------------------------------


def test_cli_rules_test_passes_on_the_shipped_cases() -> None:
    result = runner.invoke(app, ["rules", "test", str(CASES_DIR)])
    assert result.exit_code == 0, result.output
    assert " passed, 0 failed (routing@v2+" in result.output


def test_cli_rules_test_fails_with_diff_and_trace(tmp_path: Path) -> None:
    (tmp_path / "cases.yaml").write_text(WRONG, encoding="utf-8")
    result = runner.invoke(
        app, ["rules", "test", str(tmp_path / "cases.yaml"), "--rules", str(ROUTING_DIR)]
    )
    assert result.exit_code == 1
    assert "FAIL us-enterprise" in result.output
    assert "rep: expected 'ben.carter', got 'alice.morgan'" in result.output
    assert '"picked": "alice.morgan"' in result.output


def test_cli_rules_test_exits_2_on_a_broken_file(tmp_path: Path) -> None:
    (tmp_path / "cases.yaml").write_text(WRONG.replace("rule:", "rules:"), encoding="utf-8")
    result = runner.invoke(app, ["rules", "test", str(tmp_path / "cases.yaml")])
    assert result.exit_code == 2 and "cases.yaml:5" in result.output


def test_cli_rules_check_lists_policies_then_findings() -> None:
    from leadflow.pipeline.policies import load_all

    result = runner.invoke(app, ["rules", "check"])
    assert result.exit_code == 0, result.output
    assert result.output.count("ok ") == len(load_all())  # findings never read like an "ok" line
    assert "warning routing gap: leads with territory=unknown" in result.output
    assert runner.invoke(app, ["rules", "check", "--strict"]).exit_code == 1


def test_cli_rules_check_exits_2_naming_file_and_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from leadflow.core.settings import reset_settings

    folder = tmp_path / "routing"
    shutil.copytree(ROUTING_DIR, folder)
    text = (
        (folder / "routing.yaml")
        .read_text(encoding="utf-8")
        .replace("{field: score, min: 85}", "{field: score, minimum: 85}")
    )
    (folder / "routing.yaml").write_text(text, encoding="utf-8")
    line = next(i for i, row in enumerate(text.splitlines(), 1) if "minimum" in row)
    monkeypatch.setenv("LEADFLOW_ROUTING_DIR", str(folder))
    reset_settings()
    try:
        result = runner.invoke(app, ["rules", "check"])
    finally:
        monkeypatch.delenv("LEADFLOW_ROUTING_DIR")
        reset_settings()
    assert result.exit_code == 2
    assert f"routing.yaml:{line}" in result.output and "minimum" in result.output


def test_cli_rules_schema_prints_the_published_schema(tmp_path: Path) -> None:
    result = runner.invoke(app, ["rules", "schema"])
    assert json.loads(result.output) == routing_json_schema()
    written = runner.invoke(app, ["rules", "schema", "--write", "--rules", str(tmp_path)])
    assert written.exit_code == 0
    published = (ROUTING_DIR / "schema.json").read_text(encoding="utf-8")
    assert (tmp_path / "schema.json").read_text(encoding="utf-8") == published

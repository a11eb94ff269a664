"""Fit rules read values as people write them: case, aliases and bands (each failed before)."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from leadflow.cli.main import app
from leadflow.core.settings import reset_settings
from leadflow.scoring.policy import FitRule, load_scoring
from leadflow.scoring.rules_check import never_matching
from leadflow.scoring.score import fit_hits
from leadflow.scoring.values import Band, parse_band
from tests.factories import make_lead_view

ROOT = Path(__file__).resolve().parents[3]
runner = CliRunner()


def rule(**test: object) -> FitRule:
    return FitRule(id="r", points=10, **test)  # type: ignore[arg-type]


def test_country_any_of_uk_fires_for_a_lead_stored_as_gb() -> None:
    assert fit_hits(make_lead_view(country="GB"), [rule(field="country", any_of=["UK"])])


def test_industry_any_of_is_case_and_spacing_insensitive() -> None:
    rules = [rule(field="industry", any_of=["Manufacturing", "Financial Services"])]
    assert fit_hits(make_lead_view(industry="manufacturing"), rules)
    assert fit_hits(make_lead_view(industry="financial_services"), rules)
    assert not fit_hits(make_lead_view(industry="Retail"), rules)


@pytest.mark.parametrize(
    ("text", "low", "high"),
    [
        ("200-499", 200, 499),
        ("2000+", 2000, None),
        ("1万人以上", 10000, None),
        ("$10M-$50M", 10e6, 50e6),
        ("10,001+", 10001, None),
        ("<50", 0, 50),
        ("50人以下", 0, 50),
        ("1,200", 1200, 1200),
    ],
)
def test_bands_parse_both_ends(text: str, low: float, high: float | None) -> None:
    assert parse_band(text) == Band(low, high)


def test_an_open_band_is_not_inside_a_closed_range() -> None:
    sweet_spot = [rule(field="employees", min=200, max=2000)]
    assert not fit_hits(make_lead_view(employees=Band(2000, None)), sweet_spot)
    assert fit_hits(make_lead_view(employees=Band(200, 499)), sweet_spot)


def test_rules_check_reports_values_that_can_never_match(tmp_path: Path, monkeypatch) -> None:
    folder = tmp_path / "scoring"
    shutil.copytree(ROOT / "scoring", folder, ignore=shutil.ignore_patterns("cases", "models"))
    icp = yaml.safe_load((folder / "icp.yaml").read_text(encoding="utf-8"))
    icp["fit_rules"].append(
        {"id": "uk-typo", "field": "country", "any_of": ["UK", "Untied Kingdom"], "points": 5}
    )
    icp["fit_rules"].append(
        {"id": "free-yes", "field": "is_free_mail", "equals": "yes", "points": -5}
    )
    (folder / "icp.yaml").write_text(yaml.safe_dump(icp, allow_unicode=True), encoding="utf-8")
    messages = never_matching(load_scoring(folder))
    assert any("uk-typo" in m and "Untied Kingdom" in m for m in messages)
    assert not any("'UK'" in m for m in messages)
    assert any("free-yes" in m for m in messages)
    monkeypatch.setenv("LEADFLOW_SCORING_DIR", str(folder))
    reset_settings()
    try:
        result = runner.invoke(app, ["rules", "check", "--strict"])
    finally:
        reset_settings()
    assert result.exit_code == 1
    assert "Untied Kingdom" in result.output


def test_shipped_rules_have_no_value_that_never_matches() -> None:
    assert never_matching(load_scoring(ROOT / "scoring")) == []


def write(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows([header, *rows])
    return path


@pytest.mark.db
def test_score_file_honours_aliases_bands_revenue_and_writes_every_reason(
    leadflow_env, tmp_path: Path
) -> None:
    source = write(
        tmp_path / "in.csv",
        ["Email", "Cargo", "Industry", "Employees", "Annual Revenue", "Country"],
        [
            ["ana@acme-corp.example", "VP Finance", "Software", "200-499", "$50M-$250M", "UK"],
            ["bo@beta-corp.example", "VP Finance", "Software", "2000+", "", "US"],
        ],
    )
    out = tmp_path / "out.csv"
    result = runner.invoke(app, ["score", "file", str(source), "--out", str(out)])
    assert result.exit_code == 0, result.output
    first, second = list(csv.DictReader(out.open(encoding="utf-8-sig")))
    reasons = first["reasons"].split("; ")
    assert {
        "title-decision-maker +20",
        "size-sweet-spot +25",
        "revenue-large +10",
        "industry-core +25",
        "country-served +10",
    } <= set(reasons)
    assert "size-sweet-spot" not in second["reasons"]  # "2000+" may be far above 5000

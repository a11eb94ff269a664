"""`leadflow dedupe` on a real export: the oracle's duplicates, and a reusable config."""

from __future__ import annotations

import csv
import json
from collections import Counter
from pathlib import Path

from typer.testing import CliRunner

from leadflow.cli.main import app

EXAMPLES = Path(__file__).resolve().parents[3] / "examples"
WEBINAR = EXAMPLES / "webinar_analytics_2026-11.csv"
runner = CliRunner()


def test_dedupe_finds_the_files_duplicates_and_writes_its_config(tmp_path):
    out, config = tmp_path / "clusters.csv", tmp_path / "fields.yaml"
    result = runner.invoke(
        app,
        ["dedupe", str(WEBINAR), "--out", str(out), "--write-config", str(config)],
        env={"COLUMNS": "200"},
    )
    assert result.exit_code == 0, result.output
    oracle = json.loads((EXAMPLES / "expected.json").read_text(encoding="utf-8"))["files"][
        WEBINAR.name
    ]
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert len(rows) == oracle["rows"]
    sizes = Counter(r["cluster_id"] for r in rows)
    assert (
        sum(n - 1 for n in sizes.values())
        == oracle["exact_duplicate_rows"] + oracle["near_duplicate_rows"]
    )
    again = runner.invoke(
        app, ["dedupe", str(WEBINAR), "--out", str(tmp_path / "again.csv"), "--config", str(config)]
    )
    assert again.exit_code == 0 and "configured comparisons" in again.output


def test_a_missing_file_is_a_one_line_error(tmp_path):
    result = runner.invoke(
        app, ["dedupe", str(tmp_path / "nope.csv"), "--out", str(tmp_path / "o.csv")]
    )
    assert result.exit_code == 2 and "file not found" in result.output

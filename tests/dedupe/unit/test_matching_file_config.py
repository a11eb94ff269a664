"""The file matcher's --config: strict, located errors, every option honoured and written back."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from leadflow.core.errors import ConfigError
from leadflow.dedupe.engine.files import dedupe_file, load_config
from leadflow.dedupe.kinds import ClusterMethod, Kind


def _people(path: Path) -> Path:
    rows = [
        {"given_name": g, "surname": s, "dob": d}
        for g, s, d in [
            ("ann", "lee", "1980-01-02"),
            ("ann", "lee", "1980-01-02"),
            ("bob", "ray", "1975-03-04"),
            ("cy", "fox", "1990-05-06"),
            ("di", "wu", "1985-07-08"),
            ("ed", "oak", "1970-09-10"),
        ]
        * 5
    ]
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


def test_clustering_in_a_config_file_is_honoured_and_written_back(tmp_path: Path) -> None:
    config = tmp_path / "fields.yaml"
    config.write_text(
        "columns:\n  given_name: name\n  surname: name\n  dob: date\n"
        "clustering:\n  method: components\n  max_dense: 50\n"
        "thresholds: {merge: 0.95, review: 0.6}\n",
        encoding="utf-8",
    )
    loaded = load_config(config)
    assert loaded.clustering.method is ClusterMethod.COMPONENTS
    assert loaded.clustering.max_dense == 50
    written = tmp_path / "ran.yaml"
    report = dedupe_file(
        _people(tmp_path / "people.csv"), tmp_path / "out.csv", config=config, config_out=written
    )
    assert report.config.clustering.method is ClusterMethod.COMPONENTS
    again = load_config(written)
    assert again == loaded  # what ran, every option, loads back the same


def test_inferred_runs_write_their_clustering_too(tmp_path: Path) -> None:
    written = tmp_path / "ran.yaml"
    dedupe_file(_people(tmp_path / "people.csv"), tmp_path / "out.csv", config_out=written)
    text = written.read_text(encoding="utf-8")
    assert "clustering:" in text and "method: split" in text
    assert load_config(written).fields[2].kind is Kind.DATE


@pytest.mark.parametrize(
    ("yaml_text", "line", "field"),
    [
        (
            "columns:\n  surname: name\nclustering:\n  method: star\n  chain: false\n",
            5,
            "clustering.chain",
        ),
        ("columns:\n  surname: name\nthreshold: {merge: 0.9}\n", 3, "threshold"),
        ("columns:\n  surname: nmae\n", 2, "columns.surname"),
        ("columns:\n  surname: name\nclustering:\n  method: average\n", 4, "clustering.method"),
    ],
)
def test_unknown_keys_and_bad_values_name_file_line_and_field(
    tmp_path: Path, yaml_text: str, line: int, field: str
) -> None:
    config = tmp_path / "fields.yaml"
    config.write_text(yaml_text, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(config)
    assert caught.value.line == line and caught.value.field == field
    assert str(caught.value).startswith(f"{config}:{line}")


def test_yaml_1_2_a_column_called_no_stays_a_column(tmp_path: Path) -> None:
    config = tmp_path / "fields.yaml"
    config.write_text("columns:\n  no: identifier\n  surname: name\n", encoding="utf-8")
    assert [spec.name for spec in load_config(config).fields] == ["no", "surname"]

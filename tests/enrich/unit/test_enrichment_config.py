"""The providers file: the shipped one loads, and mistakes name file, line and field."""

from __future__ import annotations

from pathlib import Path

import pytest

from leadflow.enrich.policy import load_enrichment
from leadflow.core.errors import ConfigError

ROOT = Path(__file__).resolve().parents[3]


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "providers.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_shipped_file_loads_with_local_first_and_lead_answers_winning() -> None:
    policy = load_enrichment(ROOT / "enrichment" / "providers.yaml")
    assert [p.type for p in policy.providers][0] == "local"
    assert policy.survivorship == "lead_answer_wins"
    assert all(p.base_url for p in policy.providers if p.remote)
    assert policy.config_version.startswith("providers@v1+")


def test_unknown_key_is_refused_with_its_line(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "version: 1\nproviders:\n  - name: cb\n    type: clearbit\n"
        "    base_url: http://x\n    api_key: sk-123\n",
    )
    with pytest.raises(ConfigError) as caught:
        load_enrichment(path)
    assert (caught.value.line, caught.value.field) == (6, "providers.0.api_key")


def test_unknown_field_to_fill_and_unknown_policy_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        load_enrichment(
            write(
                tmp_path,
                "version: 1\nproviders:\n  - name: l\n    type: local\n"
                "    fields: [company, shoe_size]\n",
            )
        )
    assert caught.value.field == "providers.0.fields.1"
    with pytest.raises(ConfigError) as caught:
        load_enrichment(write(tmp_path, "version: 1\nsurvivorship: loudest_wins\nproviders: []\n"))
    assert (caught.value.line, caught.value.field) == (2, "survivorship")


def test_http_provider_needs_a_base_url_and_names_are_unique(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="needs base_url"):
        load_enrichment(
            write(tmp_path, "version: 1\nproviders:\n  - {name: pdl, type: peopledatalabs}\n")
        )
    with pytest.raises(ConfigError) as caught:
        load_enrichment(
            write(
                tmp_path,
                "version: 1\nproviders:\n  - {name: a, type: local}\n  - {name: a, type: local}\n",
            )
        )
    assert (caught.value.line, caught.value.field) == (4, "providers.1.name")


def test_defaults_cover_ttls_and_limits(tmp_path: Path) -> None:
    policy = load_enrichment(
        write(
            tmp_path,
            "version: 1\nproviders:\n  - {name: cb, type: clearbit, base_url: 'https://c'}\n",
        )
    )
    cb = policy.providers[0]
    assert (cb.negative_ttl_days, cb.max_attempts, cb.limit_name) == (30, 4, "enrich-cb")
    assert policy.budget.max_calls_per_run == 5000

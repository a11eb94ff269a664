"""What every SQLite connection of the application is set to: WAL, a busy timeout, foreign
keys, and a page cache sized by LEADFLOW_SQLITE_CACHE_MB (docs/scaling.md says why)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import ValidationError
from sqlalchemy import text

from leadflow.core.db import engine_for
from leadflow.core.settings import get_settings, reset_settings


@pytest.fixture
def fresh_settings(monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
    monkeypatch.delenv("LEADFLOW_SQLITE_CACHE_MB", raising=False)
    reset_settings()
    yield monkeypatch
    reset_settings()


def _pragmas(path: Path) -> dict[str, object]:
    # Past engine_for's cache: these engines must not push out one that other tests share.
    engine = engine_for.__wrapped__(f"sqlite:///{path}")
    try:
        with engine.connect() as conn:
            return {
                name: conn.execute(text(f"PRAGMA {name}")).scalar()
                for name in ("cache_size", "journal_mode", "busy_timeout", "foreign_keys")
            }
    finally:
        engine.dispose()


def test_a_connection_gets_a_64_mb_page_cache_by_default(fresh_settings, tmp_path):
    assert _pragmas(tmp_path / "default.db") == {
        "cache_size": -64 * 1024,  # negative: KiB
        "journal_mode": "wal",
        "busy_timeout": 30000,
        "foreign_keys": 1,
    }


def test_the_cache_follows_the_setting_and_zero_keeps_sqlites_own(fresh_settings, tmp_path):
    fresh_settings.setenv("LEADFLOW_SQLITE_CACHE_MB", "8")
    reset_settings()
    assert _pragmas(tmp_path / "eight.db")["cache_size"] == -8 * 1024
    fresh_settings.setenv("LEADFLOW_SQLITE_CACHE_MB", "0")
    reset_settings()
    plain = sqlite3.connect(tmp_path / "plain.db")
    try:
        own = plain.execute("PRAGMA cache_size").fetchone()[0]  # as this SQLite was built
    finally:
        plain.close()
    assert _pragmas(tmp_path / "own.db")["cache_size"] == own


def test_a_negative_cache_is_refused_by_name(fresh_settings):
    fresh_settings.setenv("LEADFLOW_SQLITE_CACHE_MB", "-1")
    reset_settings()
    with pytest.raises(ValidationError, match="sqlite_cache_mb"):
        get_settings()

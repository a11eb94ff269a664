"""The Alembic migrations build exactly the schema the models describe, on each backend."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from leadflow.core.db import engine_for, upgrade
from leadflow.core.models import Base

pytestmark = pytest.mark.db


def test_migrated_schema_matches_the_models(database_url):
    with engine_for(database_url).connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), Base.metadata) == []


def test_upgrading_twice_is_harmless(database_url):
    upgrade(database_url)
    with engine_for(database_url).connect() as conn:
        assert MigrationContext.configure(conn).get_current_revision() is not None

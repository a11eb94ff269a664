"""source_record: the staged and the quarantined rows each in a partial index, in place of the
index on every row's status

The capture flow looks for staged rows every minute (status = 'staged', in id order), and the
quarantine listing for quarantined ones. Through the index on the status, or the primary key
with a filter, the plan depended on the planner's statistics: gathered while a large file was
staged, they say every row is staged, and PostgreSQL then walked the table in id order, past
every row the file had cleaned, for the few still waiting, each minute. An index that holds
only the rows of one status, in id order, is the cheapest way to them under any statistics,
on both databases. A row that is cleaned leaves the staged index (its new version does not
match) and enters no index for its status: one entry fewer written per row than the full
index, which no other query needs (the report's count by status reads the whole table
either way).

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07 00:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None

PARTIAL = ('staged', 'quarantined')


def upgrade() -> None:
    with op.batch_alter_table('source_record', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_source_record_status'))
        for status in PARTIAL:
            where = sa.text(f"status = '{status}'")
            batch_op.create_index(
                f'ix_source_record_{status}',
                ['id'],
                unique=False,
                sqlite_where=where,
                postgresql_where=where,
            )


def downgrade() -> None:
    with op.batch_alter_table('source_record', schema=None) as batch_op:
        for status in PARTIAL:
            batch_op.drop_index(f'ix_source_record_{status}')
        batch_op.create_index(batch_op.f('ix_source_record_status'), ['status'], unique=False)

"""source_record: drop the indexes on campaign_id and reason_code, which no query needs

Every source row is rewritten once after it is staged: cleaning sets its status, its lead and,
for a quarantined row, its reason. Those columns are indexed, so each rewrite is a full one
and adds an entry to every index of the table; with these two gone, five entries instead of
seven. The campaign's rows are found through the indexes that begin with campaign_id (the
unique key on campaign, file and line, and the campaign-and-lead index of 0009); a reason is
only ever looked up among quarantined rows, which the status index finds.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06 21:30:00
"""

from __future__ import annotations

from alembic import op

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None

UNNEEDED = ('campaign_id', 'reason_code')


def upgrade() -> None:
    with op.batch_alter_table('source_record', schema=None) as batch_op:
        for column in UNNEEDED:
            batch_op.drop_index(batch_op.f(f'ix_source_record_{column}'))


def downgrade() -> None:
    with op.batch_alter_table('source_record', schema=None) as batch_op:
        for column in UNNEEDED:
            batch_op.create_index(batch_op.f(f'ix_source_record_{column}'), [column], unique=False)

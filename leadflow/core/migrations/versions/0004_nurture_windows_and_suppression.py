"""nurture windows, retries and the suppression list

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25 09:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('suppression',
    sa.Column('email', sa.String(length=320), nullable=False),
    sa.Column('reason', sa.String(length=30), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('suppressed_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('email')
    )
    with op.batch_alter_table('enrollment', schema=None) as batch_op:
        # Existing enrollments are their lead's first run of the sequence.
        batch_op.add_column(sa.Column('entry_count', sa.Integer(), nullable=False, server_default='1'))
        batch_op.add_column(sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True))

    with op.batch_alter_table('outbound_email', schema=None) as batch_op:
        batch_op.add_column(sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('claimed_at', sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('outbound_email', schema=None) as batch_op:
        batch_op.drop_column('claimed_at')
        batch_op.drop_column('next_attempt_at')

    with op.batch_alter_table('enrollment', schema=None) as batch_op:
        batch_op.drop_column('ended_at')
        batch_op.drop_column('entry_count')

    op.drop_table('suppression')

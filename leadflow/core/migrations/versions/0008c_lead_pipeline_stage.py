"""lead.pipeline_stage: how far the ingest pipeline has carried each lead, so a rerun
finishes what a crashed run left half-done. Stored leads are done.

Revision ID: 0008c
Revises: 0008d
Create Date: 2026-12-05 08:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0008c'
down_revision = '0008d'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('lead', schema=None) as batch_op:
        batch_op.add_column(sa.Column('pipeline_stage', sa.String(length=12), nullable=False,
                                      server_default='done'))
        batch_op.create_index(batch_op.f('ix_lead_pipeline_stage'), ['pipeline_stage'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('lead', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_lead_pipeline_stage'))
        batch_op.drop_column('pipeline_stage')

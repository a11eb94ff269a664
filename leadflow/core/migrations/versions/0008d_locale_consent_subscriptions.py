"""lead.locale; consent records and per-topic subscriptions; A/B variants of nurture steps

Revision ID: 0008d
Revises: 0008b
Create Date: 2026-12-05 08:50:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0008d'
down_revision = '0008b'  # chained after main's 0008b (both were written on 0007)
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('lead', schema=None) as batch_op:
        batch_op.add_column(sa.Column('locale', sa.String(length=35), nullable=True))
    op.create_table(
        'consent_record',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('lead_id', sa.Integer(), nullable=False),
        sa.Column('purpose', sa.String(length=40), nullable=False),
        sa.Column('granted', sa.Boolean(), nullable=False),
        sa.Column('lawful_basis', sa.String(length=40), nullable=False),
        sa.Column('source', sa.String(length=200), nullable=False),
        sa.Column('evidence', sa.JSON(), nullable=False),
        sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['lead_id'], ['lead.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index(op.f('ix_consent_record_lead_id'), 'consent_record', ['lead_id'], unique=False)
    op.create_table(
        'subscription',
        sa.Column('lead_id', sa.Integer(), nullable=False),
        sa.Column('topic', sa.String(length=100), nullable=False),
        sa.Column('subscribed', sa.Boolean(), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['lead_id'], ['lead.id']),
        sa.PrimaryKeyConstraint('lead_id', 'topic'),
    )


    with op.batch_alter_table('outbound_email', schema=None) as batch_op:
        batch_op.add_column(sa.Column('variant', sa.String(length=20), nullable=True))
    op.create_table(
        'variant_promotion',
        sa.Column('sequence', sa.String(length=100), nullable=False),
        sa.Column('step', sa.Integer(), nullable=False),
        sa.Column('variant', sa.String(length=20), nullable=False),
        sa.Column('promoted_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('sequence', 'step'),
    )


def downgrade() -> None:
    op.drop_table('variant_promotion')
    with op.batch_alter_table('outbound_email', schema=None) as batch_op:
        batch_op.drop_column('variant')
    op.drop_table('subscription')
    op.drop_index(op.f('ix_consent_record_lead_id'), table_name='consent_record')
    op.drop_table('consent_record')
    with op.batch_alter_table('lead', schema=None) as batch_op:
        batch_op.drop_column('locale')

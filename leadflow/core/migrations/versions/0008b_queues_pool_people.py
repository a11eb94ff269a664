"""queues with deadlines, the people who steer, the actor of a decision and the account's team

Revision ID: 0008b
Revises: 0007
Create Date: 2026-12-05 08:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0008b'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'person',
        sa.Column('key', sa.String(length=100), nullable=False),
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.Column('email', sa.String(length=320), nullable=False),
        sa.Column('role', sa.String(length=20), nullable=False),
        sa.Column('teams', sa.JSON(), nullable=False),
        sa.Column('active', sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint('key'),
    )
    op.create_table(
        'queue_item',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('lead_id', sa.Integer(), nullable=False),
        sa.Column('queue', sa.String(length=100), nullable=False),
        sa.Column('team', sa.String(length=100), nullable=True),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('entered_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('due_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('escalations', sa.Integer(), nullable=False),
        sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('closed_by', sa.String(length=100), nullable=True),
        sa.Column('close_reason', sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(['lead_id'], ['lead.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('queue_item', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_queue_item_lead_id'), ['lead_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_queue_item_queue'), ['queue'], unique=False)
        batch_op.create_index(batch_op.f('ix_queue_item_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_queue_item_due_at'), ['due_at'], unique=False)
    with op.batch_alter_table('decision', schema=None) as batch_op:
        batch_op.add_column(sa.Column('actor', sa.String(length=100), nullable=True))
        batch_op.create_index(batch_op.f('ix_decision_actor'), ['actor'], unique=False)
    with op.batch_alter_table('account', schema=None) as batch_op:
        batch_op.add_column(sa.Column('team', sa.String(length=100), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('account', schema=None) as batch_op:
        batch_op.drop_column('team')
    with op.batch_alter_table('decision', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_decision_actor'))
        batch_op.drop_column('actor')
    op.drop_table('queue_item')
    op.drop_table('person')

"""enrichment provenance, ESP events, rep loop, CRM outcomes

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-24 08:13:16
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table('webhook_nonce',
    sa.Column('provider', sa.String(length=30), nullable=False),
    sa.Column('nonce', sa.String(length=200), nullable=False),
    sa.Column('seen_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('provider', 'nonce')
    )
    with op.batch_alter_table('webhook_nonce', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_webhook_nonce_seen_at'), ['seen_at'], unique=False)

    op.create_table('crm_outcome',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('external_id', sa.String(length=200), nullable=False),
    sa.Column('lead_id', sa.Integer(), nullable=True),
    sa.Column('email', sa.String(length=320), nullable=True),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('amount', sa.Float(), nullable=True),
    sa.Column('opportunity_created_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('source', sa.String(length=500), nullable=False),
    sa.Column('imported_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['lead_id'], ['lead.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('external_id')
    )
    with op.batch_alter_table('crm_outcome', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_crm_outcome_lead_id'), ['lead_id'], unique=False)

    op.create_table('assignment_webhook',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('assignment_id', sa.Integer(), nullable=False),
    sa.Column('url', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('delivered_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['assignment_id'], ['assignment.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('assignment_id', 'url')
    )
    with op.batch_alter_table('assignment_webhook', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_assignment_webhook_assignment_id'), ['assignment_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_assignment_webhook_status'), ['status'], unique=False)

    with op.batch_alter_table('rep', schema=None) as batch_op:
        batch_op.add_column(sa.Column('deactivated_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('handed_off_to', sa.String(length=100), nullable=True))

    with op.batch_alter_table('assignment', schema=None) as batch_op:
        batch_op.add_column(sa.Column('accepted_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('last_activity_at', sa.DateTime(timezone=True), nullable=True))

    with op.batch_alter_table('engagement_event', schema=None) as batch_op:
        batch_op.add_column(sa.Column('recipient', sa.String(length=320), nullable=True))
        batch_op.add_column(sa.Column('machine_reason', sa.String(length=60), nullable=True))
        batch_op.add_column(sa.Column('user_agent', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('detail', sa.JSON(), nullable=True))
        batch_op.alter_column('lead_id',
               existing_type=sa.INTEGER(),
               nullable=True)

    with op.batch_alter_table('lead', schema=None) as batch_op:
        batch_op.add_column(sa.Column('enrichment_status', sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column('enrichment_provenance', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('has_website', sa.Boolean(), nullable=True))


def downgrade() -> None:

    with op.batch_alter_table('lead', schema=None) as batch_op:
        batch_op.drop_column('has_website')
        batch_op.drop_column('enrichment_provenance')
        batch_op.drop_column('enrichment_status')

    with op.batch_alter_table('engagement_event', schema=None) as batch_op:
        batch_op.alter_column('lead_id',
               existing_type=sa.INTEGER(),
               nullable=False)
        batch_op.drop_column('detail')
        batch_op.drop_column('user_agent')
        batch_op.drop_column('machine_reason')
        batch_op.drop_column('recipient')

    with op.batch_alter_table('rep', schema=None) as batch_op:
        batch_op.drop_column('handed_off_to')
        batch_op.drop_column('deactivated_at')

    with op.batch_alter_table('assignment', schema=None) as batch_op:
        batch_op.drop_column('last_activity_at')
        batch_op.drop_column('accepted_at')

    with op.batch_alter_table('assignment_webhook', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_assignment_webhook_status'))
        batch_op.drop_index(batch_op.f('ix_assignment_webhook_assignment_id'))

    op.drop_table('assignment_webhook')
    with op.batch_alter_table('crm_outcome', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_crm_outcome_lead_id'))

    op.drop_table('crm_outcome')
    with op.batch_alter_table('webhook_nonce', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_webhook_nonce_seen_at'))

    op.drop_table('webhook_nonce')

"""fuzzy merges: lead name/mailbox keys, aliases, review queue, merge events

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-24 09:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('merge_candidate',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('lead_id', sa.Integer(), nullable=False),
    sa.Column('other_lead_id', sa.Integer(), nullable=False),
    sa.Column('source_record_id', sa.Integer(), nullable=True),
    sa.Column('probability', sa.Float(), nullable=False),
    sa.Column('deciding', sa.JSON(), nullable=False),
    sa.Column('status', sa.String(length=10), server_default='open', nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('decided_by', sa.String(length=100), nullable=True),
    sa.ForeignKeyConstraint(['lead_id'], ['lead.id'], ),
    sa.ForeignKeyConstraint(['other_lead_id'], ['lead.id'], ),
    sa.ForeignKeyConstraint(['source_record_id'], ['source_record.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('merge_candidate', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_merge_candidate_lead_id'), ['lead_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_merge_candidate_other_lead_id'), ['other_lead_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_merge_candidate_status'), ['status'], unique=False)

    op.create_table('merge_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('target_lead_id', sa.Integer(), nullable=False),
    sa.Column('absorbed_lead_id', sa.Integer(), nullable=True),
    sa.Column('candidate_id', sa.Integer(), nullable=True),
    sa.Column('rule_id', sa.String(length=40), nullable=False),
    sa.Column('probability', sa.Float(), nullable=False),
    sa.Column('source_record_ids', sa.JSON(), nullable=False),
    sa.Column('before', sa.JSON(), nullable=False),
    sa.Column('after', sa.JSON(), nullable=False),
    sa.Column('split', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('undone_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('undone_by', sa.String(length=100), nullable=True),
    sa.ForeignKeyConstraint(['absorbed_lead_id'], ['lead.id'], ),
    sa.ForeignKeyConstraint(['candidate_id'], ['merge_candidate.id'], ),
    sa.ForeignKeyConstraint(['target_lead_id'], ['lead.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('merge_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_merge_event_target_lead_id'), ['target_lead_id'], unique=False)

    op.create_table('lead_alias',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('lead_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('value', sa.String(length=320), nullable=False),
    sa.Column('source_record_id', sa.Integer(), nullable=True),
    sa.Column('merge_event_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['lead_id'], ['lead.id'], ),
    sa.ForeignKeyConstraint(['merge_event_id'], ['merge_event.id'], ),
    sa.ForeignKeyConstraint(['source_record_id'], ['source_record.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('lead_alias', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_lead_alias_lead_id'), ['lead_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_lead_alias_merge_event_id'), ['merge_event_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_lead_alias_value'), ['value'], unique=False)

    # Leads stored before this revision get their keys from `leadflow merges reindex`:
    # the keys depend on the matching policy, which a migration should not read.
    with op.batch_alter_table('lead', schema=None) as batch_op:
        batch_op.add_column(sa.Column('name_key', sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column('email_key', sa.String(length=320), nullable=True))
        batch_op.add_column(sa.Column('domain_name_key', sa.String(length=360), nullable=True))
        batch_op.add_column(sa.Column('company_name_key', sa.String(length=400), nullable=True))
        batch_op.create_index(batch_op.f('ix_lead_email_key'), ['email_key'], unique=False)
        batch_op.create_index(batch_op.f('ix_lead_domain_name_key'), ['domain_name_key'], unique=False)
        batch_op.create_index(batch_op.f('ix_lead_company_name_key'), ['company_name_key'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('lead', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_lead_company_name_key'))
        batch_op.drop_index(batch_op.f('ix_lead_domain_name_key'))
        batch_op.drop_index(batch_op.f('ix_lead_email_key'))
        batch_op.drop_column('company_name_key')
        batch_op.drop_column('domain_name_key')
        batch_op.drop_column('email_key')
        batch_op.drop_column('name_key')

    with op.batch_alter_table('lead_alias', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_lead_alias_value'))
        batch_op.drop_index(batch_op.f('ix_lead_alias_merge_event_id'))
        batch_op.drop_index(batch_op.f('ix_lead_alias_lead_id'))
    op.drop_table('lead_alias')

    with op.batch_alter_table('merge_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_merge_event_target_lead_id'))
    op.drop_table('merge_event')

    with op.batch_alter_table('merge_candidate', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_merge_candidate_status'))
        batch_op.drop_index(batch_op.f('ix_merge_candidate_other_lead_id'))
        batch_op.drop_index(batch_op.f('ix_merge_candidate_lead_id'))
    op.drop_table('merge_candidate')

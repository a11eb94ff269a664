"""scoring outputs and qualification answers

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24 05:46:34.448617
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('qualification_answer',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('lead_id', sa.Integer(), nullable=False),
    sa.Column('model', sa.String(length=50), nullable=False),
    sa.Column('question', sa.String(length=100), nullable=False),
    sa.Column('answer', sa.Boolean(), nullable=False),
    sa.Column('source', sa.String(length=50), nullable=False),
    sa.Column('answered_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['lead_id'], ['lead.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('lead_id', 'model', 'question')
    )
    with op.batch_alter_table('qualification_answer', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_qualification_answer_lead_id'), ['lead_id'], unique=False)

    with op.batch_alter_table('lead', schema=None) as batch_op:
        batch_op.add_column(sa.Column('qualification_score', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('grade', sa.String(length=1), nullable=True))
        batch_op.add_column(sa.Column('purchase_timeframe_months', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('purchase_class', sa.String(length=1), nullable=True))
        batch_op.add_column(sa.Column('disqualified_by', sa.String(length=100), nullable=True))
        batch_op.alter_column('temperature',
               existing_type=sa.VARCHAR(length=10),
               type_=sa.String(length=12),
               existing_nullable=True)



def downgrade() -> None:
    with op.batch_alter_table('lead', schema=None) as batch_op:
        batch_op.alter_column('temperature',
               existing_type=sa.String(length=12),
               type_=sa.VARCHAR(length=10),
               existing_nullable=True)
        batch_op.drop_column('disqualified_by')
        batch_op.drop_column('purchase_class')
        batch_op.drop_column('purchase_timeframe_months')
        batch_op.drop_column('grade')
        batch_op.drop_column('qualification_score')

    with op.batch_alter_table('qualification_answer', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_qualification_answer_lead_id'))

    op.drop_table('qualification_answer')

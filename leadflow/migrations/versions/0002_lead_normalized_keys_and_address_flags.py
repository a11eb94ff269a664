"""lead normalized keys and address flags

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24 05:20:18.914520
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # server_default: existing rows get False instead of failing NOT NULL.
    with op.batch_alter_table('lead', schema=None) as batch_op:
        batch_op.add_column(sa.Column('company_key', sa.String(length=300), nullable=True))
        batch_op.add_column(sa.Column('phone_e164', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('is_disposable', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('is_role_address', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.create_index(batch_op.f('ix_lead_company_key'), ['company_key'], unique=False)
        batch_op.create_index(batch_op.f('ix_lead_phone_e164'), ['phone_e164'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('lead', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_lead_phone_e164'))
        batch_op.drop_index(batch_op.f('ix_lead_company_key'))
        batch_op.drop_column('is_role_address')
        batch_op.drop_column('is_disposable')
        batch_op.drop_column('phone_e164')
        batch_op.drop_column('company_key')


"""lead normalized keys and address flags; quarantine reason codes

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
    with op.batch_alter_table('source_record', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reason_code', sa.String(length=40), nullable=True))
        batch_op.create_index(batch_op.f('ix_source_record_reason_code'), ['reason_code'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('source_record', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_source_record_reason_code'))
        batch_op.drop_column('reason_code')
    with op.batch_alter_table('lead', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_lead_phone_e164'))
        batch_op.drop_index(batch_op.f('ix_lead_company_key'))
        batch_op.drop_column('is_role_address')
        batch_op.drop_column('is_disposable')
        batch_op.drop_column('phone_e164')
        batch_op.drop_column('company_key')


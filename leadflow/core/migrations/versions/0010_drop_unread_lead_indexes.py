"""lead: drop the indexes on name_key, company_key and domain, which no query reads

Since 0009 how common a name is comes from lead_name_count, not from lead.name_key; candidate
lookups go through the joined keys (email_key, phone_e164, domain_name_key, company_name_key);
nothing selects leads by company_key or domain. Each index costs an entry on every insert and
on every rewrite of a lead row, and the ingest rewrites each lead several times.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06 01:00:00
"""

from __future__ import annotations

from alembic import op

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None

UNREAD = ('name_key', 'company_key', 'domain')


def upgrade() -> None:
    with op.batch_alter_table('lead', schema=None) as batch_op:
        for column in UNREAD:
            batch_op.drop_index(batch_op.f(f'ix_lead_{column}'))


def downgrade() -> None:
    with op.batch_alter_table('lead', schema=None) as batch_op:
        for column in UNREAD:
            batch_op.create_index(batch_op.f(f'ix_lead_{column}'), [column], unique=False)

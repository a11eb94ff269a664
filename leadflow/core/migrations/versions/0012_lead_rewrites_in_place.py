"""lead: rewrites in place (HOT) where they can be: no index on pipeline_stage, room on each page

Every step of the ingest pipeline rewrites the leads of its batch (enrich, score, then route
or enroll), and each step moves the lead's pipeline_stage. On PostgreSQL an UPDATE that changes
no indexed column and finds room on the row's page is a heap-only tuple (HOT) update: no new
entry in any of lead's indexes. The index on pipeline_stage made every such rewrite a full
one, and no query reads it: the only search by stage, for the leads a crashed run left
(`lead_stages.unfinished`), asks for `pipeline_stage <> 'done'`, which a btree cannot answer
(both PostgreSQL and SQLite scan the table for it, with or without the index). The other
lookups by stage go through the primary key.

Rows copied in fill their pages; a fillfactor of 80 leaves a fifth of each page for the
rewrites that follow. Measured on 100k rows through the whole pipeline (docs/scaling.md):
1,141 of 346,071 lead rewrites were HOT before, about 117,000 after; 1.06x the rows/s.
SQLite has no such notion: there only the index goes.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06 16:00:00
"""

from __future__ import annotations

from alembic import op

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None

FILLFACTOR = 80


def upgrade() -> None:
    with op.batch_alter_table('lead', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_lead_pipeline_stage'))
    if op.get_bind().dialect.name == 'postgresql':
        # Inserts from now on leave the room; pages already full stay so until the table is
        # rewritten (VACUUM FULL).
        op.execute(f'ALTER TABLE lead SET (fillfactor = {FILLFACTOR})')


def downgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        op.execute('ALTER TABLE lead RESET (fillfactor)')
    with op.batch_alter_table('lead', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_lead_pipeline_stage'), ['pipeline_stage'], unique=False)
